// What the client puts on the wire (paths, headers, bodies) and how it reads odd answers; undici's MockAgent plays the server.
import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { MatrixClient } from './client.js';
import { MatrixError } from './errors.js';

const BASE = 'https://matrix.example.org';

interface Seen { path: string; method: string; headers: Record<string, string>; body: string }

/** A server answering `reply` to every request, recording what it got. */
function server(reply: (seen: Seen) => { status: number; body: unknown; headers?: Record<string, string> }): { agent: MockAgent; seen: Seen[] } {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const seen: Seen[] = [];
  agent.get(BASE).intercept({ path: () => true, method: () => true }).reply((opts) => {
    const s: Seen = { path: opts.path, method: opts.method, headers: opts.headers as Record<string, string>, body: typeof opts.body === 'string' ? opts.body : '' };
    seen.push(s);
    const r = reply(s);
    const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    return { statusCode: r.status, data: body, responseOptions: { headers: { 'content-type': 'application/json', ...r.headers } } };
  }).persist();
  return { agent, seen };
}

describe('MatrixClient on the wire', () => {
  it('encodes every path segment and sends the token, User-Agent and JSON body', async () => {
    const { agent, seen } = server(() => ({ status: 200, body: { event_id: '$abc' } }));
    const client = new MatrixClient({ baseUrl: `${BASE}/`, accessToken: 'syt_token', dispatcher: agent });
    expect(await client.sendEvent('!room/x:example.org', 'm.room.message', 'row-42#1', { msgtype: 'm.text', body: 'hi' }))
      .toEqual({ eventId: '$abc' });
    expect(seen[0]).toMatchObject({
      method: 'PUT',
      path: '/_matrix/client/v3/rooms/!room%2Fx%3Aexample.org/send/m.room.message/row-42%231',
      body: '{"msgtype":"m.text","body":"hi"}',
    });
    expect(seen[0]?.headers).toMatchObject({ authorization: 'Bearer syt_token', 'content-type': 'application/json' });
    expect(seen[0]?.headers['user-agent']).toMatch(/^Vigie\//);
  });

  it('keeps the path of a homeserver served under a prefix, for each room and event type it sends to', async () => {
    const { agent, seen } = server(() => ({ status: 200, body: { event_id: '$e' } }));
    const client = new MatrixClient({ baseUrl: `${BASE}/matrix//`, accessToken: 't', dispatcher: agent });
    await client.sendEvent('!a:x', 'm.room.message', 't1', {});
    await client.sendEvent('!b:x', 'm.room.message', 't2', {});
    await client.sendEvent('!a:x', 'm.reaction', 't3', {});
    await client.sendEvent('!a:x', 'm.room.message', 't4', {});
    expect(seen.map((s) => s.path)).toEqual([
      '/matrix/_matrix/client/v3/rooms/!a%3Ax/send/m.room.message/t1',
      '/matrix/_matrix/client/v3/rooms/!b%3Ax/send/m.room.message/t2',
      '/matrix/_matrix/client/v3/rooms/!a%3Ax/send/m.reaction/t3',
      '/matrix/_matrix/client/v3/rooms/!a%3Ax/send/m.room.message/t4',
    ]);
    expect(client.baseUrl).toBe(`${BASE}/matrix`);
  });

  it('logs in with an m.id.user identifier and no Authorization header', async () => {
    const { agent, seen } = server(() => ({ status: 200, body: {
      user_id: '@vigie:example.org', access_token: 'syt_new', device_id: 'DEV',
      well_known: { 'm.homeserver': { base_url: 'https://matrix.example.org/' } },
    } }));
    const client = new MatrixClient({ baseUrl: BASE, accessToken: 'syt_old', dispatcher: agent });
    const result = await client.login({ user: 'vigie', password: 'pw', deviceName: 'Vigie', deviceId: 'DEV' });
    expect(result).toEqual({ accessToken: 'syt_new', userId: '@vigie:example.org', deviceId: 'DEV', wellKnownBaseUrl: 'https://matrix.example.org/' });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({
      type: 'm.login.password', identifier: { type: 'm.id.user', user: 'vigie' }, password: 'pw',
      initial_device_display_name: 'Vigie', device_id: 'DEV',
    });
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('asks /sync for invites with a tiny filter and no wait', async () => {
    const { agent, seen } = server(() => ({ status: 200, body: { next_batch: 's1', rooms: { invite: { '!a:x': {}, '!b:x': {} } } } }));
    const client = new MatrixClient({ baseUrl: BASE, accessToken: 't', dispatcher: agent });
    expect(await client.invitedRooms()).toEqual(['!a:x', '!b:x']);
    const url = new URL(seen[0]?.path ?? '', BASE);
    expect(url.pathname).toBe('/_matrix/client/v3/sync');
    expect(url.searchParams.get('timeout')).toBe('0');
    expect(JSON.parse(url.searchParams.get('filter') ?? '{}')).toMatchObject({ room: { timeline: { limit: 1 } }, presence: { not_types: ['*'] } });
  });

  it('reads the state event with an empty state key, and null for M_NOT_FOUND only', async () => {
    const { agent, seen } = server((s) => (s.path.includes('encryption')
      ? { status: 404, body: { errcode: 'M_NOT_FOUND', error: 'Event not found.' } }
      : { status: 404, body: { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' } }));
    const client = new MatrixClient({ baseUrl: BASE, accessToken: 't', dispatcher: agent });
    expect(await client.getStateEvent('!r:x', 'm.room.encryption')).toBeNull();
    expect(seen[0]?.path).toBe('/_matrix/client/v3/rooms/!r%3Ax/state/m.room.encryption/');
    await expect(client.getStateEvent('!r:x', 'm.room.power_levels')).rejects.toMatchObject({ errcode: 'M_UNRECOGNIZED' });
  });

  it('refuses to call an authenticated endpoint without a token, before any request', async () => {
    const { agent, seen } = server(() => ({ status: 200, body: {} }));
    await expect(new MatrixClient({ baseUrl: BASE, dispatcher: agent }).joinedRooms()).rejects.toMatchObject({ errcode: 'M_MISSING_TOKEN' });
    expect(seen).toHaveLength(0);
  });

  it('treats an answer missing its fields as a malformed server, not a success', async () => {
    const { agent } = server(() => ({ status: 200, body: { hello: 'world' } }));
    const client = new MatrixClient({ baseUrl: BASE, accessToken: 't', dispatcher: agent });
    await expect(client.sendEvent('!r:x', 'm.room.message', '1', {})).rejects.toThrow(MatrixError);
    await expect(client.versions()).rejects.toThrow('answered without versions');
  });

  it('reads the rate-limit override, null when none is set', async () => {
    const { agent, seen } = server(() => ({ status: 200, body: {} }));
    const client = new MatrixClient({ baseUrl: BASE, accessToken: 't', dispatcher: agent });
    expect(await client.getRateLimitOverride('@vigie:example.org')).toBeNull();
    expect(seen[0]?.path).toBe('/_synapse/admin/v1/users/%40vigie%3Aexample.org/override_ratelimit');
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(() => new MatrixClient({ baseUrl: 'matrix.example.org' })).toThrow('invalid homeserver URL');
    expect(() => new MatrixClient({ baseUrl: 'ftp://matrix.example.org' })).toThrow('only http and https');
  });
});

describe('MatrixClient.uploadSigningKeys', () => {
  const keys = { master_key: { user_id: '@bot:example.org', usage: ['master'], keys: { 'ed25519:M': 'M' } } };
  const login = { user: '@bot:example.org', password: 'pw-not-in-errors' };

  it('answers the password challenge with the session the server gave, and never puts the password in an error', async () => {
    const { agent, seen } = server((s) => {
      const auth = (JSON.parse(s.body) as { auth?: { session?: string; password?: string } }).auth;
      if (!auth) return { status: 401, body: { flows: [{ stages: ['m.login.password'] }], params: {}, session: 'S1' } };
      return auth.password === login.password && auth.session === 'S1'
        ? { status: 200, body: {} }
        : { status: 401, body: { errcode: 'M_FORBIDDEN', error: 'Invalid password', session: 'S1' } };
    });
    const client = new MatrixClient({ baseUrl: BASE, accessToken: 'syt_token', dispatcher: agent });
    await client.uploadSigningKeys(keys, login);
    expect(seen.map((s) => JSON.parse(s.body) as object)).toEqual([keys, {
      ...keys, auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: login.user }, password: login.password, session: 'S1' },
    }]);
    const wrong = await client.uploadSigningKeys(keys, { ...login, password: 'other-secret' }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ errcode: 'M_FORBIDDEN', status: 401 });
    expect(String(wrong)).not.toContain('other-secret');
  });

  it('says what to do when the account is managed elsewhere and the server wants another step than the password', async () => {
    const { agent, seen } = server(() => ({ status: 401, body: { flows: [{ stages: ['org.matrix.cross_signing_reset'] }], params: {}, session: 'S2' } }));
    const client = new MatrixClient({ baseUrl: BASE, accessToken: 'syt_token', dispatcher: agent });
    await expect(client.uploadSigningKeys(keys, login)).rejects.toThrow(/asks for org.matrix.cross_signing_reset instead of the password .* approve the cross-signing reset/);
    expect(seen).toHaveLength(1);
  });
});
