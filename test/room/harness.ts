// Shared by the room tests: a test homeserver with a room of members at different power levels, and Vigie's room
// service wired as app.ts wires it (real outbox, deliverer, mute store; the engine when a test gives monitors).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createDispatch } from '../../src/alert/dispatch.js';
import { compileTemplates } from '../../src/alert/render/templates.js';
import type { MonitorConfig } from '../../src/config/schema.js';
import { Deliverer } from '../../src/delivery/deliverer.js';
import { Outbox } from '../../src/delivery/outbox.js';
import type { Logger } from '../../src/logging.js';
import { MatrixClient } from '../../src/matrix/client.js';
import { PushRegistry, type CheckDefinition, type CheckResult } from '../../src/monitor/checks/index.js';
import { MonitorEngine } from '../../src/monitor/engine.js';
import type { Acknowledger } from '../../src/room/acknowledger.js';
import { MuteStore } from '../../src/room/mutes.js';
import { createRoomService, type RoomService } from '../../src/room/service.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { captureLogger } from '../support/delivery.js';
import { startHomeserver, type TestHomeserver, type TimelineEntry } from '../support/homeserver.js';
import { waitFor } from '../support/wait.js';

/** The people of the room: the creator (100), a moderator (50), a member (0), and two outsiders. */
export interface People {
  bot: string;
  admin: string;
  mod: string;
  member: string;
  friend: string;
  stranger: string;
}

/** The homeserver, its ops room, and a client per person. */
export interface World {
  hs: TestHomeserver;
  roomId: string;
  people: People;
  clients: Record<keyof People, MatrixClient>;
  botToken: string;
  /** Sends a text message as `who`; returns its event id. */
  say(who: keyof People, body: string, roomId?: string): Promise<string>;
  /** Puts a reaction on an event as `who`. */
  react(who: keyof People, eventId: string, key: string): Promise<string>;
  /** Vigie's messages in the room that reply to `eventId`. */
  repliesTo(eventId: string, roomId?: string): TimelineEntry[];
  close(): Promise<void>;
}

let txn = 0;

/** A homeserver without rate limits (these tests are about who may do what) and the room. */
export async function startWorld(): Promise<World> {
  const hs = await startHomeserver({ messageRateLimit: false });
  const name = (local: string) => hs.registerUser(local, 'password');
  const people: People = {
    bot: name('vigie'), admin: name('alice'), mod: name('mod'), member: name('bob'), friend: name('carol'), stranger: name('dave'),
  };
  const tokens = Object.fromEntries(Object.entries(people).map(([key, id]: [string, string]) => [key, hs.issueToken(id)])) as Record<keyof People, string>;
  const clients = Object.fromEntries(Object.entries(tokens).map(([key, token]) => [key, new MatrixClient({ baseUrl: hs.url, accessToken: token })])) as Record<keyof People, MatrixClient>;
  const roomId = hs.createRoom({
    creator: people.admin, join: [people.bot, people.mod, people.member], powerLevels: { users: { [people.mod]: 50 } },
  });
  return {
    hs, roomId, people, clients, botToken: tokens.bot,
    say: async (who, body, room = roomId) => (await clients[who].sendEvent(room, 'm.room.message', `t${++txn}`, { msgtype: 'm.text', body })).eventId,
    react: async (who, eventId, key) => (await clients[who].sendEvent(roomId, 'm.reaction', `t${++txn}`, {
      'm.relates_to': { rel_type: 'm.annotation', event_id: eventId, key },
    })).eventId,
    repliesTo: (eventId, room = roomId) => hs.messages(room).filter((m) => m.sender === people.bot
      && (m.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === eventId),
    close: () => hs.close(),
  };
}

/** A check whose answer each test sets per monitor (default up). */
export function switchableCheck() {
  const answers = new Map<string, CheckResult>();
  const runs: string[] = [];
  const definition: CheckDefinition<{ name: string; url: string }> = {
    type: 'http', schema: z.object({ name: z.string(), url: z.string() }),
    run: async (target) => {
      runs.push(target.name);
      return answers.get(target.name) ?? { status: 'up', message: '200 - OK', ms: 1 };
    },
    hostnameOrURL: (target) => target.url,
  };
  return { definition, answers, runs };
}

/** A monitor as the config schema gives it, checked every 200 ms. */
export function monitor(name: string, tags: string[]): MonitorConfig {
  return { type: 'http', name, url: `https://${name.toLowerCase()}.example`, interval: 200, retryInterval: 200, maxretries: 0, resendInterval: 0, tags, upsideDown: false, timeout: 1_000 };
}

/** What a Vigie run is given. */
export interface VigieOptions {
  dbPath?: string;
  monitors?: MonitorConfig[];
  check?: ReturnType<typeof switchableCheck>;
  acknowledger?: Acknowledger;
  allowInvitesFrom?: string[];
  /** Extra configured rooms (short name → id). */
  rooms?: Record<string, string>;
  logger?: Logger;
}

/** Vigie's pieces for acting from the room, as app.ts wires them. */
export interface VigieRun {
  db: Database;
  outbox: Outbox;
  mutes: MuteStore;
  engine: MonitorEngine | undefined;
  service: RoomService;
  logs: ReturnType<typeof captureLogger>;
  stop(): Promise<void>;
}

/** Starts Vigie against the world: deliverer, engine (with monitors), room service. */
export function startVigie(world: World, options: VigieOptions = {}): VigieRun {
  const logs = captureLogger('debug');
  const logger = options.logger ?? logs.logger;
  const db = openDatabase(options.dbPath ?? ':memory:');
  const outbox = new Outbox(db);
  const deliverer = new Deliverer({ outbox, sender: world.clients.bot, logger });
  const mutes = new MuteStore(db);
  const rooms = { ops: world.roomId, ...options.rooms };
  const dispatch = createDispatch({
    rules: [{ rooms: ['ops'], template: 'line' }], rooms, msgtype: 'm.text', outbox, logger,
    templates: compileTemplates({ line: '{{ status }} {{ name }}' }, { timezone: 'UTC' }),
    onQueued: (queued) => queued.forEach((room) => deliverer.wake(room)),
  });
  const engine = options.monitors ? new MonitorEngine({
    db, monitors: options.monitors, dispatch, logger, timezone: 'UTC', maintenance: [], pushes: new PushRegistry(),
    checks: options.check ? { http: options.check.definition } : undefined, extraWindows: mutes,
  }) : undefined;
  const service = createRoomService({
    api: world.clients.bot, db, rooms, timezone: 'UTC', outbox, wake: (room) => deliverer.wake(room), mutes, logger,
    commands: { enabled: true, powerLevel: 50, allowInvitesFrom: options.allowInvitesFrom ?? [] },
    monitors: () => engine?.snapshot() ?? [], acknowledger: options.acknowledger, userId: world.people.bot, syncTimeoutMs: 5_000,
  });
  deliverer.start();
  engine?.start();
  service.start();
  return {
    db, outbox, mutes, engine, service, logs,
    async stop() {
      await service.stop();
      await engine?.stop(1_000);
      await deliverer.stop(1_000);
      db.close();
    },
  };
}

/** A folder for a database that outlives one run. */
export async function tempFolder(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'vigie-room-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Waits until the loop has made its first sync (history skipped): what is said next is answered. */
export async function synced(run: VigieRun): Promise<void> {
  await waitFor('the first /sync', () => run.logs.lines.some((l) => l.component === 'sync' && /first sync/.test(l.msg))
    || run.db.prepare('SELECT count(*) AS n FROM kv').pluck().get() as number > 0);
}
