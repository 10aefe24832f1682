// Kuma's webhook through the real plugin: every captured request and every form Kuma can send, and the refusals.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { gzipSync } from 'node:zlib';
import type { AlertEvent } from '../../src/alert/event.js';
import type { OutboxRow } from '../../src/delivery/outbox.js';
import { FakeDispatch, fixture, harness, NOW, type Harness } from './harness.js';
import { WAIT_MS } from '../support/wait.js';

const DOWN = fixture('webhook-json__down');
const UP = fixture('webhook-json__up');
const TEST = fixture('webhook-json__test');
const LINE_DOWN = '[Local Target 9998] [🔴 Down] Request failed with status code 500';
const URL_ = '/ingest/uptime-kuma/syt_test';

let h: Harness;
beforeEach(async () => { h = await harness(); });
afterEach(async () => { await h.close(); });

function post(payload: string | Buffer, headers: Record<string, string> = {}, url = URL_) {
  return h.app.inject({ method: 'POST', url, payload, headers });
}

/** Kuma's form-data body: one field `data` holding the JSON, serialised as a multipart client does. */
async function formData(body: unknown): Promise<{ payload: Buffer; contentType: string }> {
  const form = new FormData();
  form.append('data', JSON.stringify(body));
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return { payload: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type')! };
}

describe('Kuma\'s captured webhook requests', () => {
  for (const [name, captured, status] of [['down', DOWN, 'down'], ['up', UP, 'up']] as const) {
    it(`queues the ${name} alert with Kuma's fields and answers 202 once stored`, async () => {
      const res = await post(JSON.stringify(captured.body), captured.headers);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ status: 'queued', messages: 1 });
      const { event, options } = h.fake.last();
      const heartbeat = captured.body.heartbeat as { time: string };
      expect(event).toMatchObject({
        source: 'uptime-kuma:kuma', status, name: 'Local Target 9998', hostnameOrURL: 'http://127.0.0.1:9998/health',
        msg: captured.body.msg, allowedRooms: ['ops'], heartbeatJSON: captured.body.heartbeat, monitorJSON: captured.body.monitor,
      });
      // Kuma's time is UTC without a zone.
      expect(event.time.toISOString()).toBe(`${heartbeat.time.replace(' ', 'T')}Z`);
      expect(options.template).toBeUndefined();
    });
  }

  it('reads the test notification as a test event timed now', async () => {
    const res = await post(JSON.stringify(TEST.body), TEST.headers);
    expect(res.statusCode).toBe(202);
    expect(h.fake.last().event).toMatchObject({
      status: 'test', name: '', msg: 'WH JSON Testing', heartbeatJSON: null, monitorJSON: null, time: NOW,
    });
  });

  it('takes the token as a bearer token too, and uses the source\'s template', async () => {
    const res = await post(JSON.stringify(DOWN.body), { ...DOWN.headers, authorization: 'Bearer syt_test_tpl' }, '/ingest/uptime-kuma');
    expect(res.statusCode).toBe(202);
    expect(h.fake.last().event).toMatchObject({ source: 'uptime-kuma:tpl', allowedRooms: ['tpl'] });
    expect(h.fake.last().options.template).toBe('seed');
  });

  it('lets a source without rooms post to any route', async () => {
    await post(JSON.stringify(DOWN.body), {}, '/ingest/uptime-kuma/open-token-1234');
    expect(h.fake.last().event.allowedRooms).toBeUndefined();
  });
});

describe('every form Kuma sends, whatever the Content-Type says', () => {
  it('form-data with one field data', async () => {
    const { payload, contentType } = await formData(DOWN.body);
    expect((await post(payload, { 'content-type': contentType })).statusCode).toBe(202);
    expect(h.fake.last().event).toMatchObject({ status: 'down', name: 'Local Target 9998', heartbeatJSON: DOWN.body.heartbeat });
  });

  it('form-data whose Content-Type was overridden by an additional header', async () => {
    const { payload } = await formData(UP.body);
    expect((await post(payload, { 'content-type': 'application/json' })).statusCode).toBe(202);
    expect(h.fake.last().event.status).toBe('up');
  });

  it('GET with msg, heartbeat and monitor as JSON strings in the query', async () => {
    const query = new URLSearchParams({ msg: String(DOWN.body.msg), heartbeat: JSON.stringify(DOWN.body.heartbeat), monitor: JSON.stringify(DOWN.body.monitor) });
    const res = await h.app.inject({ method: 'GET', url: `${URL_}?${query.toString()}` });
    expect(res.statusCode).toBe(202);
    expect(h.fake.last().event).toMatchObject({ status: 'down', name: 'Local Target 9998', monitorJSON: DOWN.body.monitor });
  });

  it('GET of the test notification (Kuma leaves heartbeat and monitor out)', async () => {
    const res = await h.app.inject({ method: 'GET', url: `${URL_}?msg=Kuma%20Testing` });
    expect(res.statusCode).toBe(202);
    expect(h.fake.last().event).toMatchObject({ status: 'test', msg: 'Kuma Testing' });
  });

  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'foo', '', undefined]) {
    it(`Kuma's JSON sent as ${JSON.stringify(contentType)}`, async () => {
      const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
      expect((await post(JSON.stringify(DOWN.body), headers)).statusCode).toBe(202);
      expect(h.fake.last().event).toMatchObject({ status: 'down', heartbeatJSON: DOWN.body.heartbeat });
    });
  }

  it('a custom body with Kuma\'s line, form-urlencoded as Kuma sends it: a real event', async () => {
    const res = await post(LINE_DOWN, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(202);
    const { event, options } = h.fake.last();
    expect(event).toMatchObject({ status: 'down', name: 'Local Target 9998', msg: LINE_DOWN, heartbeatJSON: { status: 0, msg: 'Request failed with status code 500' } });
    expect(options.template).toBeUndefined();
  });

  it('a custom body of free text: delivered as it is, as a down alert', async () => {
    const text = 'Disque presque plein sur nas & co';
    await post(text, { 'content-type': 'application/x-www-form-urlencoded' });
    const { event, options } = h.fake.last();
    expect(event).toMatchObject({ status: 'down', name: '', msg: text, allowedRooms: ['ops'] });
    expect(options.template).toBe('kuma-text');
  });

  it('a custom body printing Kuma\'s status label gets that status', async () => {
    await post('Site web est ✅ Up', { 'content-type': 'text/plain; charset=utf-8' });
    expect(h.fake.last().event.status).toBe('up');
  });

  it('a custom JSON body holding Kuma\'s line in a field', async () => {
    await post(JSON.stringify({ text: '[Site] [✅ Up] 200 - OK', source: 'kuma' }), { 'content-type': 'application/json' });
    expect(h.fake.last().event).toMatchObject({ status: 'up', name: 'Site', msg: '[Site] [✅ Up] 200 - OK' });
  });

  it('a custom JSON body without Kuma\'s shape or line is delivered as text', async () => {
    const body = JSON.stringify({ alert: 'disk full' });
    await post(body, { 'content-type': 'application/json' });
    expect(h.fake.last().event).toMatchObject({ status: 'down', msg: body });
    expect(h.fake.last().options.template).toBe('kuma-text');
  });

  it('a latin-1 body named by its charset', async () => {
    await post(Buffer.from('Température élevée', 'latin1'), { 'content-type': 'text/plain; charset=iso-8859-1' });
    expect(h.fake.last().event.msg).toBe('Température élevée');
  });
});

describe('refusals: a 4xx with a reason, and the server keeps serving', () => {
  it('401 for an unknown token, the same for a malformed one, and nothing dispatched', async () => {
    const unknown = await post(JSON.stringify(DOWN.body), {}, '/ingest/uptime-kuma/nope');
    const malformed = await post(JSON.stringify(DOWN.body), {}, `/ingest/uptime-kuma/${encodeURIComponent('é ~\u0000'.repeat(50))}`);
    expect(unknown.statusCode).toBe(401);
    expect(malformed.statusCode).toBe(401);
    expect(malformed.json()).toEqual(unknown.json());
    expect(unknown.json<{ error: string }>().error).toMatch(/unknown token/);
    expect(h.fake.calls).toHaveLength(0);
  });

  it('401 without a token, saying where to put one', async () => {
    const res = await post(JSON.stringify(DOWN.body), {}, '/ingest/uptime-kuma');
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: string }>().error).toMatch(/no token.*Bearer/);
  });

  it('a source whose token was left empty is never matched', async () => {
    for (const token of ['undefined', 'null', '%20']) {
      expect((await post('x', {}, `/ingest/uptime-kuma/${token}`)).statusCode).toBe(401);
    }
  });

  it('413 for a body over 1 MiB', async () => {
    const res = await post('x'.repeat(1024 * 1024 + 1), { 'content-type': 'text/plain' });
    expect(res.statusCode).toBe(413);
    expect(res.json<{ error: string }>().error).toMatch(/larger than 1 MiB/);
  });

  it('415 for a compressed body, an unknown charset or bytes that are not text', async () => {
    const cases: Array<[Buffer | string, Record<string, string>, RegExp]> = [
      [gzipSync(JSON.stringify(DOWN.body)), { 'content-encoding': 'gzip', 'content-type': 'application/json' }, /Content-Encoding "gzip"/],
      ['hello', { 'content-type': 'text/plain; charset=klingon' }, /unknown charset "klingon"/],
      [Buffer.from([0xff, 0xfe, 0xc3, 0x28]), { 'content-type': 'text/plain' }, /not valid utf-8/],
    ];
    for (const [payload, headers, reason] of cases) {
      const res = await post(payload, headers);
      expect(res.statusCode).toBe(415);
      expect(res.json<{ error: string }>().error).toMatch(reason);
    }
  });

  it('400 naming the part that is malformed', async () => {
    const { payload, contentType } = await formData({ heartbeat: { status: 7 }, monitor: null, msg: 'x' });
    const cases: Array<[() => ReturnType<typeof post>, RegExp]> = [
      [() => post(''), /body is empty/],
      [() => post('  \n'), /blank/],
      [() => post(JSON.stringify({ ...DOWN.body, heartbeat: { ...(DOWN.body.heartbeat as object), status: 'x' } })), /heartbeat.status must be/],
      [() => post(payload, { 'content-type': contentType }), /heartbeat.status must be 0 \(down\).*got 7/],
      [() => post('--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--b--\r\n', { 'content-type': 'multipart/form-data; boundary=b' }), /no field "data"/],
      [() => post('--b\r\nContent-Disposition: form-data; name="data"\r\n\r\n{oops\r\n--b--\r\n', { 'content-type': 'multipart/form-data; boundary=b' }), /field "data" is not JSON/],
      [() => h.app.inject({ method: 'GET', url: URL_ }), /GET needs the query parameters/],
      [() => h.app.inject({ method: 'GET', url: `${URL_}?msg=a&heartbeat=%7Boops` }), /heartbeat is not JSON/],
      [() => h.app.inject({ method: 'GET', url: `${URL_}?msg=a&msg=b` }), /msg is given more than once/],
    ];
    for (const [send, reason] of cases) {
      const res = await send();
      expect(res.statusCode, reason.source).toBe(400);
      expect(res.json<{ error: string }>().error).toMatch(reason);
    }
    expect(h.fake.calls).toHaveLength(0);
  });

  it('415 for a multipart body that cannot be read', async () => {
    const res = await post('--b\r\nContent-Disposition: form-data; name="data"\r\n\r\n{}', { 'content-type': 'multipart/form-data; boundary=b' });
    expect(res.statusCode).toBe(415);
    expect(res.json<{ error: string }>().error).toMatch(/form-data body could not be read/);
  });

  it('405 for other methods, with Allow', async () => {
    const res = await h.app.inject({ method: 'PUT', url: URL_, payload: 'x' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
  });

  it('503 with Retry-After when the alert cannot be stored, then serves again', async () => {
    h.fake.failure = new Error('SQLITE_FULL: database or disk is full');
    const res = await post(JSON.stringify(DOWN.body));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('10');
    expect(res.json<{ error: string }>().error).toMatch(/could not store the alert \(SQLITE_FULL/);
    h.fake.failure = undefined;
    expect((await post(JSON.stringify(DOWN.body))).statusCode).toBe(202);
  });

  it('202 with messages 0 when no route takes the alert', async () => {
    h.fake.rowsPerCall = 0;
    expect((await post(JSON.stringify(DOWN.body))).json()).toEqual({ status: 'queued', messages: 0 });
  });

  it('422 for Kuma\'s test when no route takes it, so the Test button reports the problem', async () => {
    h.fake.rowsPerCall = 0;
    const res = await post(JSON.stringify(TEST.body));
    expect(res.statusCode).toBe(422);
    expect(res.json<{ error: string }>().error).toMatch(/^no route of Vigie takes alerts of source "kuma": add one/);
  });
});

describe('an asynchronous dispatch (group commit)', () => {
  it('answers 202 only once the rows are stored', async () => {
    let store: (rows: OutboxRow[]) => void = () => undefined;
    const stored = new Promise<OutboxRow[]>((resolve) => { store = resolve; });
    const seen: AlertEvent[] = [];
    const async = await harness({ dispatch: (event) => { seen.push(event); return stored; } });
    try {
      let answered = false;
      const response = async.app.inject({ method: 'POST', url: URL_, payload: JSON.stringify(DOWN.body) }).then((res) => { answered = true; return res; });
      await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: WAIT_MS });
      expect(answered).toBe(false);
      store(new FakeDispatch().dispatch(seen[0]!));
      const res = await response;
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ status: 'queued', messages: 1 });
    } finally {
      await async.close();
    }
  });

  it('answers 503 when it rejects', async () => {
    const failing = await harness({ dispatch: () => Promise.reject(new Error('SQLITE_BUSY: database is locked')) });
    try {
      const res = await failing.app.inject({ method: 'POST', url: URL_, payload: JSON.stringify(DOWN.body) });
      expect(res.statusCode).toBe(503);
      expect(res.json<{ error: string }>().error).toMatch(/SQLITE_BUSY/);
    } finally {
      await failing.close();
    }
  });
});
