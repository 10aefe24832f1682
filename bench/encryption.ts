// Benchmark: the cost of encryption per message (median, p99), against plain sends to the same in-process homeserver.
// Run with `npx tsx bench/encryption.ts` (or register benchEncryption in bench/run.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2ee } from '../src/crypto/olm-machine.js';
import { readRoomEncryption, type RoomEncryption } from '../src/crypto/room-encryption.js';
import { newTxnId } from '../src/delivery/outbox.js';
import { silentLogger } from '../src/logging.js';
import { MatrixClient } from '../src/matrix/client.js';
import { openDatabase } from '../src/store/db.js';
import { startHomeserver } from '../test/support/homeserver.js';
import { startJsSdkClient } from '../test/support/js-sdk-client.js';

const MESSAGES = 300;
const CONTENT = { msgtype: 'm.text', body: '🚨 ALERTE : SERVICE HORS LIGNE\n🖥️ Service : Site web', format: 'org.matrix.custom.html', formatted_body: '<p>🚨 <strong>ALERTE</strong></p>' };

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function summary(name: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `${name.padEnd(44)} median ${quantile(sorted, 0.5).toFixed(2).padStart(7)} ms   p99 ${quantile(sorted, 0.99).toFixed(2).padStart(7)} ms`;
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** Prints per-message times: plain send, encrypt only, encrypt + send; the encrypted room has one member with two devices. */
export async function benchEncryption(): Promise<void> {
  const hs = await startHomeserver({ messageRateLimit: false });
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-e2ee-'));
  const db = openDatabase(join(dir, 'vigie.db'));
  const bot = hs.registerUser('vigie', 'pw');
  const alice = hs.registerUser('alice', 'pw');
  const plainRoom = hs.createRoom({ creator: alice, join: [bot] });
  const encryptedRoom = hs.createRoom({ creator: alice, join: [bot], encrypted: true });
  const devices = [await startJsSdkClient(hs.url, alice, 'PHONE', hs.issueToken(alice, 'PHONE')),
    await startJsSdkClient(hs.url, alice, 'LAPTOP', hs.issueToken(alice, 'LAPTOP'))];
  const client = new MatrixClient({ baseUrl: hs.url, accessToken: hs.issueToken(bot, 'VIGIE') });
  const e2ee = await E2ee.forToken(client, { db, passphrase: 'bench', logger: silentLogger() });
  try {
    const room = await readRoomEncryption(client, encryptedRoom) as RoomEncryption;
    const first = await time(async () => {
      const encrypted = await e2ee.encrypt(encryptedRoom, 'm.room.message', CONTENT, room);
      await client.sendEvent(encryptedRoom, 'm.room.encrypted', newTxnId(), encrypted);
    });
    // The members' clients run in this process: stopped now, so their syncing does not weigh on the timings.
    for (const device of devices) device.stop();
    const plain: number[] = [];
    const encryptOnly: number[] = [];
    const encryptedSend: number[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      plain.push(await time(() => client.sendEvent(plainRoom, 'm.room.message', newTxnId(), CONTENT)));
      let encrypted: Record<string, unknown> = {};
      const encryptMs = await time(async () => { encrypted = await e2ee.encrypt(encryptedRoom, 'm.room.message', CONTENT, room); });
      const sendMs = await time(() => client.sendEvent(encryptedRoom, 'm.room.encrypted', newTxnId(), encrypted));
      encryptOnly.push(encryptMs);
      encryptedSend.push(encryptMs + sendMs);
    }
    console.log(`${MESSAGES} messages each, one member with 2 devices, loopback homeserver, SQLite synchronous=FULL`);
    console.log(`first encrypted message (room key shared with 2 devices): ${first.toFixed(1)} ms`);
    console.log(summary('plain send (PUT m.room.message)', plain));
    console.log(summary('encrypt (sync catch-up, members, megolm)', encryptOnly));
    console.log(summary('encrypted send (encrypt + PUT)', encryptedSend));
  } finally {
    await e2ee.close();
    for (const device of devices) device.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    await hs.close();
  }
}

