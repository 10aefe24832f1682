// Shared by the ingest tests: Kuma's captured requests, a recording dispatch, and a server built as Vigie builds it.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Dispatch, DispatchOptions } from '../../src/alert/dispatch.js';
import type { AlertEvent } from '../../src/alert/event.js';
import type { UptimeKumaSourceConfig } from '../../src/config/schema.js';
import type { OutboxRow } from '../../src/delivery/outbox.js';
import { createLogger } from '../../src/logging.js';
import { matrixProxy } from '../../src/ingest/matrix-proxy.js';
import { uptimeKumaWebhook, type IngestDeps } from '../../src/ingest/uptime-kuma.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/uptime-kuma/', import.meta.url));

/** One request captured from Uptime Kuma 2.5.3. */
export interface Fixture {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Every captured request, by file name without `.json`. */
export function fixtures(): Record<string, Fixture> {
  const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  return Object.fromEntries(names.map((f) => [f.slice(0, -5), JSON.parse(readFileSync(`${FIXTURES}${f}`, 'utf8')) as Fixture]));
}

/** One captured request by name (e.g. `webhook-json__down`). */
export function fixture(name: string): Fixture {
  const found = fixtures()[name];
  if (!found) throw new Error(`no fixture ${name} in ${FIXTURES}`);
  return found;
}

/** The sources of the tests: tokens as in the captured Matrix requests. */
export const SOURCES: UptimeKumaSourceConfig[] = [
  { name: 'kuma', token: 'syt_test', rooms: ['ops'] },
  { name: 'tpl', token: 'syt_test_tpl', rooms: ['tpl'], template: 'seed' },
  { name: 'open', token: 'open-token-1234' },
  { name: 'refused', token: undefined },
];
/** Every configured token, to look for in logs. */
export const TOKENS = ['syt_test', 'syt_test_tpl', 'open-token-1234'];
export const ROOMS: Record<string, string> = { ops: '!abc:localhost', tpl: '!tpl:localhost', other: '#other:localhost' };
/** The clock of the tests. */
export const NOW = new Date('2026-11-26T12:30:00.000Z');

/** One dispatch call as the fake saw it. */
export interface DispatchCall {
  event: AlertEvent;
  options: DispatchOptions;
}

/** A dispatch that records calls and, like the outbox, returns the first rows again for a known dedupeKey. */
export class FakeDispatch {
  readonly calls: DispatchCall[] = [];
  /** When set, the next calls throw it (a database failure). */
  failure: Error | undefined;
  /** How many rows each call stores (0: no route takes the alert). */
  rowsPerCall = 1;
  private readonly byKey = new Map<string, OutboxRow[]>();
  private nextId = 1;

  readonly dispatch: Dispatch = (event, options = {}) => {
    this.calls.push({ event, options });
    if (this.failure) throw this.failure;
    const known = options.dedupeKey === undefined ? undefined : this.byKey.get(options.dedupeKey);
    if (known) return known;
    const rows = Array.from({ length: this.rowsPerCall }, () => this.row(event));
    if (options.dedupeKey !== undefined) this.byKey.set(options.dedupeKey, rows);
    return rows;
  };

  /** The last call; fails the test when there was none. */
  last(): DispatchCall {
    const call = this.calls.at(-1);
    if (!call) throw new Error('dispatch was never called');
    return call;
  }

  private row(event: AlertEvent): OutboxRow {
    const id = this.nextId++;
    return {
      id, roomId: ROOMS.ops!, eventType: 'm.room.message', content: { body: event.msg }, txnId: `vigie.txn-${id}`,
      dedupeKey: null, state: 'pending', attempts: 0, nextAttemptAt: 0, lastError: null, eventId: null, createdAt: 0, sentAt: null,
    };
  }
}

/** A server as src/server/server.ts builds it (request logging off, 1 MiB), with both ingest plugins, a fake dispatch and captured logs. */
export interface Harness {
  app: FastifyInstance;
  fake: FakeDispatch;
  /** Every log line written, at trace level, as raw JSON text. */
  logs: string[];
  close(): Promise<void>;
}

/** Builds the harness; `deps` overrides the defaults (sources, rooms, dispatch…). */
export async function harness(deps: Partial<IngestDeps> = {}): Promise<Harness> {
  const logs: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void logs.push(line) } });
  const fake = new FakeDispatch();
  const full: IngestDeps = { sources: SOURCES, rooms: ROOMS, dispatch: fake.dispatch, logger, now: () => NOW, ...deps };
  const httpLogger: FastifyBaseLogger = logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: httpLogger,
    logController: new LogController({ disableRequestLogging: true }), bodyLimit: 1024 * 1024,
  });
  await app.register(uptimeKumaWebhook(full));
  await app.register(matrixProxy(full));
  await app.ready();
  return { app, fake, logs, close: () => app.close() };
}
