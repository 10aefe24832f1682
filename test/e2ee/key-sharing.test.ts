// Room keys reach every device even when sending them fails: the next attempt sends what is missing before encrypting.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { E2ee } from '../../src/crypto/olm-machine.js';
import type { CryptoApi } from '../../src/crypto/outgoing.js';
import { readRoomEncryption, type RoomEncryption } from '../../src/crypto/room-encryption.js';
import { silentLogger } from '../../src/logging.js';
import { MatrixClient } from '../../src/matrix/client.js';
import { MatrixNetworkError } from '../../src/matrix/errors.js';
import { openDatabase } from '../../src/store/db.js';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import { startJsSdkClient, type JsSdkClient } from '../support/js-sdk-client.js';

let hs: TestHomeserver;
let phone: JsSdkClient;
let e2ee: E2ee | undefined;

beforeEach(async () => {
  hs = await startHomeserver({ messageRateLimit: false });
});
afterEach(async () => {
  await e2ee?.close();
  phone.stop();
  await hs.close();
});

/** The client's calls, with to-device sends failing (no answer) the first `failures` times. */
function flakyToDevice(client: MatrixClient, failures: number): CryptoApi {
  let left = failures;
  return new Proxy(client, {
    get(target, name) {
      if (name === 'sendToDevice') {
        return (...args: Parameters<MatrixClient['sendToDevice']>) => {
          if (left-- > 0) return Promise.reject(new MatrixNetworkError('connection reset while sending room keys'));
          return target.sendToDevice(...args);
        };
      }
      const value: unknown = Reflect.get(target, name);
      // Bound, so the client's private fields are reached through the real object, not the proxy.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('room key sharing', () => {
  it('sends a room key again after its to-device send failed, so the device decrypts the message', async () => {
    const bot = hs.registerUser('vigie', 'pw');
    const alice = hs.registerUser('alice', 'pw');
    const roomId = hs.createRoom({ creator: alice, join: [bot], encrypted: true });
    phone = await startJsSdkClient(hs.url, alice, 'ALICEPHONE', hs.issueToken(alice, 'ALICEPHONE'));
    const client = new MatrixClient({ baseUrl: hs.url, accessToken: hs.issueToken(bot, 'VIGIE') });
    e2ee = await E2ee.forToken(flakyToDevice(client, 1), { db: openDatabase(':memory:'), passphrase: 'pw', logger: silentLogger() });
    const room = await readRoomEncryption(client, roomId) as RoomEncryption;
    const content = { msgtype: 'm.text', body: 'after a lost room key' };

    await expect(e2ee.encrypt(roomId, 'm.room.message', content, room)).rejects.toThrow(MatrixNetworkError);
    expect(hs.toDeviceLog.filter((m) => m.recipientDevice === 'ALICEPHONE')).toEqual([]);

    const encrypted = await e2ee.encrypt(roomId, 'm.room.message', content, room);
    const { eventId } = await client.sendEvent(roomId, 'm.room.encrypted', 'txn-1', encrypted);
    expect(await phone.decrypted(eventId)).toMatchObject({ body: 'after a lost room key' });
  });

  it('sends it again after a restart too: the key waiting to be sent is in the store, not only in memory', async () => {
    const bot = hs.registerUser('vigie', 'pw');
    const alice = hs.registerUser('alice', 'pw');
    const roomId = hs.createRoom({ creator: alice, join: [bot], encrypted: true });
    phone = await startJsSdkClient(hs.url, alice, 'ALICEPHONE', hs.issueToken(alice, 'ALICEPHONE'));
    const client = new MatrixClient({ baseUrl: hs.url, accessToken: hs.issueToken(bot, 'VIGIE') });
    const db = openDatabase(':memory:');
    const options = { db, passphrase: 'pw', logger: silentLogger() };
    const room = await readRoomEncryption(client, roomId) as RoomEncryption;
    const content = { msgtype: 'm.text', body: 'after a restart' };
    const before = await E2ee.forToken(flakyToDevice(client, 1), options);
    await expect(before.encrypt(roomId, 'm.room.message', content, room)).rejects.toThrow(MatrixNetworkError);
    await before.close();

    e2ee = await E2ee.forToken(client, options);
    const encrypted = await e2ee.encrypt(roomId, 'm.room.message', content, room);
    const { eventId } = await client.sendEvent(roomId, 'm.room.encrypted', 'txn-1', encrypted);
    expect(await phone.decrypted(eventId)).toMatchObject({ body: 'after a restart' });
  });
});
