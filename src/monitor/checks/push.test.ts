import { describe, expect, it } from 'vitest';
import { NO_PUSH_MESSAGE, PushRegistry, generatePushToken, parsePushQuery, pushCheck } from './push.js';

const TOKEN = 'abcdefgh12345678';
const never = () => new AbortController().signal;

function setup() {
  const told: string[] = [];
  const registry = new PushRegistry({ onRecord: (token) => told.push(token) });
  registry.watch(TOKEN);
  const check = pushCheck(registry);
  const target = check.schema.parse({ token: TOKEN });
  return { registry, check, target, told };
}

describe('push check', () => {
  it('is DOWN when nothing was pushed since the previous check', async () => {
    const { check, target } = setup();
    expect(await check.run(target, never())).toEqual({ status: 'down', message: NO_PUSH_MESSAGE });
  });

  it('reports the last push once, then DOWN again until the next push', async () => {
    const { registry, check, target, told } = setup();
    registry.record(TOKEN, { status: 'up', msg: 'first', ping: null });
    registry.record(TOKEN, { status: 'up', msg: 'backup done', ping: 812 });
    expect(told).toEqual([TOKEN, TOKEN]);
    expect(await check.run(target, never())).toEqual({ status: 'up', message: 'backup done', ms: 812 });
    expect(await check.run(target, never())).toEqual({ status: 'down', message: NO_PUSH_MESSAGE });
    expect(registry.lastPush(TOKEN)).toMatchObject({ msg: 'backup done' });
  });

  it('spends a push received during a maintenance window: after it, the job must push again', async () => {
    const { registry, check, target } = setup();
    registry.record(TOKEN, { status: 'up', msg: 'pushed during the window', ping: null });
    check.skipped!(target);
    expect(await check.run(target, never())).toEqual({ status: 'down', message: NO_PUSH_MESSAGE });
  });

  it('passes on a pushed DOWN with its message', async () => {
    const { registry, check, target } = setup();
    registry.record(TOKEN, { status: 'down', msg: 'disk full', ping: null });
    expect(await check.run(target, never())).toEqual({ status: 'down', message: 'disk full' });
  });

  it('refuses pushes for a token no running monitor has, and after forget', () => {
    const { registry } = setup();
    expect(registry.record('someoneelse123', { status: 'up', msg: 'OK', ping: null })).toBe(false);
    registry.forget(TOKEN);
    expect(registry.record(TOKEN, { status: 'up', msg: 'OK', ping: null })).toBe(false);
    expect(registry.lastPush(TOKEN)).toBeUndefined();
  });

  it('is "Heartbeat" for Kuma\'s hostnameOrURL, and a bug to run without a token', async () => {
    const { check } = setup();
    const noToken = check.schema.parse({});
    expect(check.hostnameOrURL(noToken)).toBe('Heartbeat');
    await expect(check.run(noToken, never())).rejects.toThrow(/without a token/);
  });
});

describe('parsePushQuery (Kuma\'s /api/push parameters)', () => {
  it.each([
    ['nothing: up, OK', '', { push: { status: 'up', msg: 'OK', ping: null } }],
    ['status=down with a message and time', 'status=down&msg=disk%20full&ping=12.5', { push: { status: 'down', msg: 'disk full', ping: 12.5 } }],
    ['any status but "up" is down', 'status=UP', { push: { status: 'down', msg: 'OK', ping: null } }],
    ['an empty msg is OK, a bad ping none', 'msg=&ping=abc', { push: { status: 'up', msg: 'OK', ping: null } }],
    ['a negative ping is refused', 'ping=-1', { error: 'Invalid ping value. Must be between 0 and 100000000000 ms.' }],
  ])('%s', (_name, query, expected) => {
    expect(parsePushQuery(new URLSearchParams(query))).toEqual(expected);
  });
});

describe('generatePushToken', () => {
  it('makes 32 letters and digits, different each time, that the schema accepts', () => {
    const token = generatePushToken();
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(generatePushToken()).not.toBe(token);
    expect(pushCheck(new PushRegistry()).schema.safeParse({ token }).success).toBe(true);
  });
});
