import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, type HttpTarget } from '../../src/monitor/checks/http.js';
import { USER_AGENT } from '../../src/version.js';
import { KEYWORD_PAGE, closedPort, startHttpTarget, type Target } from '../support/targets.js';

let server: Target;
beforeAll(async () => { server = await startHttpTarget(); });
afterAll(async () => { await server.close(); });

/** A parsed http monitor, as the config would give it. */
function target(path: string, fields: Record<string, unknown> = {}): HttpTarget {
  return http.schema.parse({ url: `${server.base}${path}`, ...fields });
}

const check = (path: string, fields: Record<string, unknown> = {}) => http.run(target(path, fields), new AbortController().signal);

describe('http check', () => {
  it('is UP for a 2xx answer, with Kuma\'s "status - text" message and a time', async () => {
    const result = await check('/ok');
    expect(result).toMatchObject({ status: 'up', message: '200 - OK' });
    expect(result.ms).toBeGreaterThan(0);
    expect(result.tls).toBeUndefined();
  });

  it('is DOWN for a status outside the accepted codes, and says which were expected', async () => {
    expect(await check('/500')).toMatchObject({ status: 'down', message: 'status 500 (expected 200-299)' });
    expect(await check('/500', { acceptedStatusCodes: ['200-299', '500'] })).toMatchObject({ status: 'up' });
    expect(await check('/missing', { acceptedStatusCodes: ['200', '301-302'] }))
      .toMatchObject({ status: 'down', message: 'status 404 (expected 200, 301-302)' });
  });

  it('is DOWN with the system\'s words when nothing listens', async () => {
    const port = await closedPort();
    const result = await http.run(http.schema.parse({ url: `http://127.0.0.1:${port}/` }), new AbortController().signal);
    expect(result).toMatchObject({ status: 'down', message: `connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('is DOWN when the server drops the connection, before or during its answer', async () => {
    expect((await check('/reset')).message).toMatch(/^connection closed by the server before a full answer \(socket hang up\)/);
    expect(await check('/half')).toMatchObject({ status: 'down', message: expect.stringMatching(/connection closed by the server|aborted/) as unknown });
  });

  it('stops at its timeout, quickly, with "timeout after …"', async () => {
    const started = performance.now();
    const result = await check('/slow', { timeout: '200ms' });
    expect(result).toEqual({ status: 'down', message: 'timeout after 0.2 s' });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('stops when the engine aborts, and says it was cancelled', async () => {
    const controller = new AbortController();
    const pending = http.run(target('/slow'), controller.signal);
    controller.abort();
    expect(await pending).toMatchObject({ status: 'down', message: expect.stringContaining('cancelled') as unknown });
  });

  it('follows redirects up to maxRedirects, and judges the 3xx itself with 0', async () => {
    expect(await check('/redirect')).toMatchObject({ status: 'up', message: '200 - OK' });
    expect(await check('/redirect', { maxRedirects: 0 })).toMatchObject({ status: 'down', message: 'status 302 (expected 200-299)' });
    expect(await check('/redirect', { maxRedirects: 0, acceptedStatusCodes: ['300-399'] })).toMatchObject({ status: 'up' });
    expect(await check('/loop', { maxRedirects: 3 })).toMatchObject({ status: 'down', message: expect.stringMatching(/^more than 3 redirects/) as unknown });
    // The message reaches logs, /api/monitors and the room: the redirect's query is left out.
    const secret = await check('/loop-secret', { maxRedirects: 2 });
    expect(secret.message).toMatch(/^more than 2 redirects \(the last one to http:\/\/127\.0\.0\.1:\d+\/loop-secret\)/);
    expect(secret.message).not.toContain('LOOPSECRET');
  });

  it('sends Vigie\'s User-Agent, the monitor\'s headers, method and JSON body', async () => {
    const result = await check('/echo', {
      method: 'post', headers: { 'X-Probe': 'yes', 'User-Agent': 'custom' }, body: '{"ping":1}',
      jsonQuery: 'method & " " & headers."x-probe" & " " & headers."user-agent" & " " & headers."content-type" & " " & body',
      expectedValue: 'POST yes custom application/json {"ping":1}',
    });
    expect(result).toMatchObject({ status: 'up' });
    const plain = await check('/echo', { jsonQuery: 'headers."user-agent"', expectedValue: USER_AGENT });
    expect(plain).toMatchObject({ status: 'up' });
  });

  it('turns a POST into a GET without body on 303, as browsers do', async () => {
    const result = await check('/see-other', { method: 'POST', body: 'x=1', jsonQuery: 'method & ":" & body', expectedValue: 'GET:' });
    expect(result).toMatchObject({ status: 'up' });
  });
});

describe('http check: keyword', () => {
  it('reads a compressed page as its text, and is DOWN for one that does not decompress', async () => {
    expect(await check('/gzip', { keyword: 'All systems OK' })).toMatchObject({ status: 'up', message: "200 - OK, keyword 'All systems OK' found" });
    expect(await check('/bad-gzip', { keyword: 'x' })).toMatchObject({ status: 'down', message: expect.stringMatching(/^the body says it is gzip-compressed but does not decompress/) as unknown });
  });

  it('is UP when the keyword is in the page', async () => {
    expect(await check('/keyword', { keyword: 'All systems OK' }))
      .toMatchObject({ status: 'up', message: "200 - OK, keyword 'All systems OK' found" });
  });

  it('is DOWN when it is not, quoting the start of the page', async () => {
    const result = await check('/keyword', { keyword: 'Everything fine' });
    expect(result.status).toBe('down');
    expect(result.message).toBe("keyword 'Everything fine' not found in \"Status All systems OK\"");
    expect(KEYWORD_PAGE).not.toContain('Everything fine');
  });

  it('inverts with invertKeyword', async () => {
    expect(await check('/keyword', { keyword: 'error', invertKeyword: true })).toMatchObject({ status: 'up' });
    expect((await check('/keyword', { keyword: 'OK', invertKeyword: true })).message).toMatch(/^keyword 'OK' found but must be absent/);
  });

  it('finds a keyword anywhere in a page of several MiB (Kuma reads it whole), and says how far it looked', async () => {
    expect(await check('/big-needle', { keyword: 'needlé' })).toMatchObject({ status: 'up', message: "200 - OK, keyword 'needlé' found" });
    expect(await check('/big-needle', { keyword: 'needlé', invertKeyword: true })).toMatchObject({ status: 'down' });
    const result = await check('/big', { keyword: 'needle' });
    expect(result).toMatchObject({ status: 'down' });
    expect(result.message).toContain('(searched up to 64 MiB)');
    expect(await check('/big')).toMatchObject({ status: 'up' });
  });

  it('is judged on the status first', async () => {
    expect(await check('/500', { keyword: 'boom' })).toMatchObject({ status: 'down', message: 'status 500 (expected 200-299)' });
  });
});

describe('http check: JSON query', () => {
  it('compares the value with ==, and says what it got', async () => {
    expect(await check('/json', { jsonQuery: 'checks.db', expectedValue: 'ok' })).toMatchObject({ status: 'up', message: "200 - OK, JSON query returned 'ok'" });
    expect(await check('/json', { jsonQuery: 'status', expectedValue: 'ok' }))
      .toMatchObject({ status: 'down', message: "expected 'ok' but JSON query returned 'degraded'" });
  });

  it('compares numbers with < and >, and text with contains', async () => {
    expect(await check('/json', { jsonQuery: 'latency', jsonPathOperator: '<', expectedValue: 100 })).toMatchObject({ status: 'up' });
    expect(await check('/json', { jsonQuery: 'latency', jsonPathOperator: '>', expectedValue: 100 }))
      .toMatchObject({ status: 'down', message: "expected a value > 100 but JSON query returned '42'" });
    expect(await check('/json', { jsonQuery: '$count(items)', jsonPathOperator: '>=', expectedValue: 3 })).toMatchObject({ status: 'up' });
    expect(await check('/json', { jsonQuery: 'status', jsonPathOperator: 'contains', expectedValue: 'grad' })).toMatchObject({ status: 'up' });
  });

  it('takes a boolean expression alone (expected value true)', async () => {
    expect(await check('/json', { jsonQuery: 'checks.db = "ok"' })).toMatchObject({ status: 'up' });
    expect(await check('/json', { jsonQuery: 'status = "ok"' })).toMatchObject({ status: 'down', message: "expected 'true' but JSON query returned 'false'" });
  });

  it('explains a query that returns nothing, an array, or a page that is not JSON', async () => {
    expect((await check('/json', { jsonQuery: 'nope' })).message).toMatch(/^JSON query returned nothing/);
    expect((await check('/json', { jsonQuery: 'items' })).message).toMatch(/^JSON query returned the array \[1,2,3\]; a single value is needed/);
    expect((await check('/keyword', { jsonQuery: 'status' })).message).toContain('(the response is not JSON)');
  });
});
