import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, spreadOffset, type Job } from './scheduler.js';

beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }); });
afterEach(() => { vi.useRealTimers(); });

/** A job that records when each run started, lasts `takesMs`, and asks for the next run `everyMs` after its start. */
function recorder(everyMs: number, takesMs = 0, timeoutMs = 30_000) {
  const starts: number[] = [];
  const lags: number[] = [];
  let inside = 0;
  let maxInside = 0;
  const job: Job = {
    timeoutMs,
    async run(signal, lagMs) {
      starts.push(Date.now());
      lags.push(lagMs);
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, takesMs);
        signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); });
      });
      inside -= 1;
      return everyMs;
    },
  };
  return { job, starts, lags, get maxInside() { return maxInside; } };
}

const T0 = 1_000_000;

describe('Scheduler', () => {
  it('runs a job at its due time, then every interval from the start of the previous run', async () => {
    const scheduler = new Scheduler();
    const r = recorder(10_000, 3_000);
    scheduler.add('a', r.job, T0 + 500);
    await vi.advanceTimersByTimeAsync(35_000);
    expect(r.starts.map((t) => t - T0)).toEqual([500, 10_500, 20_500, 30_500]);
    expect(r.lags).toEqual([0, 0, 0, 0]);
    await scheduler.stop(0);
  });

  it('keeps its pace when the wall clock is stepped back or forward (NTP, a suspended machine)', async () => {
    const scheduler = new Scheduler();
    const r = recorder(10_000);
    scheduler.add('a', r.job, T0 + 500);
    await vi.advanceTimersByTimeAsync(1_000);
    vi.setSystemTime(Date.now() - 3_600_000);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(r.starts).toHaveLength(3);
    vi.setSystemTime(Date.now() + 7_200_000);
    await vi.advanceTimersByTimeAsync(5_000);
    // Not every missed run at once: the next one comes when its interval is over.
    expect(r.starts).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(r.starts).toHaveLength(4);
    await scheduler.stop(0);
  });

  it('starts runs due close together on one 100 ms tick, reporting how late each is', async () => {
    const scheduler = new Scheduler();
    const jobs = [10, 20, 90, 120].map((offset) => ({ offset, r: recorder(60_000) }));
    for (const { offset, r } of jobs) scheduler.add(`m${offset}`, r.job, T0 + offset);
    await vi.advanceTimersByTimeAsync(300);
    expect(jobs.map(({ r }) => [r.starts[0]! - T0, r.lags[0]])).toEqual([[100, 90], [100, 80], [100, 10], [200, 80]]);
    await scheduler.stop(0);
  });

  it('never overlaps two runs of one job: a slow run delays the next one', async () => {
    const scheduler = new Scheduler();
    const r = recorder(1_000, 2_500);
    scheduler.add('slow', r.job, T0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.maxInside).toBe(1);
    expect(r.starts.map((t) => t - T0)).toEqual([0, 2_500, 5_000, 7_500, 10_000]);
    await scheduler.stop(0);
  });

  it('runs at most `concurrency` jobs at once; the others wait their turn and report the wait as lag', async () => {
    const scheduler = new Scheduler({ concurrency: 3 });
    let inside = 0;
    let maxInside = 0;
    const lags: number[] = [];
    const job: Job = {
      timeoutMs: 30_000,
      async run(_signal, lagMs) {
        lags.push(lagMs);
        maxInside = Math.max(maxInside, ++inside);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        inside -= 1;
        return 60_000;
      },
    };
    for (let i = 0; i < 9; i++) scheduler.add(`m${i}`, job, T0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(maxInside).toBe(3);
    expect(lags).toEqual([0, 0, 0, 1_000, 1_000, 1_000, 2_000, 2_000, 2_000]);
    await scheduler.stop(0);
  });

  it('aborts a run past its time limit with a TimeoutError', async () => {
    const scheduler = new Scheduler();
    const reasons: unknown[] = [];
    const job: Job = {
      timeoutMs: 5_000,
      run: (signal) => new Promise((resolve) => {
        signal.addEventListener('abort', () => { reasons.push(signal.reason); resolve(60_000); });
      }),
    };
    scheduler.add('hangs', job, T0);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(reasons).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(reasons).toMatchObject([{ name: 'TimeoutError' }]);
    await scheduler.stop(0);
  });

  it('runs a waiting job at once on runSoon, and a running one once more right after', async () => {
    const scheduler = new Scheduler();
    const r = recorder(60_000, 1_000);
    scheduler.add('push', r.job, T0 + 60_000);
    await vi.advanceTimersByTimeAsync(100);
    scheduler.runSoon('push');
    await vi.advanceTimersByTimeAsync(500);
    scheduler.runSoon('push');
    scheduler.runSoon('push');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(r.starts.map((t) => t - T0)).toEqual([100, 1_100]);
    expect(scheduler.dueAt('push')).toBe(T0 + 1_100 + 60_000);
    await scheduler.stop(0);
  });

  it('aborts the run of a removed job, and never runs it again', async () => {
    const scheduler = new Scheduler();
    const r = recorder(1_000, 5_000);
    scheduler.add('gone', r.job, T0);
    await vi.advanceTimersByTimeAsync(100);
    scheduler.remove('gone');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.starts).toHaveLength(1);
    expect(scheduler.dueAt('gone')).toBeUndefined();
    await scheduler.stop(0);
  });

  it('waits for runs in progress on stop, up to the grace period, then aborts them', async () => {
    const scheduler = new Scheduler();
    const quick = recorder(60_000, 1_000);
    const slow = recorder(60_000, 60_000);
    scheduler.add('quick', quick.job, T0);
    scheduler.add('slow', slow.job, T0);
    await vi.advanceTimersByTimeAsync(10);
    let stopped = false;
    const stopping = scheduler.stop(5_000).then(() => { stopped = true; });
    await vi.advanceTimersByTimeAsync(4_000);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await stopping;
    expect(scheduler.active).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect([quick.starts.length, slow.starts.length]).toEqual([1, 1]);
  });

  it('does not wait more than a second for a run that ignores its abort', async () => {
    const scheduler = new Scheduler();
    scheduler.add('deaf', { timeoutMs: 60_000, run: () => new Promise(() => undefined) }, T0);
    await vi.advanceTimersByTimeAsync(10);
    let stopped = false;
    const stopping = scheduler.stop(0).then(() => { stopped = true; });
    await vi.advanceTimersByTimeAsync(999);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(stopped).toBe(true);
  });

  it('reports a run that threw and tries again a minute later', async () => {
    const errors: string[] = [];
    const scheduler = new Scheduler({ onError: (key, error) => errors.push(`${key}: ${(error as Error).message}`) });
    let runs = 0;
    scheduler.add('buggy', { timeoutMs: 1_000, run: async () => { runs += 1; throw new Error('bug'); } }, T0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect({ runs, errors }).toEqual({ runs: 2, errors: ['buggy: bug', 'buggy: bug'] });
    await scheduler.stop(0);
  });
});

describe('spreadOffset', () => {
  it('gives a key the same place in the window every time', () => {
    expect(spreadOffset('Site web', 60_000)).toBe(spreadOffset('Site web', 60_000));
    expect(spreadOffset('Site web', 0)).toBe(0);
  });

  it('spreads 10,000 monitors evenly over the window: no second gets more than twice its share', () => {
    const perSecond = new Array<number>(60).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const offset = spreadOffset(`monitor-${i}`, 60_000);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(60_000);
      perSecond[Math.floor(offset / 1000)]! += 1;
    }
    expect(Math.max(...perSecond)).toBeLessThan(2 * (10_000 / 60));
    expect(Math.min(...perSecond)).toBeGreaterThan(0.5 * (10_000 / 60));
  });
});
