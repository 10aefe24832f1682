// Tokens never reach the logs, whatever the request does: accepted, refused, too large, or failing inside Vigie.
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, harness, TOKENS, type Harness } from './harness.js';

const DOWN = fixture('webhook-json__down');
const MATRIX = fixture('matrix__down');
const GUESS = 'guessed-secret-9f8e7d';

let h: Harness | undefined;
afterEach(async () => { await h?.close(); });

describe('secrets in logs', () => {
  it('no log line, at trace level, holds a configured or guessed token', async () => {
    h = await harness();
    const body = JSON.stringify(DOWN.body);
    const requests = [
      { method: 'POST', url: '/ingest/uptime-kuma/syt_test', payload: body },
      { method: 'POST', url: `/ingest/uptime-kuma/${GUESS}`, payload: body },
      { method: 'POST', url: '/ingest/uptime-kuma', payload: body, headers: { authorization: `Bearer ${GUESS}` } },
      { method: 'POST', url: '/ingest/uptime-kuma/syt_test', payload: 'x'.repeat(2 * 1024 * 1024) },
      { method: 'POST', url: '/ingest/uptime-kuma/syt_test', payload: 'x', headers: { 'content-encoding': 'br' } },
      { method: 'DELETE', url: '/ingest/uptime-kuma/syt_test' },
      { method: 'GET', url: '/ingest/uptime-kumax/syt_test' },
      { method: 'PUT', url: MATRIX.path, payload: JSON.stringify(MATRIX.body), headers: MATRIX.headers },
      { method: 'PUT', url: `${MATRIX.path}x?access_token=${GUESS}`, payload: '{}' },
      { method: 'PUT', url: `${MATRIX.path}y?access_token=open-token-1234`, payload: 'x'.repeat(2 * 1024 * 1024) },
      { method: 'GET', url: '/_matrix/client/v3/account/whoami?access_token=syt_test_tpl' },
    ] as const;
    for (const request of requests) await h.app.inject(request);
    h.fake.failure = new Error('SQLITE_FULL: database or disk is full');
    await h.app.inject(requests[0]);
    await h.app.inject(requests[7]);
    expect(h.logs.length).toBeGreaterThan(3);
    const logs = h.logs.join('\n');
    for (const secret of [...TOKENS, GUESS]) expect(logs).not.toContain(secret);
  });
});
