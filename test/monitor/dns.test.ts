import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dns } from '../../src/monitor/checks/dns.js';
import { startDnsTarget, type Target } from '../support/targets.js';

const ZONE = {
  'status.vigie.test': { A: ['192.0.2.10', '192.0.2.11'], TXT: ['v=vigie ok'] },
  'empty.vigie.test': {},
};

let server: Target & { queries: number };
let silent: Target & { queries: number };
beforeAll(async () => {
  server = await startDnsTarget(ZONE);
  silent = await startDnsTarget(ZONE, { silent: true });
});
afterAll(async () => {
  await server.close();
  await silent.close();
});

const check = (fields: Record<string, unknown>) =>
  dns.run(dns.schema.parse({ resolver: server.base, ...fields }), new AbortController().signal);

describe('dns check', () => {
  it('is UP when the name resolves, listing the records like Kuma', async () => {
    const result = await check({ hostname: 'status.vigie.test' });
    expect(result).toMatchObject({ status: 'up', message: 'Records: 192.0.2.10 | 192.0.2.11' });
    expect(result.ms).toBeGreaterThan(0);
    expect(await check({ hostname: 'status.vigie.test', recordType: 'TXT' })).toMatchObject({ status: 'up', message: 'Records: v=vigie ok' });
  });

  it('checks the expected value against every record', async () => {
    expect(await check({ hostname: 'status.vigie.test', expected: '192.0.2.11' })).toMatchObject({ status: 'up' });
    expect(await check({ hostname: 'status.vigie.test', expected: '192.0.2.99' }))
      .toMatchObject({ status: 'down', message: "expected '192.0.2.99' but got Records: 192.0.2.10 | 192.0.2.11" });
    expect(await check({ hostname: 'status.vigie.test', recordType: 'TXT', expected: 'v=vigie ok' })).toMatchObject({ status: 'up' });
  });

  it('is DOWN for a name that does not exist, or has no record of that type', async () => {
    expect((await check({ hostname: 'nope.vigie.test' })).message).toMatch(/^nope\.vigie\.test does not exist \(NXDOMAIN\)/);
    expect((await check({ hostname: 'empty.vigie.test' })).message).toMatch(/^no A record for empty\.vigie\.test/);
  });

  it('takes the resolver port from port when the resolver has none', async () => {
    const result = await dns.run(dns.schema.parse({ hostname: 'status.vigie.test', resolver: '127.0.0.1', port: server.port }), new AbortController().signal);
    expect(result.status).toBe('up');
  });

  it('stops at its timeout quickly when the server never answers', async () => {
    const started = performance.now();
    const result = await dns.run(dns.schema.parse({ hostname: 'status.vigie.test', resolver: silent.base, timeout: '300ms' }), new AbortController().signal);
    expect(result).toEqual({ status: 'down', message: 'timeout after 0.3 s' });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(silent.queries).toBeGreaterThan(0);
  });

  it('stops at once when the engine cancels it', async () => {
    const controller = new AbortController();
    const pending = dns.run(dns.schema.parse({ hostname: 'status.vigie.test', resolver: silent.base }), controller.signal);
    controller.abort();
    expect(await pending).toMatchObject({ status: 'down', message: expect.stringContaining('cancelled') as unknown });
  });

  it('writes hostnameOrURL like Kuma, and refuses a resolver that is not an IP', () => {
    expect(dns.hostnameOrURL(dns.schema.parse({ hostname: 'example.org' }))).toBe('example.org');
    expect(dns.hostnameOrURL(dns.schema.parse({ hostname: 'example.org', port: 5353 }))).toBe('example.org:5353');
    expect(dns.schema.parse({ hostname: 'example.org' })).toMatchObject({ recordType: 'A', timeout: 30_000 });
    expect(dns.schema.safeParse({ hostname: 'example.org', resolver: 'dns.google' }).success).toBe(false);
    expect(dns.schema.safeParse({ hostname: 'example.org', resolver: '[::1]:53' }).success).toBe(true);
    expect(dns.schema.safeParse({ hostname: 'example.org', recordType: 'ANY' }).success).toBe(false);
  });
});
