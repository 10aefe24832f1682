import { describe, expect, it } from 'vitest';
import { PushRegistry, createChecks, prepareCheck, type CheckType } from './index.js';

const checks = createChecks({ pushes: new PushRegistry() });

describe('createChecks', () => {
  it('has one definition per type, each under its own name', () => {
    expect(Object.keys(checks).sort()).toEqual(['dns', 'http', 'ping', 'push', 'tcp']);
    for (const [type, definition] of Object.entries(checks)) expect(definition.type).toBe(type as CheckType);
  });

  it.each<[CheckType, Record<string, unknown>, string]>([
    ['http', { url: 'https://example.org/health' }, 'https://example.org/health'],
    ['tcp', { hostname: 'db.example.org', port: 5432 }, 'db.example.org:5432'],
    ['dns', { hostname: 'example.org' }, 'example.org'],
    ['ping', { hostname: 'example.org' }, 'example.org'],
    ['push', { token: 'abcdefgh12345678' }, 'Heartbeat'],
  ])('%s: hostnameOrURL follows Kuma\'s extractAddress', (type, fields, address) => {
    expect(prepareCheck(checks[type], fields).hostnameOrURL).toBe(address);
  });

  it('gives every type a timeout of 30 s by default, and reads durations', () => {
    expect(checks.http.schema.parse({ url: 'http://x.test' }).timeout).toBe(30_000);
    expect(checks.tcp.schema.parse({ hostname: 'x', port: 1, timeout: '5s' }).timeout).toBe(5_000);
    expect(checks.push.schema.parse({}).timeout).toBe(30_000);
  });

  it('leaves the monitor\'s common fields alone (they belong to the config schema)', () => {
    expect(checks.ping.schema.parse({ name: 'Router', type: 'ping', interval: 60_000, hostname: '10.0.0.1' }))
      .toEqual({ hostname: '10.0.0.1', count: 1, timeout: 30_000 });
  });

  it('binds a monitor\'s fields to its check, ready to run', async () => {
    const prepared = prepareCheck(checks.push, { token: 'abcdefgh12345678', timeout: '5s' });
    expect(prepared).toMatchObject({ type: 'push', hostnameOrURL: 'Heartbeat', timeout: 5_000 });
    expect(await prepared.run(new AbortController().signal)).toMatchObject({ status: 'down' });
  });

  it('refuses bad http settings at load time, naming the field', () => {
    const result = checks.http.schema.safeParse({ url: 'example.org', acceptedStatusCodes: ['2xx'], jsonQuery: 'items[' });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(['url', 'acceptedStatusCodes.0', 'jsonQuery']);
  });

  it('has Kuma\'s defaults for http', () => {
    expect(checks.http.schema.parse({ url: 'https://example.org' })).toMatchObject({
      method: 'GET', acceptedStatusCodes: ['200-299'], maxRedirects: 10, ignoreTls: false, invertKeyword: false,
      jsonPathOperator: '==', keepAlive: false, tlsExpiryDays: [14, 7, 1],
    });
  });
});
