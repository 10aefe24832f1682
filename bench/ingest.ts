// Benchmark: Kuma webhooks per second through the real plugin and the durable outbox, loaded with autocannon.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { LogController } from 'fastify';
import { createDispatch, type Dispatch } from '../src/alert/dispatch.js';
import { compileTemplates } from '../src/alert/render/templates.js';
import { Outbox } from '../src/delivery/outbox.js';
import { uptimeKumaWebhook, type IngestDispatch } from '../src/ingest/uptime-kuma.js';
import { silentLogger } from '../src/logging.js';
import { openDatabase, type Database } from '../src/store/db.js';
import { createGroupCommit } from '../src/store/group-commit.js';

const SECONDS = 10;
const CONNECTIONS = 10;
const TOKEN = 'bench-token';
const BODY = JSON.stringify((JSON.parse(readFileSync(new URL('../test/fixtures/uptime-kuma/webhook-json__down.json', import.meta.url), 'utf8')) as { body: unknown }).body);
const GOAL = { rps: 3_000, p99Ms: 20 };

/** The part of autocannon's result this benchmark reads (autocannon ships no types). */
interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<LoadResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function durableDispatch(db: Database): Dispatch {
  return createDispatch({
    rules: [{ rooms: ['ops'] }], rooms: { ops: '!ops:bench.local' }, templates: compileTemplates({}, { timezone: 'Europe/Paris' }),
    msgtype: 'm.text', outbox: new Outbox(db), onQueued: () => undefined, logger: silentLogger(),
  });
}

type Mode = 'group commit' | 'commit per request';

/** Serves the webhook over a durable database, loads it for `seconds`, prints the figures. */
async function run(mode: Mode, seconds: number): Promise<LoadResult> {
  const folder = mkdtempSync(join(tmpdir(), 'vigie-bench-'));
  const db = openDatabase(join(folder, 'vigie.db'));
  const app = Fastify({ logController: new LogController({ disableRequestLogging: true }), bodyLimit: 1024 * 1024 });
  try {
    const durable = durableDispatch(db);
    const group = createGroupCommit(db);
    const dispatch: IngestDispatch = mode === 'group commit' ? (event, options) => group(() => durable(event, options)) : durable;
    await app.register(uptimeKumaWebhook({
      sources: [{ name: 'bench', token: TOKEN }], rooms: { ops: '!ops:bench.local' }, dispatch, logger: silentLogger(),
    }));
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const result = await autocannon({
      url: `${address}/ingest/uptime-kuma/${TOKEN}`, method: 'POST', body: BODY, headers: { 'content-type': 'application/json' },
      connections: CONNECTIONS, duration: seconds, workers: 1,
    });
    const rows = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    console.log(`${mode.padEnd(20)} ${result.requests.average.toFixed(0).padStart(6)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   max ${result.latency.max} ms   ` +
      `(${result.requests.total} requests, ${rows} rows stored, ${result.non2xx} non-2xx, ${result.errors} errors)`);
    return result;
  } finally {
    await app.close();
    db.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Enqueues per second of the durable dispatch alone (no HTTP), to separate the database's cost from the server's. */
function dispatchOnly(synchronous: 'FULL' | 'NORMAL', count: number): number {
  const folder = mkdtempSync(join(tmpdir(), 'vigie-bench-'));
  const db = openDatabase(join(folder, 'vigie.db'), { synchronous });
  try {
    const dispatch = durableDispatch(db);
    const event = {
      source: 'uptime-kuma:bench', status: 'down' as const, name: 'Local Target 9998', hostnameOrURL: 'http://127.0.0.1:9998/health',
      msg: '[Local Target 9998] [🔴 Down] Request failed with status code 500', time: new Date(), tags: [], heartbeatJSON: { status: 0 }, monitorJSON: null,
    };
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) dispatch(event);
    return count / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    db.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Prints webhooks/s and p50/p99 latency as Vigie runs (synchronous=FULL, group commit), then for comparison:
 * dispatch alone per synchronous mode, and one commit per request.
 */
export async function benchIngest(): Promise<void> {
  console.log(`ingest: POST webhook-json__down (${BODY.length} bytes), ${CONNECTIONS} connections, autocannon in a worker thread`);
  for (const synchronous of ['FULL', 'NORMAL'] as const) {
    console.log(`dispatch alone, synchronous=${synchronous}: ${dispatchOnly(synchronous, 2_000).toFixed(0)} alerts/s (render + one transaction each)`);
  }
  const production = await run('group commit', SECONDS);
  await run('commit per request', Math.ceil(SECONDS / 2));
  const met = production.requests.average >= GOAL.rps && production.latency.p99 < GOAL.p99Ms;
  console.log(`goal ≥ ${GOAL.rps} req/s with p99 < ${GOAL.p99Ms} ms (synchronous=FULL, group commit): ${met ? 'met' : 'NOT met'}`);
}

