import { describe, expect, it } from 'vitest';
import type { CheckResult } from './checks/types.js';
import { DOWN, MAINTENANCE, PENDING, UP, nextState, type MonitorState, type StatePolicy } from './state.js';

const up: CheckResult = { status: 'up', message: '200 - OK', ms: 12 };
const down: CheckResult = { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:5432' };
const policy: StatePolicy = { maxretries: 0, resendInterval: 0, upsideDown: false, inMaintenance: false };
const state = (status: MonitorState['status'], retries = 0, downCount = 0): MonitorState => ({ status, retries, downCount });

type Row = [name: string, prev: MonitorState | undefined, result: CheckResult, over: Partial<StatePolicy>, status: number, important: boolean, notify: boolean];

describe('nextState: every transition Kuma 2.x notifies', () => {
  it.each<Row>([
    ['first beat DOWN', undefined, down, {}, DOWN, true, true],
    ['UP → DOWN', state(UP), down, {}, DOWN, true, true],
    ['PENDING → DOWN once retries are spent', state(PENDING, 1), down, { maxretries: 1 }, DOWN, true, true],
    ['DOWN → UP', state(DOWN, 3), up, {}, UP, true, true],
    ['MAINTENANCE → DOWN', state(MAINTENANCE), down, {}, DOWN, true, true],
  ])('%s', (_name, prev, result, over, status, important, notify) => {
    const next = nextState(prev, result, { ...policy, ...over });
    expect(next.heartbeat).toMatchObject({ status, important });
    expect(next.notify).toBe(notify);
    expect(next.resend).toBe(false);
  });
});

describe('nextState: every transition Kuma 2.x does not notify', () => {
  it.each<Row>([
    ['first beat UP (shown, not sent)', undefined, up, {}, UP, true, false],
    ['first beat PENDING', undefined, down, { maxretries: 1 }, PENDING, true, false],
    ['first beat MAINTENANCE', undefined, down, { inMaintenance: true }, MAINTENANCE, true, false],
    ['UP → UP', state(UP), up, {}, UP, false, false],
    ['UP → PENDING', state(UP), down, { maxretries: 1 }, PENDING, false, false],
    ['PENDING → PENDING', state(PENDING, 1), down, { maxretries: 3 }, PENDING, false, false],
    ['PENDING → UP (a blip)', state(PENDING, 1), up, { maxretries: 3 }, UP, false, false],
    ['DOWN → DOWN', state(DOWN, 1), down, {}, DOWN, false, false],
    ['DOWN → DOWN never falls back to PENDING', state(DOWN, 3), down, { maxretries: 2 }, DOWN, false, false],
    ['UP → MAINTENANCE (shown, not sent)', state(UP), up, { inMaintenance: true }, MAINTENANCE, true, false],
    ['DOWN → MAINTENANCE (shown, not sent)', state(DOWN, 2), down, { inMaintenance: true }, MAINTENANCE, true, false],
    ['PENDING → MAINTENANCE', state(PENDING, 1), down, { maxretries: 2, inMaintenance: true }, MAINTENANCE, false, false],
    ['MAINTENANCE → MAINTENANCE', state(MAINTENANCE), up, { inMaintenance: true }, MAINTENANCE, false, false],
    ['MAINTENANCE → UP (shown, not sent)', state(MAINTENANCE), up, {}, UP, true, false],
    ['MAINTENANCE → PENDING', state(MAINTENANCE), down, { maxretries: 1 }, PENDING, false, false],
  ])('%s', (_name, prev, result, over, status, important, notify) => {
    const next = nextState(prev, result, { ...policy, ...over });
    expect(next.heartbeat).toMatchObject({ status, important });
    expect(next.notify).toBe(notify);
  });
});

/** Runs results through the machine from no history, returning every transition. */
function run(results: CheckResult[], over: Partial<StatePolicy> = {}) {
  let prev: MonitorState | undefined;
  return results.map((result) => {
    const next = nextState(prev, result, { ...policy, ...over });
    prev = next.state;
    return next;
  });
}

describe('nextState: retries', () => {
  it('stays PENDING for maxretries failures, checked after retryInterval, and is DOWN (notified) on failure maxretries+1', () => {
    const beats = run([up, down, down, down, down], { maxretries: 2 });
    expect(beats.map((b) => b.heartbeat.status)).toEqual([UP, PENDING, PENDING, DOWN, DOWN]);
    expect(beats.map((b) => b.heartbeat.retries)).toEqual([0, 1, 2, 3, 4]);
    expect(beats.map((b) => b.nextDelay)).toEqual(['interval', 'retryInterval', 'retryInterval', 'interval', 'interval']);
    expect(beats.map((b) => b.notify)).toEqual([false, false, false, true, false]);
  });

  it('sends nothing for an UP → PENDING → UP blip, and starts counting again after it', () => {
    const beats = run([up, down, up, down, down], { maxretries: 1 });
    expect(beats.map((b) => b.heartbeat.status)).toEqual([UP, PENDING, UP, PENDING, DOWN]);
    expect(beats.map((b) => b.notify)).toEqual([false, false, false, false, true]);
  });

  it('resets the count in a maintenance window, so a failure after it is PENDING again', () => {
    let prev = nextState(undefined, down, { ...policy, maxretries: 2 }).state;
    prev = nextState(prev, down, { ...policy, maxretries: 2, inMaintenance: true }).state;
    expect(prev).toEqual({ status: MAINTENANCE, retries: 0, downCount: 0 });
    expect(nextState(prev, down, { ...policy, maxretries: 2 }).heartbeat).toMatchObject({ status: PENDING, retries: 1 });
  });

  it('says why a maintenance beat is what it is, whatever the check found', () => {
    const next = nextState(state(UP), down, { ...policy, inMaintenance: true });
    expect(next.heartbeat.msg).toBe('Monitor under maintenance');
    expect(next.heartbeat.ping).toBeUndefined();
  });
});

describe('nextState: resendInterval', () => {
  it('re-sends every N consecutive DOWN beats after the alert, and never when 0', () => {
    const results = [up, down, down, down, down, down, down, down];
    const beats = run(results, { resendInterval: 3 });
    expect(beats.map((b) => b.notify)).toEqual([false, true, false, false, true, false, false, true]);
    expect(beats.map((b) => b.resend)).toEqual([false, false, false, false, true, false, false, true]);
    expect(run(results).filter((b) => b.notify)).toHaveLength(1);
  });

  it('starts the count again after a recovery', () => {
    const beats = run([down, down, up, down, down, down], { resendInterval: 2 });
    expect(beats.map((b) => b.notify)).toEqual([true, false, true, true, false, true]);
    expect(beats.map((b) => b.state.downCount)).toEqual([0, 1, 0, 0, 1, 0]);
  });
});

describe('nextState: upside-down', () => {
  it('counts a reachable target as a failure (with retries) and an unreachable one as UP', () => {
    const beats = run([down, up, up], { upsideDown: true, maxretries: 1 });
    expect(beats.map((b) => b.heartbeat.status)).toEqual([UP, PENDING, DOWN]);
    expect(beats.map((b) => b.notify)).toEqual([false, false, true]);
    expect(beats[0]?.heartbeat.msg).toBe(down.message);
    expect(beats[2]?.heartbeat.msg).toContain('200 - OK');
    expect(beats[2]?.heartbeat.msg).toContain('upside-down');
  });

  it('recovers (notified) when the target becomes unreachable again', () => {
    const next = nextState(state(DOWN, 2), down, { ...policy, upsideDown: true });
    expect(next.heartbeat).toMatchObject({ status: UP, retries: 0 });
    expect(next.notify).toBe(true);
  });
});

describe('nextState: heartbeat', () => {
  it("keeps the check's message and time", () => {
    const next = nextState(state(UP), up, policy);
    expect(next.heartbeat).toEqual({ status: UP, msg: '200 - OK', important: false, retries: 0, ping: 12 });
  });
});
