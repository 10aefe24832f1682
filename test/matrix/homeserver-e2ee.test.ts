// The test homeserver's E2EE endpoints follow the spec as Synapse serves it: keys, claims, to-device, device lists, UIA.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';

let hs: TestHomeserver;
let bot: string;
let alice: string;
let botToken: string;
let aliceToken: string;

beforeEach(async () => {
  hs = await startHomeserver({ messageRateLimit: false });
  bot = hs.registerUser('vigie', 'bot-pw');
  alice = hs.registerUser('alice', 'alice-pw');
  botToken = hs.issueToken(bot, 'BOTDEVICE');
  aliceToken = hs.issueToken(alice, 'ALICEPHONE');
});
afterEach(async () => {
  await hs.close();
});

type Json = Record<string, unknown>;

async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${hs.url}/_matrix/client/v3${path}`, {
    method, headers: { authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() as Json };
}

const deviceKeys = (userId: string, deviceId: string): Json => ({
  user_id: userId, device_id: deviceId, algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
  keys: { [`curve25519:${deviceId}`]: `curve-${deviceId}`, [`ed25519:${deviceId}`]: `ed-${deviceId}` },
  signatures: { [userId]: { [`ed25519:${deviceId}`]: 'sig' } },
});

async function sync(token: string, since?: string): Promise<Json> {
  const query = since === undefined ? '?timeout=0' : `?timeout=0&since=${since}`;
  return (await api('GET', `/sync${query}`, token)).body;
}

describe('keys', () => {
  it('uploads device and one-time keys, counts them, and hands each one-time key out once, then the fallback key', async () => {
    const upload = await api('POST', '/keys/upload', aliceToken, {
      device_keys: deviceKeys(alice, 'ALICEPHONE'),
      one_time_keys: { 'signed_curve25519:AAAAAQ': { key: 'otk1' } },
      fallback_keys: { 'signed_curve25519:AAAAAg': { key: 'fb', fallback: true } },
    });
    expect(upload).toEqual({ status: 200, body: { one_time_key_counts: { signed_curve25519: 1 } } });
    expect(await sync(aliceToken)).toMatchObject({ device_one_time_keys_count: { signed_curve25519: 1 }, device_unused_fallback_key_types: ['signed_curve25519'] });

    const query = await api('POST', '/keys/query', botToken, { device_keys: { [alice]: [] } });
    expect(query.body.device_keys).toEqual({ [alice]: { ALICEPHONE: { ...deviceKeys(alice, 'ALICEPHONE'), unsigned: {} } } });

    const claim = (): Promise<{ body: Json }> => api('POST', '/keys/claim', botToken, { one_time_keys: { [alice]: { ALICEPHONE: 'signed_curve25519' } } });
    expect((await claim()).body.one_time_keys).toEqual({ [alice]: { ALICEPHONE: { 'signed_curve25519:AAAAAQ': { key: 'otk1' } } } });
    expect((await claim()).body.one_time_keys).toEqual({ [alice]: { ALICEPHONE: { 'signed_curve25519:AAAAAg': { key: 'fb', fallback: true } } } });
    expect(await sync(aliceToken)).toMatchObject({ device_one_time_keys_count: { signed_curve25519: 0 }, device_unused_fallback_key_types: [] });
  });

  it('refuses device keys for another device, and a one-time key id reused with other content', async () => {
    expect((await api('POST', '/keys/upload', aliceToken, { device_keys: deviceKeys(alice, 'OTHER') })).status).toBe(400);
    await api('POST', '/keys/upload', aliceToken, { one_time_keys: { 'signed_curve25519:A': { key: 'x' } } });
    expect((await api('POST', '/keys/upload', aliceToken, { one_time_keys: { 'signed_curve25519:A': { key: 'x' } } })).status).toBe(200);
    expect((await api('POST', '/keys/upload', aliceToken, { one_time_keys: { 'signed_curve25519:A': { key: 'y' } } })).status).toBe(400);
  });

  it('takes first cross-signing keys as they come, asks for the password (user-interactive auth) to replace them, and serves and signs them', async () => {
    const first0 = { user_id: bot, usage: ['master'], keys: { 'ed25519:FIRSTPUB': 'FIRSTPUB' } };
    expect(await api('POST', '/keys/device_signing/upload', botToken, { master_key: first0 })).toEqual({ status: 200, body: {} });
    const master = { user_id: bot, usage: ['master'], keys: { 'ed25519:MASTERPUB': 'MASTERPUB' } };
    const body = { master_key: master, self_signing_key: { user_id: bot, usage: ['self_signing'], keys: { 'ed25519:SSK': 'SSK' } } };
    const first = await api('POST', '/keys/device_signing/upload', botToken, body);
    expect(first).toMatchObject({ status: 401, body: { flows: [{ stages: ['m.login.password'] }], params: {} } });
    expect(first.body.errcode).toBeUndefined();
    const session = first.body.session as string;
    const identifier = { type: 'm.id.user', user: 'vigie' };
    const wrong = await api('POST', '/keys/device_signing/upload', botToken, { ...body, auth: { type: 'm.login.password', identifier, password: 'nope', session } });
    expect(wrong).toMatchObject({ status: 401, body: { errcode: 'M_FORBIDDEN', session } });
    const ok = await api('POST', '/keys/device_signing/upload', botToken, { ...body, auth: { type: 'm.login.password', identifier, password: 'bot-pw', session } });
    expect(ok).toEqual({ status: 200, body: {} });

    await api('POST', '/keys/upload', botToken, { device_keys: deviceKeys(bot, 'BOTDEVICE') });
    const signed = { ...deviceKeys(bot, 'BOTDEVICE'), signatures: { [bot]: { 'ed25519:SSK': 'cross-sig' } } };
    expect(await api('POST', '/keys/signatures/upload', botToken, { [bot]: { BOTDEVICE: signed, NOPE: signed } }))
      .toMatchObject({ status: 200, body: { failures: { [bot]: { NOPE: { errcode: 'M_INVALID_SIGNATURE' } } } } });
    const query = await api('POST', '/keys/query', aliceToken, { device_keys: { [bot]: [] } });
    expect(query.body).toMatchObject({ master_keys: { [bot]: master }, user_signing_keys: {} });
    const device = (query.body.device_keys as Record<string, Record<string, Json>>)[bot]?.BOTDEVICE;
    expect(device?.signatures).toEqual({ [bot]: { 'ed25519:BOTDEVICE': 'sig', 'ed25519:SSK': 'cross-sig' } });
  });
});

describe('to-device and device lists', () => {
  it('delivers to-device messages once per txnId, to one device or all (*), until the device syncs past them', async () => {
    const aliceLaptop = hs.issueToken(alice, 'ALICELAPTOP');
    await api('POST', '/keys/upload', aliceToken, { device_keys: deviceKeys(alice, 'ALICEPHONE') });
    await api('POST', '/keys/upload', aliceLaptop, { device_keys: deviceKeys(alice, 'ALICELAPTOP') });
    const messages = { [alice]: { '*': { hello: 'all' } } };
    await api('PUT', '/sendToDevice/m.room.encrypted/t1', botToken, { messages });
    await api('PUT', '/sendToDevice/m.room.encrypted/t1', botToken, { messages });
    await api('PUT', '/sendToDevice/m.room.encrypted/t2', botToken, { messages: { [alice]: { ALICEPHONE: { hello: 'phone' } } } });

    const first = await sync(aliceToken);
    expect(first.to_device).toEqual({ events: [
      { sender: bot, type: 'm.room.encrypted', content: { hello: 'all' } },
      { sender: bot, type: 'm.room.encrypted', content: { hello: 'phone' } },
    ] });
    expect(await sync(aliceToken)).toMatchObject({ to_device: { events: [{}, {}] } });
    expect(await sync(aliceToken, first.next_batch as string)).toMatchObject({ to_device: { events: [] } });
    expect((await sync(aliceLaptop)).to_device).toEqual({ events: [{ sender: bot, type: 'm.room.encrypted', content: { hello: 'all' } }] });
    expect(hs.toDeviceLog.map((m) => m.recipientDevice).sort()).toEqual(['ALICELAPTOP', 'ALICEPHONE', 'ALICEPHONE']);
  });

  it('reports members whose keys changed or who joined as changed, and members we no longer share a room with as left', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot], encrypted: true });
    const start = (await sync(botToken)).next_batch as string;
    await api('POST', '/keys/upload', aliceToken, { device_keys: deviceKeys(alice, 'ALICEPHONE') });
    const changed = await sync(botToken, start);
    expect(changed.device_lists).toEqual({ changed: [alice], left: [] });

    const carol = hs.registerUser('carol', 'carol-pw');
    hs.join(carol, roomId);
    const joined = await sync(botToken, changed.next_batch as string);
    expect(joined.device_lists).toEqual({ changed: [carol], left: [] });

    hs.leave(carol, roomId);
    const left = await sync(botToken, joined.next_batch as string);
    expect(left.device_lists).toEqual({ changed: [], left: [carol] });
    expect((await sync(botToken, left.next_batch as string)).device_lists).toEqual({ changed: [], left: [] });
  });

  it('wakes a long-polling sync when a to-device message arrives', async () => {
    const since = (await sync(aliceToken)).next_batch as string;
    const polling = api('GET', `/sync?timeout=10000&since=${since}`, aliceToken);
    await api('PUT', '/sendToDevice/m.test/t1', botToken, { messages: { [alice]: { ALICEPHONE: { n: 1 } } } });
    expect((await polling).body.to_device).toEqual({ events: [{ sender: bot, type: 'm.test', content: { n: 1 } }] });
  });

  it('accepts m.room.encrypted events in rooms', async () => {
    const roomId = hs.createRoom({ creator: alice, join: [bot], encrypted: true });
    const content = { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'AwgA', sender_key: 'k', device_id: 'BOTDEVICE', session_id: 's' };
    const sent = await api('PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/e1`, botToken, content);
    expect(sent.status).toBe(200);
    expect(hs.messages(roomId)).toMatchObject([{ type: 'm.room.encrypted', content, txnId: 'e1' }]);
  });
});
