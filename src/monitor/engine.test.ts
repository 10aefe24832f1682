import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { AlertEvent } from '../alert/event.js';
import type { MonitorConfig } from '../config/schema.js';
import { silentLogger } from '../logging.js';
import { openDatabase, type Database } from '../store/db.js';
import { PushRegistry, type CheckDefinition, type CheckResult } from './checks/index.js';
import { MonitorEngine, type EngineDeps } from './engine.js';
import { HeartbeatStore } from './heartbeats.js';
import type { MaintenanceConfig } from './maintenance.js';
import { MAX_SPREAD_MS, TICK_MS, spreadOffset } from './scheduler.js';

const T0 = Date.parse('2025-06-02T10:00:00Z');
let db: Database;
let events: AlertEvent[];

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  db = openDatabase(':memory:');
  events = [];
});
afterEach(() => {
  db.close();
  vi.useRealTimers();
});

/** A monitor as the config schema gives it (durations in ms). */
function monitor(fields: Partial<MonitorConfig> & { name: string }): MonitorConfig {
  return {
    type: 'http', url: 'https://site.example/health', interval: 60_000, retryInterval: 20_000, maxretries: 0, resendInterval: 0,
    tags: [], upsideDown: false, timeout: 5_000, ...fields,
  };
}

/** A fake http check answering what `script` says for each monitor, counting its runs. */
function fakeCheck(script: (name: string) => CheckResult | Promise<CheckResult>) {
  const runs: string[] = [];
  const definition: CheckDefinition<{ name: string; url: string }> = {
    type: 'http', schema: z.object({ name: z.string(), url: z.string() }),
    run: async (target) => { runs.push(target.name); return script(target.name); },
    hostnameOrURL: (target) => target.url,
  };
  return { definition, runs };
}

function engine(monitors: MonitorConfig[], script: (name: string) => CheckResult | Promise<CheckResult>, extra: Partial<EngineDeps> = {}) {
  const check = fakeCheck(script);
  const e = new MonitorEngine({
    db, monitors, logger: silentLogger(), timezone: 'Europe/Paris', maintenance: [], pushes: new PushRegistry(),
    dispatch: (event) => { events.push(event); return []; }, checks: { http: check.definition }, ...extra,
  });
  return { engine: e, runs: check.runs };
}

/** When a monitor's first check runs after a fresh start. */
const firstRun = (name: string, interval = 60_000) => Math.ceil(spreadOffset(name, Math.min(interval, MAX_SPREAD_MS)) / TICK_MS) * TICK_MS;
const down = (message = 'status 500 (expected 200-299)'): CheckResult => ({ status: 'down', message, ms: 12 });
const up: CheckResult = { status: 'up', message: '200 - OK', ms: 8 };

describe('MonitorEngine', () => {
  it('alerts DOWN on failure number maxretries+1, checking every retryInterval while PENDING, then UP', async () => {
    let result = down();
    const { engine: e, runs } = engine([monitor({ name: 'Site', maxretries: 2, tags: ['prod'] })], () => result);
    e.start();
    await vi.advanceTimersByTimeAsync(firstRun('Site'));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(runs).toHaveLength(2);
    expect(events).toEqual([]);
    expect(e.snapshot()[0]).toMatchObject({ status: 'pending', retries: 2 });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'monitor', status: 'down', name: 'Site', hostnameOrURL: 'https://site.example/health', tags: ['prod'],
      msg: '[Site] [🔴 Down] status 500 (expected 200-299)',
      heartbeatJSON: { status: 0, retries: 3, important: true, msg: 'status 500 (expected 200-299)', ping: 12, timezone: 'Europe/Paris' },
      monitorJSON: { name: 'Site', type: 'http', maxretries: 2, interval: 60, retryInterval: 20 },
    });
    result = up;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(events.map((event) => [event.status, event.msg])).toEqual([
      ['down', '[Site] [🔴 Down] status 500 (expected 200-299)'], ['up', '[Site] [✅ Up] 200 - OK'],
    ]);
    await e.stop(0);
  });

  it('re-sends DOWN every resendInterval down beats, and not a blip that recovers while PENDING', async () => {
    const results = [down(), up, down(), down(), down(), down(), down()];
    const { engine: e } = engine([monitor({ name: 'Site', maxretries: 1, resendInterval: 2, retryInterval: 60_000 })], () => results.shift() ?? up);
    e.start();
    await vi.advanceTimersByTimeAsync(firstRun('Site') + 7 * 60_000);
    // pending, up (no alert), pending, DOWN (alert), down, down (resend), down.
    expect(events.map((event) => event.status)).toEqual(['down', 'down', 'up']);
    await e.stop(0);
  });

  it('skips checks and sends nothing during a maintenance window, then alerts a DOWN found after it', async () => {
    const maintenance: MaintenanceConfig[] = [{ monitors: ['Site'], start: '2025-06-02 12:00', end: '2025-06-02 12:05' }];
    const { engine: e, runs } = engine([monitor({ name: 'Site' })], () => down(), { maintenance });
    e.start();
    await vi.advanceTimersByTimeAsync(firstRun('Site'));
    expect(runs).toHaveLength(0);
    expect(e.snapshot()[0]).toMatchObject({ status: 'maintenance', maintenance: 'maintenance #1', message: 'Monitor under maintenance' });
    await vi.advanceTimersByTimeAsync(4 * 60_000);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(1);
    expect(events.map((event) => event.status)).toEqual(['down']);
    await e.stop(0);
  });

  it('keeps state across a restart: still down is not alerted again, and it resumes its cycle', async () => {
    let result = down();
    const first = engine([monitor({ name: 'Site' })], () => result);
    first.engine.start();
    await vi.advanceTimersByTimeAsync(firstRun('Site'));
    expect(events.map((event) => event.status)).toEqual(['down']);
    await first.engine.stop(0);

    await vi.advanceTimersByTimeAsync(10_000);
    const second = engine([monitor({ name: 'Site' })], () => result);
    second.engine.start();
    expect(second.engine.snapshot()[0]).toMatchObject({ status: 'down', message: 'status 500 (expected 200-299)' });
    await vi.advanceTimersByTimeAsync(49_999);
    expect(second.runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(second.runs).toHaveLength(1);
    expect(events.map((event) => event.status)).toEqual(['down']);
    result = up;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(events.map((event) => event.status)).toEqual(['down', 'up']);
    await second.engine.stop(0);
  });

  it('records nothing for a check cut short by stop', async () => {
    const check = fakeCheck(() => up);
    // Like the real checks: an aborted check resolves DOWN "check cancelled…".
    check.definition.run = (_target, signal) => new Promise((resolve) => {
      signal.addEventListener('abort', () => resolve({ status: 'down', message: 'check cancelled before it finished' }));
    });
    const e = new MonitorEngine({
      db, monitors: [monitor({ name: 'Site' })], logger: silentLogger(), timezone: 'UTC', maintenance: [],
      pushes: new PushRegistry(), dispatch: (event) => { events.push(event); return []; }, checks: { http: check.definition },
    });
    e.start();
    await vi.advanceTimersByTimeAsync(firstRun('Site') + 100);
    await e.stop(0);
    expect(events).toEqual([]);
    expect(new HeartbeatStore(db).history(1)).toEqual([]);
  });

  it('stops a check that ignores its time limit a second after it, as a DOWN "timeout"', async () => {
    const hangs = (name: string) => new Promise<CheckResult>((resolve) => {
      void name;
      setTimeout(() => resolve(up), 3_600_000);
    });
    const check = fakeCheck(hangs);
    check.definition.run = (_target, signal) => new Promise((resolve) => {
      signal.addEventListener('abort', () => resolve({ status: 'down', message: `aborted: ${(signal.reason as Error).name}` }));
    });
    const e = new MonitorEngine({
      db, monitors: [monitor({ name: 'Site', timeout: 5_000 })], logger: silentLogger(), timezone: 'UTC', maintenance: [],
      pushes: new PushRegistry(), dispatch: (event) => { events.push(event); return []; }, checks: { http: check.definition },
    });
    e.start();
    await vi.advanceTimersByTimeAsync(firstRun('Site') + 5_999);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(events.map((event) => event.msg)).toEqual(['[Site] [🔴 Down] aborted: TimeoutError']);
    await e.stop(0);
  });

  it('turns a check that throws into a DOWN beat saying so', async () => {
    const { engine: e } = engine([monitor({ name: 'Site' })], () => { throw new Error('bad setting'); });
    e.start();
    await vi.advanceTimersByTimeAsync(firstRun('Site'));
    expect(events.map((event) => event.msg)).toEqual(['[Site] [🔴 Down] the check failed: bad setting']);
    await e.stop(0);
  });
});

describe('MonitorEngine push monitors', () => {
  const TOKEN = 'push-token-0123456789';
  const push = (name = 'Cron') => monitor({ name, type: 'push', token: TOKEN, interval: 60_000, retryInterval: 60_000 });

  it('is DOWN when no push came within the interval, and UP at once when one comes', async () => {
    const e = new MonitorEngine({
      db, monitors: [push()], logger: silentLogger(), timezone: 'UTC', maintenance: [], pushes: new PushRegistry(),
      dispatch: (event) => { events.push(event); return []; },
    });
    e.start();
    await vi.advanceTimersByTimeAsync(60_999);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(events.map((event) => [event.status, event.msg, event.hostnameOrURL])).toEqual([
      ['down', '[Cron] [🔴 Down] no push received within the interval', 'Heartbeat'],
    ]);
    expect(e.recordPush('wrong-token-000', { status: 'up', msg: 'OK', ping: null })).toBe(false);
    expect(e.recordPush(TOKEN, { status: 'up', msg: 'backup done', ping: 1500 })).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(events.map((event) => event.msg)).toEqual(['[Cron] [🔴 Down] no push received within the interval', '[Cron] [✅ Up] backup done']);
    expect(events[1]?.heartbeatJSON).toMatchObject({ ping: 1500 });
    // Pushed again in time: no alert; then silent for an interval (and Kuma's second of slack): DOWN again.
    await vi.advanceTimersByTimeAsync(30_000);
    e.recordPush(TOKEN, { status: 'up', msg: 'OK', ping: null });
    await vi.advanceTimersByTimeAsync(61_000);
    expect(events.map((event) => event.status)).toEqual(['down', 'up', 'down']);
    await e.stop(0);
  });
});

describe('MonitorEngine reload and snapshot', () => {
  it('keeps state by name, applies changed settings, starts new monitors and stops removed ones', async () => {
    const { engine: e, runs } = engine([monitor({ name: 'A' }), monitor({ name: 'B' })], () => down());
    e.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(events.map((event) => event.name).sort()).toEqual(['A', 'B']);
    e.reload([monitor({ name: 'A', url: 'https://a.example/new', tags: ['db'] }), monitor({ name: 'C' })]);
    const before = runs.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs.slice(before).sort()).toEqual(['A', 'C']);
    // A stayed DOWN across the reload (no second alert); C is new and alerts; B is gone.
    expect(events.map((event) => event.name).sort()).toEqual(['A', 'B', 'C']);
    expect(e.snapshot().map((s) => [s.name, s.status, s.target, s.tags])).toEqual([
      ['A', 'down', 'https://a.example/new', ['db']], ['C', 'down', 'https://site.example/health', []],
    ]);
    await e.stop(0);
  });

  it('shows the state without secrets: no push token, header, URL credentials or query', async () => {
    const monitors = [
      monitor({ name: 'Site', url: 'https://user:s3cret@site.example/health?key=s3cret', headers: { authorization: 'Bearer s3cret' } }),
      monitor({ name: 'Cron', type: 'push', token: 's3cret-push-token' }),
    ];
    const { engine: e } = engine(monitors, () => up);
    e.start();
    await vi.advanceTimersByTimeAsync(60_000);
    const snapshot = e.snapshot();
    expect(JSON.stringify(snapshot)).not.toContain('s3cret');
    expect(snapshot[0]).toMatchObject({
      id: 1, name: 'Site', type: 'http', target: 'https://site.example/health?…', status: 'up', message: '200 - OK', ping: 8, interval: 60,
      lastCheck: new Date(T0 + firstRun('Site')).toISOString(), nextCheck: new Date(T0 + firstRun('Site') + 60_000).toISOString(),
    });
    expect(snapshot[1]).toMatchObject({ name: 'Cron', type: 'push', target: 'Heartbeat', status: null });
    await e.stop(0);
  });
});

describe('MonitorEngine certificate warnings', () => {
  it('warns once per threshold crossed, remembers it across restarts, and starts over for a new certificate', async () => {
    const tls = { validTo: new Date(T0), daysRemaining: 10, fingerprint256: 'AA', subject: 'site.example' };
    const result = () => ({ ...up, tls: { ...tls } });
    const run = async (name: string) => {
      const { engine: e } = engine([monitor({ name: 'Site', tags: ['prod'] })], result);
      e.start();
      await vi.advanceTimersByTimeAsync(name === 'first' ? 3 * 60_000 : 60_000);
      await e.stop(0);
    };
    await run('first');
    expect(events.filter((event) => event.status === 'certificate').map((event) => [event.msg, event.tags, event.heartbeatJSON])).toEqual([
      ['[Site][https://site.example/health] server certificate site.example will expire in 10 days', ['prod'], null],
    ]);
    await run('restart');
    tls.daysRemaining = 6;
    await run('crosses 7');
    tls.daysRemaining = 5;
    await run('still under 7');
    Object.assign(tls, { fingerprint256: 'BB', daysRemaining: 13 });
    await run('renewed, but soon to expire again');
    expect(events.filter((event) => event.status === 'certificate').map((event) => event.msg.replace(/^.* will /, ''))).toEqual([
      'expire in 10 days', 'expire in 6 days', 'expire in 13 days',
    ]);
  });
});
