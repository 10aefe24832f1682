import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../store/db.js';
import { FLUSH_EVERY_MS, HeartbeatStore, type StoredBeat } from './heartbeats.js';
import { DOWN, MAINTENANCE, PENDING, UP } from './state.js';

const DAY = 86_400_000;
const T0 = Date.parse('2025-06-02T10:00:00Z');
let db: Database;
let now: number;
let store: HeartbeatStore;

beforeEach(() => {
  db = openDatabase(':memory:');
  now = T0;
  store = new HeartbeatStore(db, () => now);
});
afterEach(() => {
  vi.useRealTimers();
  db.close();
});

const beat = (monitorId: number, time: number, status: StoredBeat['status'], ping?: number): StoredBeat =>
  ({ monitorId, time, status, msg: `m${time}`, important: false, retries: 0, ...(ping === undefined ? {} : { ping }) });

const rows = (table: string) => db.prepare(`SELECT * FROM ${table} ORDER BY monitor_id, bucket`).all();

describe('HeartbeatStore', () => {
  it('gives each monitor name a stable id, and its saved state back after a restart', () => {
    const first = store.load(['A', 'B']);
    expect([first.get('A')?.id, first.get('B')?.id, first.get('A')?.saved]).toEqual([1, 2, undefined]);
    store.recordNow(beat(2, T0, DOWN, 12), { state: { status: DOWN, retries: 3, downCount: 1 }, changedAt: T0 }, () => undefined);
    store.saveTls(2, 'AA', [14]);
    const again = new HeartbeatStore(db).load(['B', 'C']);
    expect(again.get('B')).toEqual({
      id: 2, name: 'B', saved: { state: { status: DOWN, retries: 3, downCount: 1 }, changedAt: T0 },
      lastBeat: beat(2, T0, DOWN, 12), tls: { fingerprint: 'AA', warned: [14] },
    });
    expect(again.get('C')?.id).toBe(3);
  });

  it('writes buffered beats together a moment later, or at once with a beat that alerts', () => {
    vi.useFakeTimers();
    store.load(['A']);
    store.record(beat(1, T0, UP));
    store.record(beat(1, T0 + 1, UP));
    expect(store.history(1)).toEqual([]);
    vi.advanceTimersByTime(FLUSH_EVERY_MS);
    expect(store.history(1)).toHaveLength(2);
    store.record(beat(1, T0 + 2, PENDING));
    let queued = false;
    store.recordNow(beat(1, T0 + 3, DOWN), undefined, () => { queued = true; });
    expect([queued, store.history(1).map((b) => b.status)]).toEqual([true, [DOWN, PENDING, UP, UP]]);
  });

  it('stores nothing of a beat whose alert could not be queued, and keeps what was buffered for later', () => {
    store.load(['A']);
    store.record(beat(1, T0, UP));
    expect(() => store.recordNow(beat(1, T0 + 1, DOWN), { state: { status: DOWN, retries: 1, downCount: 0 }, changedAt: T0 }, () => {
      throw new Error('outbox failed');
    })).toThrow('outbox failed');
    expect(store.history(1)).toEqual([]);
    expect(store.load(['A']).get('A')?.saved).toBeUndefined();
    store.flush();
    expect(store.history(1).map((b) => b.status)).toEqual([UP]);
  });

  it('sums beats per minute and per hour: counts per status, ping count, sum, min and max', () => {
    store.load(['A']);
    const minute = T0 - (T0 % 60_000);
    for (const b of [beat(1, minute, UP, 10), beat(1, minute + 1_000, UP), beat(1, minute + 2_000, DOWN, 30), beat(1, minute + 60_000, MAINTENANCE)]) {
      store.record(b);
    }
    store.flush();
    expect(rows('heartbeat_minute')).toEqual([
      { monitor_id: 1, bucket: minute, up: 2, down: 1, pending: 0, maintenance: 0, ping_count: 2, ping_sum: 40, ping_min: 10, ping_max: 30 },
      { monitor_id: 1, bucket: minute + 60_000, up: 0, down: 0, pending: 0, maintenance: 1, ping_count: 0, ping_sum: 0, ping_min: null, ping_max: null },
    ]);
    expect(rows('heartbeat_hour')).toEqual([
      { monitor_id: 1, bucket: T0 - (T0 % 3_600_000), up: 2, down: 1, pending: 0, maintenance: 1, ping_count: 2, ping_sum: 40, ping_min: 10, ping_max: 30 },
    ]);
  });

  it('prunes heartbeats and hour sums past the retention, minute sums past a day, a bounded number of rows per step', () => {
    store.load(['A', 'B']);
    for (const age of [100, 95, 91, 89, 2, 0.5]) {
      store.record(beat(1, T0 - age * DAY, UP));
      store.record(beat(2, T0 - age * DAY, DOWN));
    }
    store.flush();
    const steps: (number | undefined)[] = [];
    for (let next: number | undefined = 0; next !== undefined;) {
      next = store.pruneStep(90 * DAY, next, 2);
      steps.push(next);
    }
    // Monitor 1 has three rows to go: two in a first step, the last one in the next (then B's three the same way).
    expect(steps).toEqual([0, 1, 1, 2, undefined]);
    expect(store.history(1).map((b) => Math.round((T0 - b.time) / DAY * 10) / 10)).toEqual([0.5, 2, 89]);
    expect(store.history(2)).toHaveLength(3);
    expect(rows('heartbeat_hour')).toHaveLength(6);
    expect((rows('heartbeat_minute') as { bucket: number }[]).every((r) => r.bucket > T0 - DAY)).toBe(true);
  });
});
