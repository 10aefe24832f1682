// Turning HTTP answers into JSON or MatrixErrors: retry hints, proxy pages, redirects, secrets.
import { describe, expect, it } from 'vitest';
import { errorFromAnswer, jsonOrThrow, retryAfter, snippet } from './answer.js';
import { MatrixError } from './errors.js';

const ctx = { what: 'sending m.room.message to !r:example.org', host: 'matrix.example.org', secrets: ['syt_secret_token'] };
const json = (status: number, body: object, headers: Record<string, string> = {}) =>
  ({ status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('retryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['the body wins over the header', { retry_after_ms: 4423 }, '10', 4423],
    ['header in seconds', undefined, '5', 5000],
    ['header as an HTTP date', undefined, 'Wed, 01 Jan 2025 00:00:30 GMT', 30_000],
    ['a date in the past is now', undefined, 'Tue, 31 Dec 2024 00:00:00 GMT', 0],
    ['nothing said', {}, undefined, undefined],
    ['garbage', { retry_after_ms: 'soon' }, 'later', undefined],
  ])('%s', (_name, body, header, expected) => {
    expect(retryAfter(body, header, now)).toBe(expected);
  });
});

describe('errorFromAnswer', () => {
  it('keeps the errcode, status, server text and retry hint, and says what we were doing', () => {
    const err = errorFromAnswer(json(429, { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 4423 }), ctx);
    expect(err).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED', status: 429, retryAfterMs: 4423, isRateLimit: true });
    expect(err.message).toBe('sending m.room.message to !r:example.org: M_LIMIT_EXCEEDED (HTTP 429) from matrix.example.org: '
      + "Too Many Requests — the homeserver rate-limits this account; retry in 4.4s (a server admin can lift the bot's limit)");
  });

  it('makes a proxy\'s HTML page M_UNKNOWN with its text, tags stripped', () => {
    const page = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';
    const err = errorFromAnswer({ status: 502, headers: { 'content-type': 'text/html' }, body: page }, ctx);
    expect(err).toMatchObject({ errcode: 'M_UNKNOWN', status: 502, isPermanent: false });
    expect(err.message).toBe('sending m.room.message to !r:example.org: HTTP 502 from matrix.example.org: 502 Bad Gateway nginx');
  });

  it('points at the new address when the server redirects', () => {
    const err = errorFromAnswer({ status: 301, headers: { location: 'https://hs.example.org/' }, body: '' }, ctx);
    expect(err.message).toContain('it redirects to https://hs.example.org/, use that address');
  });

  it('never repeats a secret the server echoed', () => {
    const err = errorFromAnswer(json(400, { errcode: 'M_UNKNOWN', error: 'bad token syt_secret_token' }), ctx);
    expect(err.message).toContain('bad token [redacted]');
  });
});

describe('jsonOrThrow', () => {
  it('returns the object of a 2xx answer', () => {
    expect(jsonOrThrow(json(200, { event_id: '$e' }), ctx)).toEqual({ event_id: '$e' });
  });

  it('refuses a 2xx answer that is not JSON, suspecting the URL', () => {
    const err = (() => {
      try {
        jsonOrThrow({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Element</body></html>' }, ctx);
      } catch (e) {
        return e as MatrixError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(MatrixError);
    expect(err.message).toContain("is not JSON (text/html: Element); is this the homeserver's URL?");
  });
});

describe('snippet', () => {
  it('cuts long text at 200 characters', () => {
    expect(snippet(`<p>${'a'.repeat(300)}</p>`)).toBe(`${'a'.repeat(200)}…`);
  });

  it('drops scripts and styles, keeps the title when the body is empty', () => {
    expect(snippet('<html><head><title>Oops</title><style>p{}</style></head><body><script>x()</script></body></html>')).toBe('Oops');
  });
});
