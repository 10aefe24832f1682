// Benchmark: µs per alert render (seed and default templates, Paris and UTC) against LiquidJS's own `date`.
import { Liquid } from 'liquidjs';
import type { AlertEvent } from '../src/alert/event.js';
import { SEED_TEMPLATE } from '../src/alert/render/builtin.js';
import { kumaContext } from '../src/alert/render/context.js';
import { compileTemplates } from '../src/alert/render/templates.js';

const WARMUP = 5_000;
const ITERATIONS = 50_000;

function event(status: 'up' | 'down'): AlertEvent {
  return {
    source: 'monitor',
    status,
    name: 'Site web',
    hostnameOrURL: 'https://example.org',
    msg: status === 'up' ? '[Site web] [✅ Up] 200 - OK' : '[Site web] [🔴 Down] connect ECONNREFUSED',
    time: new Date('2026-11-26T12:09:41.399Z'),
    tags: ['prod'],
    heartbeatJSON: { status: status === 'up' ? 1 : 0, msg: status === 'up' ? '200 - OK' : 'connect ECONNREFUSED', time: '2026-11-26 12:09:41.399' },
    monitorJSON: { name: 'Site web', type: 'http', url: 'https://example.org' },
  };
}

const EVENTS = [event('down'), event('up')];

/** Median and 99th percentile, in µs, of `fn` over ITERATIONS runs after a warm-up. */
function measure(fn: (e: AlertEvent) => unknown): { median: number; p99: number } {
  for (let i = 0; i < WARMUP; i++) fn(EVENTS[i % 2]!);
  const samples = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i++) {
    const e = EVENTS[i % 2]!;
    const start = process.hrtime.bigint();
    fn(e);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  return { median: samples[Math.floor(ITERATIONS / 2)]!, p99: samples[Math.floor(ITERATIONS * 0.99)]! };
}

function print(label: string, r: { median: number; p99: number }): void {
  console.log(`${label.padEnd(46)} median ${r.median.toFixed(1).padStart(7)} µs   p99 ${r.p99.toFixed(1).padStart(7)} µs`);
}

/** Prints µs per render for the seed and default templates, and for LiquidJS's own `date` with timezoneOffset. */
export async function benchRender(): Promise<void> {
  console.log(`render: ${ITERATIONS} iterations after ${WARMUP} warm-up, alternating up/down events`);
  const cases: Array<{ label: string; fn: (e: AlertEvent) => unknown }> = [];
  for (const timezone of ['Europe/Paris', 'UTC']) {
    const set = compileTemplates({}, { timezone });
    for (const name of ['seed', 'default']) cases.push({ label: `vigie ${name} (${timezone})`, fn: (e) => set.render(name, e) });
  }
  // The same seed template with LiquidJS's stock `date` filter and its timezoneOffset option.
  const liquid = new Liquid({ timezoneOffset: 'Europe/Paris' });
  const seed = liquid.parse(SEED_TEMPLATE);
  cases.push({ label: 'liquidjs date, timezoneOffset Europe/Paris', fn: (e) => liquid.renderSync(seed, kumaContext(e)) as string });
  // Every case warmed up before any is timed: the first one timed used to pay for the process's own start (JIT, GC).
  for (const { fn } of cases) for (let i = 0; i < WARMUP; i++) fn(EVENTS[i % 2]!);
  for (const { label, fn } of cases) print(label, measure(fn));
}
