// Benchmark: Kuma webhooks per second into Vigie built as `vigie run` builds it (createApp), loaded with autocannon.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp, type App } from '../src/app.js';
import { kumaEventFromPayload } from '../src/ingest/kuma-event.js';
import { parseConfig } from '../src/config/index.js';
import { silentLogger } from '../src/logging.js';
import { spawnHomeserver, type HomeserverProcess } from '../test/support/homeserver-process.js';

const SECONDS = 10;
/** Long enough for the deliverer to reach the end of the first 10 s grouping window and send what it grouped. */
const DELIVERING_SECONDS = 15;
/**
 * Webhooks in flight at once: autocannon's default of 10, then more, as when many monitors change state together.
 * With 10, a request's time is mostly waiting (the disk sync, the render worker): throughput is 10 ÷ latency.
 */
const CONNECTIONS = [10, 25, 50];
const TOKEN = 'bench-token';
const CAPTURED = (JSON.parse(readFileSync(new URL('../test/fixtures/uptime-kuma/webhook-json__down.json', import.meta.url), 'utf8')) as { body: { heartbeat: object } }).body;
/**
 * The same monitor down again and again is Kuma's resend: its heartbeat is not `important` (only a change to DOWN is,
 * and Vigie takes that for a new outage). The captured DOWN is important; sent as is thousands of times, it would
 * measure thousands of outages opened and closed, which Kuma never sends.
 */
const PAYLOAD = { ...CAPTURED, heartbeat: { ...CAPTURED.heartbeat, important: false } };
const BODY = JSON.stringify(PAYLOAD);
const GOAL = { rps: 3_000, p99Ms: 20 };

/** The part of autocannon's result this benchmark reads (autocannon ships no types). */
interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<LoadResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/**
 * Vigie from a configuration as a user writes it: one Kuma source, one room, the default route (built-in Markdown
 * template, incidents, 10 s grouping window), the database on disk with synchronous=FULL. With a homeserver, the
 * deliverer runs and sends to it, on the same thread as ingest, as in production; without one, nothing is sent.
 */
async function withVigie<T>(hs: HomeserverProcess | undefined, run: (app: App) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-'));
  const [roomId] = hs ? await hs.createRooms(1) : ['!ops:bench.local'];
  const yaml = [
    'timezone: Europe/Paris',
    hs ? `matrix: { homeserver: "${hs.url}", accessToken: "${hs.token}" }` : 'matrix: { homeserver: "http://127.0.0.1:9" }',
    `rooms: { ops: "${roomId}" }`,
    'routes: [ { rooms: [ops] } ]',
    `sources: { uptimeKuma: [ { name: bench, token: ${TOKEN} } ] }`,
    `store: { path: "${join(dir, 'vigie.db')}" }`,
    'server: { listen: "127.0.0.1:0" }',
    'log: { level: silent }',
  ].join('\n');
  const app = await createApp(await parseConfig(yaml, join(dir, 'vigie.yaml')), { logger: silentLogger(), server: true });
  try {
    await app.start();
    // Timed from when webhooks are rendered in the worker, as in a running Vigie after its first second.
    if (!(await app.renderWorkerReady())) throw new Error('the render worker did not start');
    return await run(app);
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * CPU time of the main thread alone (ms; Linux, from /proc), which other processes sharing the cores inflate far less
 * than wall time; undefined elsewhere. Clock ticks are 10 ms: fine over seconds.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

const count = (app: App, where: string): number => (app.db.prepare(`SELECT count(*) AS n FROM outbox WHERE ${where}`).get() as { n: number }).n;

/** Posts the webhook for `seconds`; prints the figures, the main thread's busy time per request, and what was stored. */
async function load(label: string, app: App, seconds: number, connections: number): Promise<LoadResult> {
  const before = performance.eventLoopUtilization();
  const cpuBefore = mainThreadCpuMs();
  const result = await autocannon({
    url: `${app.address}/ingest/uptime-kuma/${TOKEN}`, method: 'POST', body: BODY, headers: { 'content-type': 'application/json' },
    connections, duration: seconds, workers: 1,
  });
  const busy = performance.eventLoopUtilization(before);
  const cpuMs = cpuBefore === undefined ? undefined : mainThreadCpuMs()! - cpuBefore;
  // Every 202 must be a stored row: a benchmark that answers without storing measures nothing.
  const stored = count(app, '1');
  if (stored < result['2xx']) throw new Error(`${result['2xx']} webhooks answered 2xx but only ${stored} rows stored`);
  console.log(`${label.padEnd(14)} ${String(connections).padStart(2)} conn. ${result.requests.average.toFixed(0).padStart(5)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   ` +
    `max ${result.latency.max} ms   main thread ${(busy.utilization * 100).toFixed(0)}% busy, ${(busy.active * 1000 / result.requests.total).toFixed(0)} µs/request` +
    `${cpuMs === undefined ? '' : ` (CPU ${(cpuMs * 1000 / result.requests.total).toFixed(0)} µs)`}   ` +
    `(${result.requests.total} requests, ${stored} rows, ${result.non2xx} non-2xx, ${result.errors} errors)`);
  return result;
}

/** Alerts per second through the production dispatch alone (route, render, incidents, one durable transaction each). */
async function dispatchAlone(total: number): Promise<number> {
  return withVigie(undefined, async (app) => {
    const event = kumaEventFromPayload(PAYLOAD, { source: 'uptime-kuma:bench', now: new Date() });
    const start = performance.now();
    for (let i = 0; i < total; i++) app.dispatch(event);
    return total / ((performance.now() - start) / 1000);
  });
}

/**
 * Prints webhooks/s and p50/p99 latency: first ingest alone (the goal's figure), then with the deliverer sending to
 * a test homeserver in another process, as in production (its grouping window closes during the run).
 */
export async function benchIngest(): Promise<void> {
  console.log(`ingest: POST webhook-json__down (${BODY.length} bytes, one monitor going down again and again), autocannon in a worker thread`);
  console.log(`dispatch alone: ${(await dispatchAlone(2_000)).toFixed(0)} alerts/s (route, render, incidents, one disk sync each)`);
  const alone: Array<{ connections: number; result: LoadResult }> = [];
  for (const connections of CONNECTIONS) {
    alone.push({ connections, result: await withVigie(undefined, (app) => load('no delivery', app, SECONDS, connections)) });
  }
  const hs = await spawnHomeserver();
  try {
    await withVigie(hs, async (app) => {
      await load('delivering', app, DELIVERING_SECONDS, CONNECTIONS[0]!);
      console.log(`               outbox after the run: ${count(app, "state = 'sent'")} sent, ${count(app, "state = 'merged'")} merged into group rows, ` +
        `${count(app, "state = 'rejected'")} rejected, ${count(app, "state = 'pending'")} pending`);
    });
  } finally {
    await hs.close();
  }
  const meets = (r: LoadResult): boolean => r.requests.average >= GOAL.rps && r.latency.p99 < GOAL.p99Ms;
  const met = alone.filter((a) => meets(a.result)).map((a) => a.connections);
  console.log(`goal ≥ ${GOAL.rps} req/s with p99 < ${GOAL.p99Ms} ms (no delivery; synchronous=FULL, group commit): ` +
    (met.length > 0 ? `met with ${met.join(', ')} connections` : 'NOT met') + `; with ${CONNECTIONS[0]} connections: ${meets(alone[0]!.result) ? 'met' : 'NOT met'}`);
}
