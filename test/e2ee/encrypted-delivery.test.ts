// An independent client (matrix-js-sdk, Element's SDK) decrypts every alert Vigie sends into an encrypted room:
// on two devices, after Vigie restarts, for a device or member that joins later, and never for a member who left.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLAIN_STATE_TTL_MS } from '../../src/crypto/encrypting-sender.js';
import { captureLogger } from '../support/delivery.js';
import { startTestVigie, type TestVigie } from '../support/e2ee-vigie.js';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import { startJsSdkClient, type JsSdkClient } from '../support/js-sdk-client.js';

let hs: TestHomeserver;
let bot: string;
let botToken: string;
let alice: string;
let roomId: string;
let path: string;
const clients: JsSdkClient[] = [];
const vigies: TestVigie[] = [];

async function client(userId: string, deviceId: string): Promise<JsSdkClient> {
  const c = await startJsSdkClient(hs.url, userId, deviceId, hs.issueToken(userId, deviceId));
  clients.push(c);
  return c;
}

function vigie(options: { passphrase?: string | false; plaintextAllowed?: string[]; now?: () => number } = {}): TestVigie {
  const v = startTestVigie({ homeserver: hs.url, accessToken: botToken, path, logger: captureLogger('warn').logger, ...options });
  vigies.push(v);
  return v;
}

/** What each client decrypted for these rows, in order. */
async function bodiesSeenBy(c: JsSdkClient, rows: Array<{ eventId: string | null }>): Promise<unknown[]> {
  const contents = await Promise.all(rows.map((row) => c.decrypted(row.eventId ?? '')));
  return contents.map((content) => content.body);
}

/** The raw event as the homeserver stores it, for a client that never saw it. */
function rawEvent(eventId: string | null): Record<string, unknown> {
  const entry = hs.timeline(roomId).find((ev) => ev.event_id === eventId);
  if (!entry) throw new Error(`no event ${eventId} in ${roomId}`);
  return { ...entry, room_id: roomId };
}

beforeEach(async () => {
  hs = await startHomeserver({ messageRateLimit: false });
  bot = hs.registerUser('vigie', 'bot-pw');
  alice = hs.registerUser('alice', 'alice-pw');
  botToken = hs.issueToken(bot, 'VIGIEBOT');
  roomId = hs.createRoom({ creator: alice, join: [bot], encrypted: true, name: 'ops' });
  path = join(mkdtempSync(join(tmpdir(), 'vigie-e2ee-')), 'vigie.db');
});
afterEach(async () => {
  for (const v of vigies.splice(0)) await v.stop();
  for (const c of clients.splice(0)) c.stop();
  await hs.close();
});

describe('alerts in an encrypted room', () => {
  it('reach both of a member\'s devices encrypted, each decrypting every alert; nothing is ever sent in clear', async () => {
    const [phone, laptop] = [await client(alice, 'ALICEPHONE'), await client(alice, 'ALICELAPTOP')];
    const rows = await vigie().deliver(roomId, '🚨 web down', '✅ web up', '🚨 db down');

    expect(await bodiesSeenBy(phone, rows)).toEqual(['🚨 web down', '✅ web up', '🚨 db down']);
    expect(await bodiesSeenBy(laptop, rows)).toEqual(['🚨 web down', '✅ web up', '🚨 db down']);
    const sent = hs.messages(roomId);
    expect(sent.map((ev) => ev.type)).toEqual(['m.room.encrypted', 'm.room.encrypted', 'm.room.encrypted']);
    // The outbox row's txnId is the one the homeserver saw: a retry could only ever repeat it.
    expect(sent.map((ev) => ev.txnId)).toEqual(rows.map((row) => row.txnId));
    expect(JSON.stringify(sent)).not.toContain('web down');
  });

  it('are still decrypted after Vigie restarts: same device, same identity keys, restored from the database', async () => {
    const phone = await client(alice, 'ALICEPHONE');
    const first = vigie();
    const before = await first.deliver(roomId, 'before restart');
    expect(await bodiesSeenBy(phone, before)).toEqual(['before restart']);
    const keysBefore = (await phone.client.getCrypto()?.getUserDeviceInfo([bot]))?.get(bot)?.get('VIGIEBOT')?.getIdentityKey();
    await first.stop();
    vigies.splice(vigies.indexOf(first), 1);

    const after = await vigie().deliver(roomId, 'after restart');
    expect(await bodiesSeenBy(phone, after)).toEqual(['after restart']);
    const keysAfter = (await phone.client.getCrypto()?.getUserDeviceInfo([bot], true))?.get(bot)?.get('VIGIEBOT')?.getIdentityKey();
    expect(keysAfter).toBeDefined();
    expect(keysAfter).toBe(keysBefore);
  });

  it('reach a device that logs in later and a member who joins later', async () => {
    const v = vigie();
    const phone = await client(alice, 'ALICEPHONE');
    await v.deliver(roomId, 'only the phone');
    const tablet = await client(alice, 'ALICETABLET');
    const carol = hs.registerUser('carol', 'carol-pw');
    hs.join(carol, roomId);
    const carolPhone = await client(carol, 'CAROLPHONE');

    const rows = await v.deliver(roomId, 'everyone now');
    for (const c of [phone, tablet, carolPhone]) expect(await bodiesSeenBy(c, rows)).toEqual(['everyone now']);
  });

  it('are not readable by a member who left: their devices get no new room key', async () => {
    const v = vigie();
    const phone = await client(alice, 'ALICEPHONE');
    const carol = hs.registerUser('carol', 'carol-pw');
    hs.join(carol, roomId);
    const carolPhone = await client(carol, 'CAROLPHONE');
    const shared = await v.deliver(roomId, 'carol is here');
    expect(await bodiesSeenBy(carolPhone, shared)).toEqual(['carol is here']);

    hs.leave(carol, roomId);
    const leftAt = hs.toDeviceLog.length;
    const secret = await v.deliver(roomId, 'carol has left');
    expect(await bodiesSeenBy(phone, secret)).toEqual(['carol has left']);
    expect(hs.toDeviceLog.slice(leftAt).filter((m) => m.recipient === carol)).toEqual([]);
    // The same way of decrypting works for what she was sent while a member, and not for what came after.
    expect((await carolPhone.tryDecrypt(rawEvent(shared[0]?.eventId ?? null))).content).toMatchObject({ body: 'carol is here' });
    const attempt = await carolPhone.tryDecrypt(rawEvent(secret[0]?.eventId ?? null));
    expect(attempt.content).toBeUndefined();
    expect(attempt.failure).toBe('MEGOLM_UNKNOWN_INBOUND_SESSION_ID');
  });
});

describe('a room that is or becomes encrypted', () => {
  it('gets plaintext while plain, then encrypted alerts once it turns encrypted (the state is read again after a second)', async () => {
    roomId = hs.createRoom({ creator: alice, join: [bot] });
    let clock = Date.now();
    const v = vigie({ now: () => clock });
    const phone = await client(alice, 'ALICEPHONE');
    await v.deliver(roomId, 'plain');
    hs.setEncrypted(roomId);
    clock += PLAIN_STATE_TTL_MS;
    const rows = await v.deliver(roomId, 'secret');
    expect(hs.messages(roomId).map((ev) => ev.type)).toEqual(['m.room.message', 'm.room.encrypted']);
    expect(await bodiesSeenBy(phone, rows)).toEqual(['secret']);
  });

  it('never gets plaintext when Vigie cannot encrypt: the room is parked and its alerts kept, unless the room allows it', async () => {
    const v = vigie({ passphrase: false });
    v.outbox.enqueue([{ roomId, eventType: 'm.room.message', content: { msgtype: 'm.text', body: 'kept' } }]);
    const parked = new Promise<{ reason: string }>((resolve) => v.deliverer.once('parked', resolve));
    v.deliverer.wake(roomId);
    expect((await parked).reason).toContain('encryption is not configured');
    expect(hs.messages(roomId)).toEqual([]);
    expect(v.outbox.depth().total).toBe(1);
    await v.stop();
    vigies.splice(vigies.indexOf(v), 1);

    await vigie({ passphrase: false, plaintextAllowed: [roomId] }).deliver(roomId, 'allowed in clear');
    expect(hs.messages(roomId).map((ev) => ev.type)).toEqual(['m.room.message', 'm.room.message']);
  });
});

describe('delivery guarantees through encryption', () => {
  it('a send whose answer is lost is re-encrypted with the same txnId: the room gets it once, readable', async () => {
    const phone = await client(alice, 'ALICEPHONE');
    hs.failNext(1, 'reset-after-send');
    const rows = await vigie().deliver(roomId, 'answer lost');
    const sent = hs.messages(roomId);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.txnId).toBe(rows[0]?.txnId);
    expect(rows[0]?.attempts).toBe(2);
    expect(await bodiesSeenBy(phone, rows)).toEqual(['answer lost']);
  });

  it('a rate limit or an outage keeps the alert queued, then it goes out encrypted', async () => {
    const phone = await client(alice, 'ALICEPHONE');
    hs.failNext(1, { status: 429, errcode: 'M_LIMIT_EXCEEDED', retryAfterMs: 20 });
    hs.failNext(1, { status: 502 });
    const rows = await vigie().deliver(roomId, 'after the storm');
    expect(hs.messages(roomId).map((ev) => ev.type)).toEqual(['m.room.encrypted']);
    expect(await bodiesSeenBy(phone, rows)).toEqual(['after the storm']);
  });
});
