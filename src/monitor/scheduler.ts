// The scheduler: one timer for every monitor, start times spread, a global bound on runs, never two runs of one monitor.
/** Runs at once by default: enough for 10,000 monitors even when many targets hang until their timeout. */
export const DEFAULT_CONCURRENCY = 1_000;
/** The longest a monitor's first run is spread over (a 1 h monitor still starts within a minute). */
export const MAX_SPREAD_MS = 60_000;

/** One monitor's recurring work. */
export interface Job {
  /** Runs once and resolves the delay (ms) from this run's start to the next; `lagMs` is how late it started. */
  run(signal: AbortSignal, lagMs: number): Promise<number>;
  /** Hard limit of one run: past it `signal` aborts with a TimeoutError. */
  timeoutMs: number;
}

/** Options of the scheduler. */
export interface SchedulerOptions {
  /** Runs at once, over all monitors. */
  concurrency?: number;
  /** The clock (ms); default Date.now. */
  now?: () => number;
  /** A run that threw (a bug: checks report failures as results); the monitor runs again after `retryMs`. */
  onError?: (key: string, error: unknown) => void;
}

interface Entry {
  key: string;
  job: Job;
  /** When the run was asked for (lag is measured from it). */
  due: number;
  /** When it starts: `due` rounded up to the grid. */
  runAt: number;
  state: 'waiting' | 'ready' | 'running' | 'removed';
  /** Bumped whenever `due` moves, so stale heap items are skipped. */
  generation: number;
  /** Run again as soon as the current run ends (a push arrived meanwhile). */
  again: boolean;
  controller?: AbortController;
  done?: Promise<void>;
}

/**
 * Runs start on a 100 ms grid: those due close together start in one timer callback and share event-loop turns,
 * which halves the CPU per check at 10,000 monitors / 60 s. Lag is still measured from the time asked for.
 */
export const TICK_MS = 100;
/** `ms` rounded up to the start grid. */
export function onGrid(ms: number): number {
  return Math.ceil(ms / TICK_MS) * TICK_MS;
}

/** How long stop() waits for aborted runs to end. */
const ABORT_WAIT_MS = 1_000;
/** Delay after a run that threw, so a bug does not spin. */
const RETRY_AFTER_ERROR_MS = 60_000;

/** A stable offset in [0, window) for `key`: monitors keep their place in the cycle from one start to the next. */
export function spreadOffset(key: string, windowMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return windowMs <= 0 ? 0 : (hash >>> 0) % Math.floor(windowMs);
}

/** Why a run's signal aborted when it was not its time limit. */
function cancellation(why: string): DOMException {
  return new DOMException(why, 'AbortError');
}

/** A binary min-heap of values by numeric key, each with a tag; equal keys come out in insertion order. */
class MinHeap<T> {
  private readonly items: { key: number; seq: number; value: T; tag: number }[] = [];
  private seq = 0;

  push(key: number, value: T, tag: number): void {
    const items = this.items;
    items.push({ key, seq: this.seq++, value, tag });
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  peekKey(): number | undefined {
    return this.items[0]?.key;
  }

  pop(): { value: T; tag: number } | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      let smallest = i;
      if (left < items.length && this.less(left, smallest)) smallest = left;
      if (left + 1 < items.length && this.less(left + 1, smallest)) smallest = left + 1;
      if (smallest === i) break;
      this.swap(i, smallest);
      i = smallest;
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a]!;
    const y = this.items[b]!;
    return x.key < y.key || (x.key === y.key && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    [items[a], items[b]] = [items[b]!, items[a]!];
  }
}

/** Runs jobs at their due times, at most `concurrency` at once, each job's runs one after the other. */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  /** Entries by start time, tagged with their generation (a moved entry leaves a stale item behind). */
  private readonly heap = new MinHeap<Entry>();
  private readonly ready: Entry[] = [];
  private readyHead = 0;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private readonly concurrency: number;
  /**
   * The clock runs are timed on: monotonic, so a wall clock stepped back (NTP, a suspended machine) neither stalls
   * every monitor for the size of the step nor, stepped forward, runs them all at once. The API speaks wall-clock ms.
   */
  private readonly now: () => number;
  private readonly wall: () => number;

  constructor(private readonly options: SchedulerOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    // A test's clock drives both, so fake time stays one clock.
    this.wall = options.now ?? (() => Date.now());
    this.now = options.now ?? (() => performance.now());
  }

  /** A wall-clock instant on the scheduler's clock. */
  private fromWall(ms: number): number {
    return ms - this.wall() + this.now();
  }

  /** Adds a job whose first run is due at `dueAt` (wall-clock ms). */
  add(key: string, job: Job, wallDueAt: number): void {
    if (this.entries.has(key)) throw new Error(`a job named ${JSON.stringify(key)} is already scheduled (a bug in Vigie)`);
    const dueAt = this.fromWall(wallDueAt);
    const entry: Entry = { key, job, due: dueAt, runAt: dueAt, state: 'waiting', generation: 0, again: false };
    this.entries.set(key, entry);
    this.enqueue(entry, dueAt);
  }

  /** Swaps a job's work for its next runs; a waiting job may also move to `dueAt` (wall-clock ms). */
  update(key: string, job: Job, wallDueAt?: number): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.job = job;
    if (wallDueAt !== undefined && entry.state === 'waiting') this.enqueue(entry, this.fromWall(wallDueAt));
  }

  /** Stops a job; a run in progress is aborted and its outcome dropped. */
  remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.state = 'removed';
    entry.controller?.abort(cancellation('the monitor was removed from the configuration'));
  }

  /** Runs a job as soon as a slot is free (a push arrived: no waiting for the grid); if it is running, once more right after. */
  runSoon(key: string): void {
    const entry = this.entries.get(key);
    if (!entry || this.stopped) return;
    if (entry.state === 'waiting') this.enqueue(entry, this.now());
    else if (entry.state === 'running') entry.again = true;
  }

  /** When a job runs next (wall-clock ms), or undefined while it runs or waits for a slot. */
  dueAt(key: string): number | undefined {
    const entry = this.entries.get(key);
    return entry?.state === 'waiting' ? entry.runAt - this.now() + this.wall() : undefined;
  }

  /** Runs in progress. */
  get active(): number {
    return this.running;
  }

  /** Stops starting runs; waits up to `graceMs` for those in progress, then aborts them and waits for them to end. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ready.length = 0;
    this.readyHead = 0;
    const inFlight = [...this.entries.values()].flatMap((e) => (e.done ? [{ entry: e, done: e.done }] : []));
    const all = Promise.all(inFlight.map((e) => e.done));
    if (graceMs > 0 && inFlight.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); });
      await Promise.race([all, grace]);
      clearTimeout(timer);
    }
    for (const { entry } of inFlight) entry.controller?.abort(cancellation('Vigie is stopping'));
    // A run that ignores its signal (a bug) must not hold the shutdown: its outcome is dropped anyway.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => { timer = setTimeout(resolve, ABORT_WAIT_MS); })]);
    clearTimeout(timer);
  }

  private enqueue(entry: Entry, dueAt: number): void {
    entry.due = dueAt;
    const due = onGrid(dueAt);
    entry.runAt = due;
    entry.generation += 1;
    // Due already (a push, a slow run): straight to the ready line, without waiting for the grid.
    if (dueAt <= this.now() && !this.stopped) {
      entry.runAt = dueAt;
      entry.state = 'ready';
      this.ready.push(entry);
      this.pump();
      return;
    }
    entry.state = 'waiting';
    this.heap.push(due, entry, entry.generation);
    this.arm();
  }

  /** Keeps the one timer set for the earliest due job. */
  private arm(): void {
    if (this.stopped) return;
    const next = this.heap.peekKey();
    if (next === undefined || next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - this.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.now();
    for (let top = this.heap.peekKey(); top !== undefined && top <= now; top = this.heap.peekKey()) {
      const { value: entry, tag } = this.heap.pop()!;
      if (entry.state !== 'waiting' || entry.generation !== tag) continue;
      entry.state = 'ready';
      this.ready.push(entry);
    }
    this.pump();
    this.arm();
  }

  /** Starts ready jobs while slots are free, oldest first. */
  private pump(): void {
    while (this.running < this.concurrency && this.readyHead < this.ready.length && !this.stopped) {
      const entry = this.ready[this.readyHead++]!;
      if (entry.state === 'ready') this.start(entry);
    }
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    }
  }

  private start(entry: Entry): void {
    const startedAt = this.now();
    // The next run counts from when this one was meant to start: a late start does not push the cycle back.
    const scheduledAt = Math.min(entry.runAt, startedAt);
    const { job } = entry;
    const controller = new AbortController();
    const limit = setTimeout(() => controller.abort(new DOMException(`took longer than ${job.timeoutMs} ms`, 'TimeoutError')), job.timeoutMs);
    entry.state = 'running';
    entry.controller = controller;
    this.running += 1;
    const finish = (delay: number) => {
      clearTimeout(limit);
      this.running -= 1;
      entry.controller = undefined;
      entry.done = undefined;
      if (entry.state !== 'removed' && !this.stopped) {
        const due = entry.again ? this.now() : Math.max(scheduledAt + delay, this.now());
        entry.again = false;
        this.enqueue(entry, due);
      }
      this.pump();
    };
    entry.done = job.run(controller.signal, Math.max(0, startedAt - entry.due)).then(finish, (error: unknown) => {
      this.options.onError?.(entry.key, error);
      finish(RETRY_AFTER_ERROR_MS);
    });
  }
}
