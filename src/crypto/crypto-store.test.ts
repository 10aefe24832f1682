import { describe, expect, it } from 'vitest';
import { deserialize } from 'node:v8';
import { silentLogger } from '../logging.js';
import { openDatabase, type Database } from '../store/db.js';
import { EncryptionUnavailableError } from './errors.js';
import { E2ee } from './olm-machine.js';
import type { CryptoApi } from './outgoing.js';

/** Opening the machine makes no request: nothing may be called. */
const noApi = new Proxy({}, { get: (_, name) => () => { throw new Error(`unexpected call to ${String(name)}`); } }) as CryptoApi;

const open = (db: Database, passphrase = 'correct horse battery staple', onFatal?: (error: Error) => void): Promise<E2ee> =>
  E2ee.open({ api: noApi, db, userId: '@vigie:example.org', deviceId: 'VIGIEBOT', passphrase, logger: silentLogger(), onFatal });

describe('the crypto store', () => {
  it('gives the device the same identity keys after a restart, and keeps no key in clear in the database', async () => {
    const db = openDatabase(':memory:');
    const first = await open(db);
    const keys = first.identityKeys;
    await first.close();
    const second = await open(db);
    expect(second.identityKeys).toEqual(keys);
    await second.close();

    const rows = db.prepare<[], { key: string; value: Buffer }>('SELECT key, value FROM crypto_idb_record').all();
    expect(rows.length).toBeGreaterThan(0);
    const text = rows.map((row) => `${row.key} ${JSON.stringify(deserialize(row.value))}`).join('\n');
    expect(text).not.toContain(keys.curve25519);
    expect(text).not.toContain(keys.ed25519);
    const bytes = Buffer.concat(rows.map((row) => row.value));
    expect(bytes.includes(Buffer.from(keys.curve25519, 'base64'))).toBe(false);
  });

  it('refuses to open with another passphrase, saying what to do', async () => {
    const db = openDatabase(':memory:');
    await (await open(db, 'the first one')).close();
    const refused = await open(db, 'another one').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EncryptionUnavailableError);
    expect((refused as Error).message).toMatch(/cannot be opened.*previous passphrase/);
  });

  it('stops the process instead of running on when the database cannot take a write', async () => {
    const db = openDatabase(':memory:');
    db.exec("CREATE TRIGGER full BEFORE INSERT ON crypto_idb_record BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    const fatal = new Promise<Error>((resolve) => {
      // The machine never hears its write committed, so this opening never finishes.
      void open(db, 'pw', resolve);
    });
    expect((await fatal).message).toMatch(/encryption store could not be saved.*disk is full.*Vigie stops/);
  });
});
