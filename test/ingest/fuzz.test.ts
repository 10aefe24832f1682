// Property: whatever arrives (bodies, headers, content types, paths, methods), ingest answers below 500 and keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { silentLogger } from '../../src/logging.js';
import { startRenderPool, type RenderPool } from '../../src/ingest/render-pool.js';
import { fixture, harness, type Harness } from './harness.js';

const DOWN = fixture('webhook-json__down');
const MATRIX = fixture('matrix__down');
const RUNS = 500;

/** Printable ASCII: what an HTTP header value may hold. */
const headerText = fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 60 }).map((codes) => String.fromCharCode(...codes).trim());
const segment = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 })).map(encodeURIComponent);
const token = fc.constantFrom('syt_test', 'syt_test_tpl', 'open-token-1234', 'undefined', '', 'nope');

const kumaLike = fc.record({
  heartbeat: fc.oneof(fc.constant(DOWN.body.heartbeat), fc.constant(null), fc.anything(), fc.record({ status: fc.anything(), time: fc.anything() })),
  monitor: fc.oneof(fc.constant(DOWN.body.monitor), fc.constant(null), fc.anything(), fc.record({ type: fc.anything(), name: fc.anything(), url: fc.anything(), tags: fc.anything() })),
  msg: fc.oneof(fc.string(), fc.anything(), fc.constant('[A] [🔴 Down] x')),
}, { requiredKeys: [] });

const multipart = fc.tuple(fc.constantFrom('data', 'other', ''), fc.oneof(fc.json(), fc.string()), fc.boolean()).map(([name, value, closed]) =>
  `--XyZ\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n${closed ? '--XyZ--\r\n' : ''}`);

const body = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.json({ maxDepth: 4 }),
  kumaLike.map((v) => JSON.stringify(v) ?? 'null'),
  fc.record({ msgtype: fc.anything(), body: fc.oneof(fc.string(), fc.anything()) }).map((v) => JSON.stringify(v) ?? '{}'),
  fc.tuple(fc.string(), fc.constantFrom('✅ Up', '🔴 Down', 'Up'), fc.string()).map(([name, status, msg]) => JSON.stringify({ msgtype: 'm.text', body: `[${name}] [${status}] ${msg}` })),
  multipart,
  fc.integer({ min: 1, max: 5000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.constant(JSON.stringify(DOWN.body)),
);

const contentType = fc.oneof(
  fc.constantFrom('application/json', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=XyZ',
    'multipart/form-data', 'text/plain; charset=latin1', 'text/plain; charset=nope', 'application/json; charset=utf-16le'),
  headerText,
);

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';
const anyMethod = fc.constantFrom<Method>('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
/** Mostly the method the endpoint expects, so most cases reach the body decoding. */
const method = (expected: Method): fc.Arbitrary<Method> => fc.oneof({ arbitrary: fc.constant(expected), weight: 4 }, { arbitrary: anyMethod, weight: 1 });
const validToken = fc.oneof({ arbitrary: fc.constantFrom('syt_test', 'syt_test_tpl', 'open-token-1234'), weight: 5 }, { arbitrary: token, weight: 1 });

const webhook = fc.record({
  method: method('POST'),
  url: fc.oneof(
    fc.tuple(validToken, segment).map(([t, rest]) => `/ingest/uptime-kuma/${t}${rest ? `?msg=${rest}` : ''}`),
    segment.map((s) => `/ingest/uptime-kuma/${s}/${s}`),
  ),
});
const webhookGet = fc.record({
  method: method('GET'),
  url: fc.tuple(validToken, segment, fc.oneof(segment, fc.constant(encodeURIComponent(JSON.stringify(DOWN.body.heartbeat)))), segment)
    .map(([t, a, b, c]) => `/ingest/uptime-kuma/${t}?msg=${a}&heartbeat=${b}&monitor=${c}`),
});
const matrixSend = fc.record({
  method: method('PUT'),
  url: fc.tuple(fc.constantFrom('r0', 'v3'), fc.oneof(fc.constantFrom('!abc%3Alocalhost', 'ops', '!tpl%3Alocalhost'), segment),
    fc.oneof({ arbitrary: fc.constant('m.room.message'), weight: 4 }, { arbitrary: segment, weight: 1 }), segment, validToken)
    .map(([v, room, type, txn, t]) => `/_matrix/client/${v}/rooms/${room}/send/${type}/${txn}?access_token=${t}`),
});
const matrixOther = fc.record({ method: anyMethod, url: fc.tuple(segment, token).map(([s, t]) => `/_matrix/${s}?access_token=${t}`) });
const request = fc.oneof({ arbitrary: webhook, weight: 4 }, { arbitrary: webhookGet, weight: 1 }, { arbitrary: matrixSend, weight: 4 }, { arbitrary: matrixOther, weight: 1 });

const headers = fc.record({
  'content-type': contentType,
  authorization: fc.oneof({ arbitrary: validToken.map((t) => `Bearer ${t}`), weight: 3 }, { arbitrary: headerText, weight: 1 }),
  'content-encoding': fc.oneof({ arbitrary: fc.constant('identity'), weight: 5 }, { arbitrary: fc.constantFrom('gzip', 'x'), weight: 1 }),
}, { requiredKeys: [] });

/** The property, against a harness: every answer below 500 and JSON, and a valid request still served after. */
async function answersEveryRequest(h: Harness, runs: number): Promise<void> {
  await fc.assert(fc.asyncProperty(
    request, headers, body,
    async ({ method, url }, hdrs, payload) => {
      const res = await h.app.inject({ method, url, headers: hdrs, payload: method === 'GET' ? undefined : payload });
      expect(res.statusCode, `${method} ${url} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
      expect(() => JSON.parse(res.body) as unknown).not.toThrow();
    },
  ), { numRuns: runs });
  const after = await h.app.inject({ method: 'PUT', url: MATRIX.path, headers: MATRIX.headers, payload: JSON.stringify(MATRIX.body) });
  expect(after.statusCode).toBe(200);
}

describe('ingest under arbitrary input', () => {
  let h: Harness;
  beforeAll(async () => { h = await harness(); });
  afterAll(async () => { await h.close(); });

  it(`answers every request below 500, in JSON, and keeps serving (${RUNS} cases)`, async () => {
    await answersEveryRequest(h, RUNS);
  });
});

describe('ingest under arbitrary input, webhook bodies decoded in the render worker', () => {
  let pool: RenderPool;
  let h: Harness;
  /** Bodies the worker decoded or refused (not left to the handler). */
  let decodedInWorker = 0;
  beforeAll(async () => {
    pool = startRenderPool({ templates: {}, timezone: 'UTC', routes: [{ rooms: ['ops'] }] }, silentLogger());
    expect(await pool.whenReady()).toBe(true);
    h = await harness({
      prepareWebhook: async (job) => {
        try {
          const prepared = await pool.prepareWebhook(job);
          if (prepared) decodedInWorker++;
          return prepared;
        } catch (error) {
          decodedInWorker++;
          throw error;
        }
      },
    });
  });
  afterAll(async () => {
    await h.close();
    await pool.close();
  });

  it(`answers every request below 500, in JSON, and keeps serving (${RUNS} cases)`, async () => {
    await answersEveryRequest(h, RUNS);
    // About one case in six is a webhook POST with a known token, the requests the worker takes.
    expect(decodedInWorker).toBeGreaterThan(RUNS / 10);
  });
});
