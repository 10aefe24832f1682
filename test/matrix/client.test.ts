// The Matrix client against the in-process homeserver: login, rooms, state, idempotent sends, rate limits, typed errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MatrixClient } from '../../src/matrix/client.js';
import { MatrixError, MatrixNetworkError } from '../../src/matrix/errors.js';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';

let hs: TestHomeserver;
let bot: string;
let alice: string;
let token: string;

beforeEach(async () => {
  // The homeserver's clock stands still: its rate limiters answer the same however long this machine takes to send.
  const now = Date.now();
  hs = await startHomeserver({ now: () => now });
  bot = hs.registerUser('vigie', 'bot-password');
  alice = hs.registerUser('alice', 'alice-password');
  token = hs.issueToken(bot);
});
afterEach(async () => {
  await hs.close();
});

const client = (accessToken: string | undefined = token, timeoutMs?: number): MatrixClient =>
  new MatrixClient({ baseUrl: `${hs.url}/`, accessToken, timeoutMs });

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('login and identity', () => {
  it('logs in with a localpart or a full user id, and the token works', async () => {
    const byLocalpart = await client(undefined).login({ user: 'vigie', password: 'bot-password', deviceName: 'Vigie' });
    expect(byLocalpart.userId).toBe('@vigie:localhost');
    expect(byLocalpart.accessToken).toMatch(/^syt_/);
    expect(byLocalpart.deviceId).not.toBe('');
    const byFullId = await client(undefined).login({ user: '@vigie:localhost', password: 'bot-password', deviceId: 'VIGIEBOT' });
    expect(byFullId.deviceId).toBe('VIGIEBOT');
    expect(await client(byFullId.accessToken).whoami()).toEqual({ userId: '@vigie:localhost', deviceId: 'VIGIEBOT' });
  });

  it('refuses a wrong password with M_FORBIDDEN, and never shows the password', async () => {
    const err = await caught(client(undefined).login({ user: 'vigie', password: 'not-the-password' }));
    expect(err).toBeInstanceOf(MatrixError);
    expect(err).toMatchObject({ errcode: 'M_FORBIDDEN', status: 403, isPermanent: true });
    expect(err.message).toContain('Invalid username or password');
    expect(err.message).not.toContain('not-the-password');
  });

  it('rate-limits logins like Synapse (burst 3) with a retry delay', async () => {
    const c = client(undefined);
    for (let i = 0; i < 3; i++) await c.login({ user: 'vigie', password: 'bot-password' });
    const err = await caught(c.login({ user: 'vigie', password: 'bot-password' }));
    expect(err).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED', status: 429, isRateLimit: true, isPermanent: false });
    expect((err as MatrixError).retryAfterMs).toBeGreaterThan(0);
    expect((err as MatrixError).retryAfterMs).toBeLessThanOrEqual(Math.ceil(1000 / 0.17));
  });

  it('gives the well-known base URL from the login answer when the server advertises one', async () => {
    const withWellKnown = await startHomeserver({ wellKnown: true });
    try {
      withWellKnown.registerUser('vigie', 'pw');
      const result = await new MatrixClient({ baseUrl: withWellKnown.url }).login({ user: 'vigie', password: 'pw' });
      expect(result.wellKnownBaseUrl).toBe(withWellKnown.url);
    } finally {
      await withWellKnown.close();
    }
  });

  it('reports a revoked token as M_UNKNOWN_TOKEN, permanent, without the token in the message', async () => {
    hs.revokeToken(token);
    const err = await caught(client().whoami());
    expect(err).toMatchObject({ errcode: 'M_UNKNOWN_TOKEN', status: 401, isPermanent: true });
    expect(err.message).toContain('log in again');
    expect(err.message).not.toContain(token);
  });

  it('lists the spec versions without a token', async () => {
    expect((await client(undefined).versions()).versions).toEqual(['r0.6.1', 'v1.1', 'v1.2']);
  });
});

describe('rooms', () => {
  it('resolves an alias, joins an invited room and lists it', async () => {
    const roomId = hs.createRoom({ creator: alice, alias: 'ops', invite: [bot] });
    const c = client();
    expect(await c.invitedRooms()).toEqual([roomId]);
    expect(await c.resolveAlias('#ops:localhost')).toEqual({ roomId, servers: ['localhost'] });
    expect(await c.joinRoom('#ops:localhost')).toEqual({ roomId });
    expect(await c.joinedRooms()).toEqual([roomId]);
    expect(await c.invitedRooms()).toEqual([]);
  });

  it('cannot join a room without an invite, and an unknown alias is M_NOT_FOUND', async () => {
    const roomId = hs.createRoom({ creator: alice });
    expect(await caught(client().joinRoom(roomId))).toMatchObject({ errcode: 'M_FORBIDDEN', isPermanent: true });
    expect(await caught(client().resolveAlias('#nope:localhost'))).toMatchObject({ errcode: 'M_NOT_FOUND', status: 404 });
  });

  it('reads power levels and encryption state, null when unset', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot], powerLevels: { events_default: 50 } });
    const c = client();
    const levels = await c.getStateEvent<{ events_default: number; users: Record<string, number> }>(roomId, 'm.room.power_levels');
    expect(levels?.events_default).toBe(50);
    expect(levels?.users[alice]).toBe(100);
    expect(await c.getStateEvent(roomId, 'm.room.encryption')).toBeNull();
    hs.setEncrypted(roomId);
    expect(await c.getStateEvent(roomId, 'm.room.encryption')).toEqual({ algorithm: 'm.megolm.v1.aes-sha2' });
  });

  it('reads the state of a room it is not in as M_FORBIDDEN, not as "unset"', async () => {
    const roomId = hs.createRoom({ creator: alice });
    expect(await caught(client().getStateEvent(roomId, 'm.room.power_levels'))).toMatchObject({ errcode: 'M_FORBIDDEN', status: 403 });
  });
});

describe('sending', () => {
  let roomId: string;
  beforeEach(() => {
    roomId = hs.createRoom({ creator: alice, join: [bot] });
  });
  const message = (body: string) => ({ msgtype: 'm.text', body });

  it('sends once per txnId: a retry with the same txnId gets the same event and posts nothing', async () => {
    const c = client();
    const first = await c.sendEvent(roomId, 'm.room.message', 'outbox-1', message('🔴 Down'));
    const again = await c.sendEvent(roomId, 'm.room.message', 'outbox-1', message('🔴 Down'));
    expect(again.eventId).toBe(first.eventId);
    expect(first.eventId).toMatch(/^\$/);
    expect(hs.messages(roomId).map((m) => m.content.body)).toEqual(['🔴 Down']);
    expect(hs.messages(roomId)[0]?.txnId).toBe('outbox-1');
  });

  it('encodes room ids and txnIds with reserved characters', async () => {
    const c = client();
    const { eventId } = await c.sendEvent(roomId, 'm.room.message', 'a/b?c#d e', message('x'));
    expect(hs.messages(roomId)[0]).toMatchObject({ event_id: eventId, txnId: 'a/b?c#d e' });
    const send = hs.requests.find((r) => r.method === 'PUT');
    expect(send?.path).toContain(`/rooms/${encodeURIComponent(roomId)}/send/m.room.message/a%2Fb%3Fc%23d%20e`);
  });

  it('gets 429 after a burst of 10, with retryAfterMs from the body and the Retry-After header', async () => {
    const c = client();
    for (let i = 0; i < 10; i++) await c.sendEvent(roomId, 'm.room.message', `t${i}`, message(`m${i}`));
    const err = await caught(c.sendEvent(roomId, 'm.room.message', 't10', message('m10')));
    expect(err).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED', status: 429, isRateLimit: true, isPermanent: false });
    const retryAfterMs = (err as MatrixError).retryAfterMs ?? 0;
    expect(retryAfterMs).toBe(5_000); // Synapse's 0.2/s: the next message in 5 s
    expect(hs.messages(roomId)).toHaveLength(10);
    // A replay of an already-sent txnId is not limited: it is answered from the transaction cache.
    expect((await c.sendEvent(roomId, 'm.room.message', 't3', message('m3'))).eventId).toBe(hs.messages(roomId)[3]?.event_id);
  });

  it('takes retryAfterMs from the Retry-After header when the body has none', async () => {
    hs.failNext(1, { status: 429, errcode: 'M_LIMIT_EXCEEDED', error: 'Slow down' });
    hs.failNext(1, { status: 503, retryAfterMs: 7000 });
    const first = await caught(client().sendEvent(roomId, 'm.room.message', 'x', message('x')));
    expect(first).toMatchObject({ isRateLimit: true, retryAfterMs: undefined });
    const second = await caught(client().sendEvent(roomId, 'm.room.message', 'x', message('x')));
    expect(second).toMatchObject({ errcode: 'M_UNKNOWN', status: 503, retryAfterMs: 7000, isPermanent: false });
  });

  it('types permanent refusals: not in the room, power level too low', async () => {
    const elsewhere = hs.createRoom({ creator: alice });
    const notIn = await caught(client().sendEvent(elsewhere, 'm.room.message', 'a', message('x')));
    expect(notIn).toMatchObject({ errcode: 'M_FORBIDDEN', status: 403, isPermanent: true });
    expect(notIn.message).toContain(`not in room ${elsewhere}`);
    hs.setPowerLevels(roomId, { events: { 'm.room.message': 50 } });
    const tooLow = await caught(client().sendEvent(roomId, 'm.room.message', 'b', message('x')));
    expect(tooLow).toMatchObject({ errcode: 'M_FORBIDDEN', isPermanent: true });
    expect(tooLow.message).toContain('user_level (0) < send_level (50)');
    expect(tooLow.message).toContain(`sending m.room.message to ${roomId}`);
  });

  it('turns a reverse proxy\'s HTML error page into M_UNKNOWN with the page text', async () => {
    await hs.setDown(502);
    const err = await caught(client().sendEvent(roomId, 'm.room.message', 'a', message('x')));
    expect(err).toBeInstanceOf(MatrixError);
    expect(err).toMatchObject({ errcode: 'M_UNKNOWN', status: 502, isPermanent: false });
    expect(err.message).toContain(`HTTP 502 from ${new URL(hs.url).host}: 502 Bad Gateway`);
    expect(err.message).not.toContain('<');
  });
});

describe('no answer at all', () => {
  it('a refused connection is a MatrixNetworkError naming the host and the cause', async () => {
    const host = new URL(hs.url).host;
    await hs.setDown('refuse');
    const err = await caught(client().whoami());
    expect(err).toBeInstanceOf(MatrixNetworkError);
    expect(err.message).toBe(`could not reach ${host}: connect ECONNREFUSED ${host}`);
    await hs.setDown(false);
    expect((await client().whoami()).userId).toBe(bot);
  });

  it('a reset connection and a hanging server are network errors too', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    hs.failNext(1, 'reset');
    const reset = await caught(client().sendEvent(roomId, 'm.room.message', 'a', { body: 'x' }));
    expect(reset).toBeInstanceOf(MatrixNetworkError);
    hs.failNext(1, 'hang');
    const hung = await caught(client(token, 300).sendEvent(roomId, 'm.room.message', 'a', { body: 'x' }));
    expect(hung).toBeInstanceOf(MatrixNetworkError);
    expect(hung.message).toBe(`${new URL(hs.url).host} gave no answer within 300ms`);
    expect(hs.messages(roomId)).toHaveLength(0);
  });

  it('a caller\'s abort is thrown as the caller\'s reason, not as a network error', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    hs.failNext(1, 'hang');
    const controller = new AbortController();
    const sending = caught(client().sendEvent(roomId, 'm.room.message', 'a', { body: 'x' }, controller.signal));
    controller.abort(new Error('shutting down'));
    expect((await sending).message).toBe('shutting down');
  });

  it('never puts the access token in any error message', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot] });
    const c = client();
    const errors: Error[] = [];
    hs.failNext(1, { status: 500, errcode: 'M_UNKNOWN', error: `echo ${token}` });
    errors.push(await caught(c.sendEvent(roomId, 'm.room.message', 'a', { body: 'x' })));
    hs.failNext(1, 'reset');
    errors.push(await caught(c.sendEvent(roomId, 'm.room.message', 'b', { body: 'x' })));
    hs.revokeToken(token);
    errors.push(await caught(c.sendEvent(roomId, 'm.room.message', 'c', { body: 'x' })));
    await hs.setDown('refuse');
    errors.push(await caught(c.joinedRooms()));
    for (const err of errors) {
      expect(err.message).not.toContain(token);
      expect(String(err.stack)).not.toContain(token);
    }
    expect(errors[0]?.message).toContain('echo [redacted]');
  });
});
