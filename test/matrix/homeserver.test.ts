// The test homeserver behaves like Synapse where Vigie depends on it: paths, errors, txnIds, rate limits, sync, faults.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHomeserver, type HomeserverOptions, type TestHomeserver } from '../support/homeserver.js';
import { WAIT_MS } from '../support/wait.js';

let hs: TestHomeserver;
let bot: string;
let alice: string;
let token: string;
let clock: number;

async function start(options: HomeserverOptions = {}): Promise<void> {
  clock = 1_700_000_000_000;
  hs = await startHomeserver({ now: () => clock, ...options });
  bot = hs.registerUser('vigie', 'bot-pw');
  alice = hs.registerUser('alice', 'alice-pw', { admin: true });
  token = hs.issueToken(bot, 'BOTDEVICE');
}
afterEach(async () => {
  await hs.close();
});

interface Answer { status: number; headers: Headers; body: Record<string, unknown> }

async function api(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const res = await fetch(hs.url + path, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : { text } };
}

const sendPath = (roomId: string, txnId: string, version = 'v3'): string =>
  `/_matrix/client/${version}/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`;
const send = (roomId: string, txnId: string, tok = token, version = 'v3'): Promise<Answer> =>
  api('PUT', sendPath(roomId, txnId, version), { token: tok, body: { msgtype: 'm.text', body: txnId } });

describe('protocol basics', () => {
  beforeEach(() => start());

  it('serves the same API under r0 (Kuma) and v3', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    expect((await send(roomId, 'kuma-1', token, 'r0')).status).toBe(200);
    expect((await send(roomId, 'vigie-1', token, 'v3')).status).toBe(200);
    expect((await api('GET', '/_matrix/client/r0/account/whoami', { token })).body).toEqual({ user_id: bot, is_guest: false, device_id: 'BOTDEVICE' });
  });

  it('answers Synapse\'s errors for unknown paths, wrong methods, bad JSON and tokens', async () => {
    expect(await api('GET', '/_matrix/client/v3/nope')).toMatchObject({ status: 404, body: { errcode: 'M_UNRECOGNIZED' } });
    expect(await api('DELETE', '/_matrix/client/v3/joined_rooms', { token })).toMatchObject({ status: 405, body: { errcode: 'M_UNRECOGNIZED' } });
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    expect(await api('PUT', sendPath(roomId, 'a'), { token, raw: '{nope' })).toMatchObject({ status: 400, body: { errcode: 'M_NOT_JSON' } });
    expect(await api('PUT', sendPath(roomId, 'b'), { token, raw: '[1]' })).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    expect(await api('GET', '/_matrix/client/v3/joined_rooms')).toMatchObject({ status: 401, body: { errcode: 'M_MISSING_TOKEN' } });
    expect(await api('GET', '/_matrix/client/v3/joined_rooms', { token: 'syt_bogus' }))
      .toMatchObject({ status: 401, body: { errcode: 'M_UNKNOWN_TOKEN', soft_logout: false } });
    expect(await send('!unknown:localhost', 'c')).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
  });

  it('logs in with the legacy user field, lists its flows, refuses unknown login types', async () => {
    expect((await api('GET', '/_matrix/client/v3/login')).body).toEqual({ flows: [{ type: 'm.login.password' }] });
    const legacy = await api('POST', '/_matrix/client/r0/login', { body: { type: 'm.login.password', user: 'vigie', password: 'bot-pw' } });
    expect(legacy.body).toMatchObject({ user_id: bot, home_server: 'localhost' });
    expect(await api('POST', '/_matrix/client/v3/login', { body: { type: 'm.login.sso' } })).toMatchObject({ status: 400, body: { errcode: 'M_UNKNOWN' } });
  });

  it('accepts a token in the query string but never logs it', async () => {
    expect((await api('GET', `/_matrix/client/v3/account/whoami?access_token=${token}`)).status).toBe(200);
    expect(JSON.stringify(hs.requests)).not.toContain(token);
    expect(hs.requests.at(-1)).toEqual({ method: 'GET', path: '/_matrix/client/v3/account/whoami', query: {}, userId: bot, status: 200 });
  });

  it('refuses an event larger than Synapse\'s 64 KiB PDU limit', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    const big = await api('PUT', sendPath(roomId, 'big'), { token, body: { msgtype: 'm.text', body: 'x'.repeat(65_000) } });
    expect(big).toMatchObject({ status: 413, body: { errcode: 'M_TOO_LARGE' } });
    expect((await api('PUT', sendPath(roomId, 'ok'), { token, body: { msgtype: 'm.text', body: 'x'.repeat(60_000) } })).status).toBe(200);
  });

  it('joins public rooms freely, invite-only rooms only when invited', async () => {
    const open = hs.createRoom({ creator: alice, public: true, alias: '#lobby:localhost' });
    expect((await api('POST', `/_matrix/client/v3/join/${encodeURIComponent('#lobby:localhost')}`, { token })).body).toEqual({ room_id: open });
    const closed = hs.createRoom({ creator: alice });
    expect(await api('POST', `/_matrix/client/v3/join/${encodeURIComponent(closed)}`, { token }))
      .toMatchObject({ status: 403, body: { error: 'You are not invited to this room.' } });
    expect((await api('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(open)}/joined_members`, { token })).body.joined)
      .toHaveProperty([bot]);
  });
});

describe('transactions', () => {
  beforeEach(() => start());

  it('scopes txnIds to the device: another device with the same txnId posts a new event', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    const other = hs.issueToken(bot, 'OTHERDEVICE');
    const a = await send(roomId, 'same');
    const b = await send(roomId, 'same', other);
    expect(a.body.event_id).not.toBe(b.body.event_id);
    // A new login on the same device keeps the scope (and revokes that device's old token).
    const relogin = hs.issueToken(bot, 'BOTDEVICE');
    expect((await send(roomId, 'same', relogin)).body.event_id).toBe(a.body.event_id);
    expect((await send(roomId, 'same', token)).status).toBe(401);
    expect(hs.messages(roomId)).toHaveLength(2);
  });

  it('remembers a txnId for a day', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    const first = await send(roomId, 'late');
    clock += 23 * 3600_000;
    expect((await send(roomId, 'late')).body.event_id).toBe(first.body.event_id);
    expect(hs.messages(roomId)).toHaveLength(1);
  });

  it('a lost answer (event sent, connection reset) is recovered by retrying the same txnId', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    hs.failNext(1, 'reset-after-send');
    await expect(send(roomId, 'crash')).rejects.toThrow();
    expect(hs.messages(roomId)).toHaveLength(1);
    expect((await send(roomId, 'crash')).body.event_id).toBe(hs.messages(roomId)[0]?.event_id);
    expect(hs.messages(roomId)).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('limits messages like Synapse: burst 10, then one per 5 s; refused and replayed sends cost nothing', async () => {
    await start();
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    for (let i = 0; i < 10; i++) expect((await send(roomId, `m${i}`)).status).toBe(200);
    const limited = await send(roomId, 'm10');
    expect(limited).toMatchObject({ status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 5000 } });
    expect(limited.headers.get('retry-after')).toBe('5');
    expect((await send(roomId, 'm3')).status).toBe(200);
    clock += 4999;
    expect((await send(roomId, 'm10')).status).toBe(429);
    clock += 1;
    expect((await send(roomId, 'm10')).status).toBe(200);
    expect((await send(roomId, 'm11')).status).toBe(429);
    expect(hs.messages(roomId)).toHaveLength(11);
  });

  it('does not count sends refused for permissions', async () => {
    await start({ messageRateLimit: { perSecond: 0.1, burst: 2 } });
    const roomId = hs.createRoom({ creator: alice, join: [bot], powerLevels: { events_default: 50 } });
    for (let i = 0; i < 3; i++) expect((await send(roomId, `no${i}`)).status).toBe(403);
    hs.setPowerLevels(roomId, { events_default: 0 });
    expect((await send(roomId, 'a')).status).toBe(200);
    expect((await send(roomId, 'b')).status).toBe(200);
    expect((await send(roomId, 'c')).status).toBe(429);
  });

  it('lets an admin lift a user\'s limit with Synapse\'s override_ratelimit, admin-only', async () => {
    await start();
    const path = `/_synapse/admin/v1/users/${encodeURIComponent(bot)}/override_ratelimit`;
    expect(await api('GET', path, { token })).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN', error: 'You are not a server admin' } });
    const admin = hs.issueToken(alice);
    expect((await api('GET', path, { token: admin })).body).toEqual({});
    expect((await api('POST', path, { token: admin, body: { messages_per_second: 0, burst_count: 0 } })).body)
      .toEqual({ messages_per_second: 0, burst_count: 0 });
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    for (let i = 0; i < 25; i++) expect((await send(roomId, `u${i}`)).status).toBe(200);
  });
});

describe('sync', () => {
  beforeEach(() => start());

  it('shows invites with their stripped state, then the joined room with our transaction id echoed', async () => {
    const roomId = hs.createRoom({ creator: alice, invite: [bot], encrypted: true, name: 'Ops' });
    const first = await api('GET', '/_matrix/client/v3/sync?timeout=0', { token });
    const invite = (first.body.rooms as { invite: Record<string, { invite_state: { events: Array<{ type: string }> } }> }).invite[roomId];
    expect(invite?.invite_state.events.map((e) => e.type)).toEqual(
      ['m.room.create', 'm.room.join_rules', 'm.room.name', 'm.room.encryption', 'm.room.member']);
    hs.join(bot, roomId);
    await send(roomId, 'echo');
    const next = await api('GET', `/_matrix/client/v3/sync?since=${String(first.body.next_batch)}&timeout=0`, { token });
    const joined = (next.body.rooms as { join: Record<string, { timeline: { events: Array<{ type: string; unsigned: { transaction_id?: string } }> } }> }).join[roomId];
    expect(joined?.timeline.events.at(-1)).toMatchObject({ type: 'm.room.message', unsigned: { transaction_id: 'echo' } });
  });

  it('long-polls until something happens', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    const start = await api('GET', '/_matrix/client/v3/sync?timeout=0', { token });
    const waiting = api('GET', `/_matrix/client/v3/sync?since=${String(start.body.next_batch)}&timeout=20000`, { token });
    await expect.poll(() => hs.requests.filter((r) => r.path.endsWith('/sync')).length, { timeout: WAIT_MS }).toBe(2);
    const sent = await api('PUT', sendPath(roomId, 'wake'), { token: hs.issueToken(alice), body: { body: 'hi' } });
    const answer = await waiting;
    expect(JSON.stringify(answer.body)).toContain(String(sent.body.event_id));
  });
});

describe('faults', () => {
  beforeEach(() => start());

  it('refuses connections while down, then answers again on the same port', async () => {
    await hs.setDown('refuse');
    await expect(fetch(`${hs.url}/_matrix/client/versions`)).rejects.toThrow();
    await hs.setDown(false);
    expect((await fetch(`${hs.url}/_matrix/client/versions`)).status).toBe(200);
  });

  it('answers like a reverse proxy with its HTML page when the backend is down', async () => {
    await hs.setDown(502);
    const res = await fetch(`${hs.url}/_matrix/client/versions`);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('502 Bad Gateway');
  });

  it('fails only the next N sends with the injected answer', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    hs.failNext(2, { status: 500, errcode: 'M_UNKNOWN', error: 'Internal server error' });
    expect((await api('GET', '/_matrix/client/v3/joined_rooms', { token })).status).toBe(200);
    expect((await send(roomId, 'a')).status).toBe(500);
    expect((await send(roomId, 'a')).status).toBe(500);
    expect((await send(roomId, 'a')).status).toBe(200);
    expect(hs.messages(roomId)).toHaveLength(1);
  });
});
