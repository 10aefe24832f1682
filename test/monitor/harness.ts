// Shared by the engine's end-to-end tests: a target whose answer can change, and the engine wired as `vigie run` wires it.
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDispatch } from '../../src/alert/dispatch.js';
import type { AlertEvent } from '../../src/alert/event.js';
import { compileTemplates } from '../../src/alert/render/templates.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { Outbox } from '../../src/delivery/outbox.js';
import { silentLogger } from '../../src/logging.js';
import { PushRegistry } from '../../src/monitor/checks/index.js';
import { MonitorEngine, type BeatReport } from '../../src/monitor/engine.js';
import { openDatabase, type Database } from '../../src/store/db.js';

/** An HTTP target on 127.0.0.1 answering `status` (changeable) to every request. */
export async function startSwitchableTarget(initial = 200): Promise<{ url: string; status: number; close(): Promise<void> }> {
  const target: { url: string; status: number; close(): Promise<void> } = { url: '', status: initial, close: async () => undefined };
  const server = http.createServer((_req, res) => {
    res.statusCode = target.status;
    res.end(target.status < 400 ? 'OK' : 'ERR');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  target.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return target;
}

/** The header of every test config: one room, a template printing status, name and the beat's message. */
export const CONFIG_HEAD = `
matrix: { homeserver: https://matrix.example.org }
timezone: Europe/Paris
rooms: { ops: "!ops:example.org" }
templates:
  line: "{{ status }} {{ name }}: {% if heartbeatJSON %}{{ heartbeatJSON.msg }}{% else %}{{ msg }}{% endif %}"
routes:
  - { rooms: [ops], template: line }
`;

/** A folder for a database that outlives one engine (restarts). */
export async function tempFolder(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'vigie-engine-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** An engine built from a config text as app.ts builds it, queuing alerts in a real outbox. */
export interface EngineRun {
  config: Config;
  engine: MonitorEngine;
  db: Database;
  beats: BeatReport[];
  /** The alerts dispatched by this engine, oldest first. */
  events: AlertEvent[];
  /** Bodies of the messages queued so far, oldest first. */
  messages(): string[];
  /** Stops the engine and closes the database; again does nothing. */
  stop(): Promise<void>;
}

/** Loads `yaml`, opens the database at `dbPath` and starts the engine on it. */
export async function startEngine(yaml: string, dbPath: string): Promise<EngineRun> {
  const { config } = await parseConfig(yaml, join(dbPath, '..', 'vigie.yaml'), { env: {} });
  const db = openDatabase(dbPath);
  const logger = silentLogger();
  const outbox = new Outbox(db);
  const dispatch = createDispatch({
    rules: config.routes, rooms: config.rooms, templates: compileTemplates(config.templates, { timezone: config.timezone }),
    msgtype: config.matrix.msgtype, outbox, onQueued: () => undefined, logger,
  });
  const events: AlertEvent[] = [];
  const engine = new MonitorEngine({
    db, monitors: config.monitors, dispatch: (event, options) => { events.push(event); return dispatch(event, options); }, logger, timezone: config.timezone, maintenance: config.maintenance,
    pushes: new PushRegistry(), retentionMs: config.store.heartbeatRetention,
  });
  const beats: BeatReport[] = [];
  engine.on('beat', (beat) => beats.push(beat));
  engine.start();
  const read = db.prepare<[], string>('SELECT content FROM outbox_payload ORDER BY id').pluck();
  let stopped = false;
  return {
    config, engine, db, beats, events,
    messages: () => read.all().map((content) => (JSON.parse(content) as { body: string }).body),
    async stop() {
      if (stopped) return;
      stopped = true;
      await engine.stop(1_000);
      db.close();
    },
  };
}
