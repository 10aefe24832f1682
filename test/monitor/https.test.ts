import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../../src/monitor/checks/http.js';
import { dueExpiryWarning, expiryMessage } from '../../src/monitor/checks/tls-info.js';
import { startHttpsTarget, type Target } from '../support/targets.js';

let server: Target;
beforeAll(async () => { server = await startHttpsTarget(6); });
afterAll(async () => { await server.close(); });

const check = (path: string, fields: Record<string, unknown> = {}) =>
  http.run(http.schema.parse({ url: `${server.base}${path}`, ...fields }), new AbortController().signal);

describe('http check over TLS', () => {
  it('refuses a self-signed certificate, and says how to accept it', async () => {
    const result = await check('/ok');
    expect(result.status).toBe('down');
    expect(result.message).toBe('self-signed certificate (set ignoreTls: true to accept this certificate)');
  });

  it('watches the certificate of an http:// URL that redirects to https://', async () => {
    const redirect = createServer((_req, res) => { res.writeHead(301, { location: `${server.base}/ok` }); res.end(); });
    await new Promise<void>((resolve) => redirect.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(redirect.address() as AddressInfo).port}/`;
      const result = await http.run(http.schema.parse({ url, ignoreTls: true }), new AbortController().signal);
      expect(result).toMatchObject({ status: 'up', tls: { daysRemaining: 6 } });
    } finally {
      await new Promise((resolve) => redirect.close(resolve));
    }
  });

  it('records the certificate\'s expiry even with ignoreTls, 6 days ahead', async () => {
    const result = await check('/ok', { ignoreTls: true });
    expect(result).toMatchObject({ status: 'up', message: '200 - OK' });
    expect(result.tls).toMatchObject({ daysRemaining: 6, issuer: 'Vigie Test CA', subject: 'localhost' });
    const hoursLeft = ((result.tls?.validTo.getTime() ?? 0) - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(6 * 24 - 1);
    expect(hoursLeft).toBeLessThanOrEqual(6 * 24);
    expect(expiryMessage(result.tls!)).toBe('certificate of localhost expires in 6 days');
    expect(dueExpiryWarning(result.tls!.daysRemaining, [14, 7, 1], [])).toBe(7);
  });

  it('records it on a DOWN answer too, and on a kept-alive connection', async () => {
    expect((await check('/500', { ignoreTls: true })).tls?.daysRemaining).toBe(6);
    const first = await check('/ok', { ignoreTls: true, keepAlive: true });
    const second = await check('/ok', { ignoreTls: true, keepAlive: true });
    expect(first.tls?.daysRemaining).toBe(6);
    expect(second.tls?.fingerprint256).toBe(first.tls?.fingerprint256);
  });

  it('stops at its timeout during a TLS exchange', async () => {
    const result = await check('/slow', { ignoreTls: true, timeout: '200ms' });
    expect(result).toEqual({ status: 'down', message: 'timeout after 0.2 s' });
  });
});
