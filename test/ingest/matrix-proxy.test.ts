// Kuma's own "Matrix" notification pointed at Vigie: the captured requests, r0 and v3, rooms, idempotency, errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatch } from '../../src/alert/dispatch.js';
import { compileTemplates } from '../../src/alert/render/templates.js';
import { Outbox } from '../../src/delivery/outbox.js';
import { silentLogger } from '../../src/logging.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { fixture, harness, NOW, ROOMS, type Harness } from './harness.js';

const DOWN = fixture('matrix__down');
const TEMPLATE = fixture('matrix-template__up');
const SEND = '/_matrix/client/r0/rooms/!abc%3Alocalhost/send/m.room.message';
const AUTH = { authorization: 'Bearer syt_test', 'content-type': 'application/json' };

let h: Harness;
beforeEach(async () => { h = await harness(); });
afterEach(async () => { await h.close(); });

function put(url: string, payload: unknown, headers: Record<string, string> = AUTH) {
  return h.app.inject({ method: 'PUT', url, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers });
}

function replay(captured: typeof DOWN) {
  return h.app.inject({ method: captured.method as 'PUT', url: captured.path, headers: captured.headers, payload: JSON.stringify(captured.body) });
}

describe('Kuma\'s captured Matrix requests', () => {
  it('reads the default body as Kuma\'s line: a real down event for that room, keyed by txnId', async () => {
    const res = await replay(DOWN);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ event_id: '$vigie_txn-1' });
    const { event, options } = h.fake.last();
    expect(event).toMatchObject({
      source: 'uptime-kuma:kuma', status: 'down', name: 'Local Target 9998', msg: DOWN.body.body, allowedRooms: ['ops'], time: NOW,
      heartbeatJSON: { status: 0, msg: 'Request failed with status code 500', time: '2026-11-26 12:30:00.000' }, monitorJSON: null,
    });
    expect(options).toEqual({ dedupeKey: 'kuma-matrix:kuma:tw43U4ybCaEsIzZXLkdg', template: undefined });
  });

  it('finds Kuma\'s line in a user\'s Kuma template, and uses the source\'s template', async () => {
    const res = await replay(TEMPLATE);
    expect(res.statusCode).toBe(200);
    const { event, options } = h.fake.last();
    expect(event).toMatchObject({ source: 'uptime-kuma:tpl', status: 'up', name: 'Local Target 9998', msg: '[Local Target 9998] [✅ Up] 200 - OK', allowedRooms: ['tpl'] });
    expect(options).toEqual({ dedupeKey: 'kuma-matrix:tpl:60msNmcIMjkOgGFlCW9z', template: 'seed' });
  });
});

describe('the tutorial\'s template in Kuma\'s Matrix notification', () => {
  // Kuma renders the seed's template before sending: its line comes after "💬 Message : ", not at the start of a line.
  const seedText = (title: string, name: string, msg: string) =>
    `${title}\n\n🖥️ Service : ${name}\n🌐 Cible : https://example.org\n💬 Message : ${msg}\n⏰ Heure : 26/11/2026 13:09`;

  it('reads each monitor\'s name and state from the line after the label, so two outages stay two', async () => {
    await put(`${SEND}/a1`, { msgtype: 'm.text', body: seedText('🚨 ALERTE : SERVICE HORS LIGNE', 'Alpha', '[Alpha] [🔴 Down] timeout') });
    await put(`${SEND}/b1`, { msgtype: 'm.text', body: seedText('🚨 ALERTE : SERVICE HORS LIGNE', 'Beta', '[Beta] [🔴 Down] 500') });
    await put(`${SEND}/b2`, { msgtype: 'm.text', body: seedText('✅ SERVICE EN LIGNE', 'Beta', '[Beta] [✅ Up] 200 - OK') });
    expect(h.fake.calls.map((c) => [c.event.name, c.event.status, c.event.msg])).toEqual([
      ['Alpha', 'down', '[Alpha] [🔴 Down] timeout'], ['Beta', 'down', '[Beta] [🔴 Down] 500'], ['Beta', 'up', '[Beta] [✅ Up] 200 - OK'],
    ]);
  });

  it('takes Kuma\'s Test button through that template for a test, not an outage', async () => {
    const body = seedText('🚨 ALERTE : SERVICE HORS LIGNE', 'Monitor Name not available', 'Vigie Testing').replace('https://example.org', 'testing.hostname');
    await put(`${SEND}/t1`, { msgtype: 'm.text', body });
    expect(h.fake.last().event).toMatchObject({ status: 'test', name: '' });
  });
});

describe('the send endpoint', () => {
  it('answers on v3 as on r0, with ?access_token= as well as the header', async () => {
    const v3 = await put('/_matrix/client/v3/rooms/!abc%3Alocalhost/send/m.room.message/t1', DOWN.body);
    const query = await put(`${SEND}/t2?access_token=syt_test`, DOWN.body, { 'content-type': 'application/json' });
    expect([v3.statusCode, query.statusCode]).toEqual([200, 200]);
    expect(h.fake.calls.map((c) => c.options.dedupeKey)).toEqual(['kuma-matrix:kuma:t1', 'kuma-matrix:kuma:t2']);
  });

  it('accepts the room by short name, and by alias', async () => {
    await put('/_matrix/client/r0/rooms/ops/send/m.room.message/t1', DOWN.body);
    expect(h.fake.last().event.allowedRooms).toEqual(['ops']);
    const open = { ...AUTH, authorization: 'Bearer open-token-1234' };
    expect((await put('/_matrix/client/r0/rooms/%23other%3Alocalhost/send/m.room.message/t2', DOWN.body, open)).statusCode).toBe(200);
    expect(h.fake.last().event.allowedRooms).toEqual(['other']);
  });

  it('accepts the room\'s internal id (what the tutorial has Kuma use) for a room configured by alias', async () => {
    const aliased = await harness({ resolveRoom: (alias) => (alias === '#other:localhost' ? Promise.resolve('!other:localhost') : Promise.reject(new Error('M_NOT_FOUND'))) });
    try {
      const open = { ...AUTH, authorization: 'Bearer open-token-1234' };
      const res = await aliased.app.inject({ method: 'PUT', url: '/_matrix/client/r0/rooms/!other%3Alocalhost/send/m.room.message/t1', payload: JSON.stringify(DOWN.body), headers: open });
      expect(res.statusCode).toBe(200);
      expect(aliased.fake.last().event.allowedRooms).toEqual(['other']);
      const elsewhere = await aliased.app.inject({ method: 'PUT', url: '/_matrix/client/r0/rooms/!nope%3Alocalhost/send/m.room.message/t2', payload: JSON.stringify(DOWN.body), headers: open });
      expect(elsewhere.statusCode).toBe(403);
    } finally {
      await aliased.close();
    }
  });

  it('keeps Kuma\'s txnId decoded (Kuma URL-encodes base64)', async () => {
    await put(`${SEND}/ab%2Bcd%2Fef%3D`, DOWN.body);
    expect(h.fake.last().options.dedupeKey).toBe('kuma-matrix:kuma:ab+cd/ef=');
  });

  it('accepts the same txnId once: the same dedupeKey and the same event_id', async () => {
    const first = await put(`${SEND}/retry-1`, DOWN.body);
    const second = await put(`${SEND}/retry-1`, DOWN.body);
    expect(second.json()).toEqual(first.json());
    expect(h.fake.calls.map((c) => c.options.dedupeKey)).toEqual(['kuma-matrix:kuma:retry-1', 'kuma-matrix:kuma:retry-1']);
    expect((await put(`${SEND}/retry-2`, DOWN.body)).json()).not.toEqual(first.json());
  });

  it('delivers a text it cannot read as it is, with the kuma-text template', async () => {
    await put(`${SEND}/t1`, { msgtype: 'm.text', body: 'Sauvegarde terminée' });
    expect(h.fake.last().event).toMatchObject({ status: 'down', name: '', msg: 'Sauvegarde terminée', allowedRooms: ['ops'] });
    expect(h.fake.last().options.template).toBe('kuma-text');
  });

  it('reads Kuma\'s test message as a test', async () => {
    await put(`${SEND}/t1`, { msgtype: 'm.text', body: 'Matrix Vigie Testing' });
    expect(h.fake.last().event).toMatchObject({ status: 'test', msg: 'Matrix Vigie Testing' });
  });

  it('takes the legacy POST without a txnId, without a dedupeKey', async () => {
    const res = await h.app.inject({ method: 'POST', url: SEND, headers: AUTH, payload: JSON.stringify(DOWN.body) });
    expect(res.statusCode).toBe(200);
    expect(h.fake.last().options.dedupeKey).toBeUndefined();
  });

  it('answers a stable event_id when no route takes the message', async () => {
    h.fake.rowsPerCall = 0;
    const first = await put(`${SEND}/t1`, DOWN.body);
    const again = await put(`${SEND}/t1`, DOWN.body);
    expect(first.statusCode).toBe(200);
    expect(first.json<{ event_id: string }>().event_id).toMatch(/^\$vigie_unrouted_/);
    expect(again.json()).toEqual(first.json());
  });

  it('refuses Kuma\'s test when no route sends to the room, so its Test button does not report a success', async () => {
    h.fake.rowsPerCall = 0;
    const res = await put(`${SEND}/t1`, { msgtype: 'm.text', body: 'Matrix Testing' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ errcode: 'M_FORBIDDEN', error: expect.stringContaining('no route of Vigie sends to room !abc:localhost (ops): add one') as string });
  });
});

describe('errors in Matrix\'s shape', () => {
  const cases: Array<[string, () => ReturnType<typeof put>, number, string, RegExp]> = [
    ['no token', () => put(`${SEND}/t`, DOWN.body, { 'content-type': 'application/json' }), 401, 'M_MISSING_TOKEN', /Missing access token/],
    ['unknown token', () => put(`${SEND}/t`, DOWN.body, { authorization: 'Bearer nope' }), 401, 'M_UNKNOWN_TOKEN', /Unrecognised access token/],
    ['a room of another source', () => put('/_matrix/client/r0/rooms/!tpl%3Alocalhost/send/m.room.message/t', DOWN.body), 403, 'M_FORBIDDEN', /room !tpl:localhost is not one source "kuma" may post to \(ops\)/],
    ['an unconfigured room', () => put('/_matrix/client/r0/rooms/!zzz%3Alocalhost/send/m.room.message/t', DOWN.body), 403, 'M_FORBIDDEN', /!zzz:localhost/],
    ['bad JSON', () => put(`${SEND}/t`, '{"body": '), 400, 'M_NOT_JSON', /not JSON/],
    ['no string body', () => put(`${SEND}/t`, { msgtype: 'm.text', body: 42 }), 400, 'M_BAD_JSON', /no string "body"/],
    ['an empty body', () => put(`${SEND}/t`, { msgtype: 'm.text', body: '  ' }), 400, 'M_BAD_JSON', /empty/],
    ['a JSON array', () => put(`${SEND}/t`, '[]'), 400, 'M_BAD_JSON', /JSON object/],
    ['another event type', () => put('/_matrix/client/r0/rooms/!abc%3Alocalhost/send/m.reaction/t', DOWN.body), 400, 'M_UNRECOGNIZED', /m.room.message events only/],
    ['GET on the send endpoint', () => h.app.inject({ method: 'GET', url: `${SEND}/t`, headers: AUTH }), 405, 'M_UNRECOGNIZED', /use PUT/],
    ['another endpoint', () => h.app.inject({ method: 'GET', url: '/_matrix/client/v3/sync?access_token=syt_test' }), 404, 'M_UNRECOGNIZED', /Unrecognized request/],
    ['a body over 1 MiB', () => put(`${SEND}/t`, { body: 'x'.repeat(1024 * 1024) }), 413, 'M_TOO_LARGE', /larger than 1 MiB/],
  ];
  for (const [what, send, status, errcode, reason] of cases) {
    it(`${status} ${errcode} for ${what}`, async () => {
      const res = await send();
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({ errcode, error: expect.stringMatching(reason) as unknown });
      expect(h.fake.calls).toHaveLength(0);
    });
  }

  it('503 with Retry-After when the message cannot be stored, then serves again', async () => {
    h.fake.failure = new Error('SQLITE_IOERR: disk I/O error');
    const res = await put(`${SEND}/t`, DOWN.body);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('10');
    expect(res.json()).toEqual({ errcode: 'M_UNKNOWN', error: expect.stringMatching(/could not store the message \(SQLITE_IOERR/) as unknown });
    h.fake.failure = undefined;
    expect((await put(`${SEND}/t`, DOWN.body)).statusCode).toBe(200);
  });
});

describe('/_matrix/client/versions', () => {
  it('answers like a homeserver, without a token', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/_matrix/client/versions' });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ versions: string[] }>().versions).toEqual(expect.arrayContaining(['r0.6.1', 'v1.1']) as unknown);
  });
});

describe('with the real durable dispatch', () => {
  let db: Database;
  afterEach(() => db.close());

  it('stores one row for a txnId sent twice and answers the same event_id, derived from that row', async () => {
    db = openDatabase(':memory:');
    const outbox = new Outbox(db);
    const dispatch = createDispatch({
      rules: [{ rooms: ['ops', 'tpl'] }], rooms: ROOMS, templates: compileTemplates({}, { timezone: 'Europe/Paris' }),
      msgtype: 'm.text', outbox, onQueued: () => undefined, logger: silentLogger(),
    });
    const real = await harness({ dispatch });
    try {
      const first = await real.app.inject({ method: 'PUT', url: DOWN.path, headers: DOWN.headers, payload: JSON.stringify(DOWN.body) });
      const second = await real.app.inject({ method: 'PUT', url: DOWN.path, headers: DOWN.headers, payload: JSON.stringify(DOWN.body) });
      expect(second.json()).toEqual(first.json());
      const rows = db.prepare('SELECT room_id, txn_id, content FROM outbox JOIN outbox_payload USING (id)').all() as Array<{ room_id: string; txn_id: string; content: string }>;
      expect(rows).toHaveLength(1);
      expect(rows[0]!.room_id).toBe('!abc:localhost');
      expect(first.json()).toEqual({ event_id: `$vigie_${rows[0]!.txn_id.replace(/^vigie\./, '')}` });
      expect((JSON.parse(rows[0]!.content) as { body: string }).body).toMatch(/DOWN — Local Target 9998/);
    } finally {
      await real.close();
    }
  });
});
