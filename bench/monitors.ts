// Benchmark: 10,000 http monitors against a local target in another process; CPU, RSS, scheduling lag, rows written.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { configSchema } from '../src/config/schema.js';
import { silentLogger } from '../src/logging.js';
import { PushRegistry } from '../src/monitor/checks/index.js';
import { MonitorEngine } from '../src/monitor/engine.js';
import { openDatabase } from '../src/store/db.js';

const MONITORS = 10_000;
/**
 * The production rate by default: first checks are spread evenly over the interval, so the load is steady from the
 * start and one minute covers every monitor once. A shorter VIGIE_BENCH_INTERVAL loads more; figures are scaled back.
 */
const INTERVAL_S = Number(process.env.VIGIE_BENCH_INTERVAL ?? 60);
const MEASURE_S = Number(process.env.VIGIE_BENCH_SECONDS ?? 60);
/** Long enough for the JIT to settle. */
const WARMUP_S = 5;
const GOAL = { cpuShare: 0.10, rssMb: 250, lagP99Ms: 1_000 };

/** The target: answers 200 "OK" to anything, closing each connection as Vigie's fresh-connection checks ask. */
const TARGET_SOURCE = `
const http = require('node:http');
const server = http.createServer((req, res) => res.end('OK'));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startTarget(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', TARGET_SOURCE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  return { child, port: Number(line) };
}

/**
 * The monitors, through the config schema as `vigie run` reads them, but from objects rather than YAML text:
 * the YAML document of 10,000 monitors is a start-up cost of the loader (measured apart), not of the engine.
 */
function monitorsConfig(port: number) {
  const monitors = Array.from({ length: MONITORS }, (_, i) => ({
    name: `m${i}`, type: 'http', url: `http://127.0.0.1:${port}/health?m=${i}`, interval: `${INTERVAL_S}s`,
  }));
  return configSchema.parse({ matrix: { homeserver: 'https://matrix.example.org' }, rooms: { ops: '!ops:bench.local' }, monitors });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Runs 10,000 monitors for a warm-up cycle then MEASURE_S seconds; prints raw figures and the figures at 60 s. */
export async function benchMonitors(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'vigie-bench-monitors-'));
  const rssStart = process.memoryUsage().rss;
  const target = await startTarget();
  const db = openDatabase(join(folder, 'vigie.db'));
  try {
    const config = monitorsConfig(target.port);
    const rssLoaded = process.memoryUsage().rss;
    const engine = new MonitorEngine({
      db, monitors: config.monitors, logger: silentLogger(), timezone: 'UTC', maintenance: [], pushes: new PushRegistry(),
      dispatch: () => [],
    });
    const lags: number[] = [];
    let beats = 0;
    let down = 0;
    let measuring = false;
    engine.on('beat', ({ lagMs, status }) => {
      if (!measuring) return;
      beats += 1;
      if (status !== 1) down += 1;
      lags.push(lagMs);
    });
    console.log(`monitors: ${MONITORS} http monitors every ${INTERVAL_S} s (fresh connection per check), target in a child process; ` +
      `warm-up ${WARMUP_S} s, then ${MEASURE_S} s measured`);
    engine.start();
    await new Promise((resolve) => setTimeout(resolve, WARMUP_S * 1000));
    const rowsBefore = (db.prepare('SELECT count(*) AS n FROM heartbeat').get() as { n: number }).n;
    measuring = true;
    let rssMax = process.memoryUsage().rss;
    const sampler = setInterval(() => { rssMax = Math.max(rssMax, process.memoryUsage().rss); }, 500);
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, MEASURE_S * 1000));
    const cpu = process.cpuUsage(cpuStart);
    const wallS = (performance.now() - wallStart) / 1000;
    measuring = false;
    clearInterval(sampler);
    await engine.stop(5_000);
    const rows = (db.prepare('SELECT count(*) AS n FROM heartbeat').get() as { n: number }).n - rowsBefore;
    report({ cpuS: (cpu.user + cpu.system) / 1e6, systemS: cpu.system / 1e6, wallS, rssMb: rssMax / 2 ** 20, lags, beats, down, rows });
    console.log(`RSS: ${(rssStart / 2 ** 20).toFixed(0)} MB at start (node, modules${process.execArgv.join(' ').includes('tsx') ? ', tsx' : ''}), ` +
      `${(rssLoaded / 2 ** 20).toFixed(0)} MB with the ${MONITORS} monitors parsed, ${(rssMax / 2 ** 20).toFixed(0)} MB at most while running`);
  } finally {
    target.child.kill();
    db.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

interface Figures {
  cpuS: number;
  /** The part spent in the kernel: on loopback it includes the target's side of every TCP exchange. */
  systemS: number;
  wallS: number;
  rssMb: number;
  lags: number[];
  beats: number;
  down: number;
  rows: number;
}

function report(f: Figures): void {
  const sorted = Float64Array.from(f.lags).sort();
  const share = f.cpuS / f.wallS;
  const scale = INTERVAL_S / 60;
  const p50 = percentile(sorted, 0.5);
  const p99 = percentile(sorted, 0.99);
  console.log(`measured at ${(f.beats / f.wallS).toFixed(0)} checks/s: CPU ${(share * 100).toFixed(1)}% of one core ` +
    `(${((f.cpuS / f.beats) * 1e6).toFixed(0)} µs per check, ${((f.systemS / f.cpuS) * 100).toFixed(0)}% of it in the kernel), ` +
    `RSS max ${f.rssMb.toFixed(0)} MB, lag p50 ${p50.toFixed(1)} ms p99 ${p99.toFixed(1)} ms, ` +
    `${(f.rows / f.wallS).toFixed(0)} heartbeat rows/s (${f.beats} checks, ${f.down} not UP)`);
  const cpuAt60 = share * scale;
  if (scale !== 1) {
    console.log(`scaled to ${MONITORS} monitors at 60 s: CPU ${(cpuAt60 * 100).toFixed(1)}% of one core, ${((f.rows / f.wallS) * scale).toFixed(0)} rows/s ` +
      `(RSS and lag as measured at ${(1 / scale).toFixed(1)}× the load: upper bounds)`);
  }
  const met = cpuAt60 < GOAL.cpuShare && f.rssMb < GOAL.rssMb && p99 < GOAL.lagP99Ms;
  console.log(`goal at ${MONITORS} monitors / 60 s: < ${GOAL.cpuShare * 100}% CPU, < ${GOAL.rssMb} MB RSS, lag p99 < ${GOAL.lagP99Ms} ms: ${met ? 'met' : 'NOT met'}`);
}
