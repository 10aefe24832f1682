import { describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../store/db.js';
import { Fake, type IdbDatabase, type IdbKeyRange, type IdbFactory, type IdbRequest, type IdbTransaction } from './fake-idb.js';
import { mirrorFactory } from './idb-mirror.js';
import { restoreDatabases } from './idb-restore.js';
import { MirrorTable } from './mirror-table.js';

const KeyRange = Fake.IDBKeyRange as unknown as { bound(this: void, lower: unknown, upper: unknown): IdbKeyRange };

function done<T>(request: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.addEventListener('success', () => resolve(request.result));
    request.addEventListener('error', () => reject(new Error(String(request.error))));
  });
}

function committed(tx: IdbTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.addEventListener('complete', () => resolve());
    tx.addEventListener('abort', () => reject(new Error('aborted')));
  });
}

/** Opens `name` at `version`, running `upgrade` if the version is new. */
function open(factory: IdbFactory, name: string, version: number, upgrade: (db: IdbDatabase, tx: IdbTransaction) => void = () => {}): Promise<IdbDatabase> {
  const request = factory.open(name, version);
  request.addEventListener('upgradeneeded', () => upgrade(request.result, request.transaction as IdbTransaction));
  return done(request);
}

/** Every store's records and index names, in key order: what a reader of the database sees. */
async function dump(factory: IdbFactory, name: string): Promise<Record<string, unknown>> {
  const db = await open(factory, name, (await factory.databases()).find((d) => d.name === name)?.version ?? 1);
  const out: Record<string, unknown> = { version: db.version };
  for (let i = 0; i < db.objectStoreNames.length; i++) {
    const storeName = db.objectStoreNames[i] as string;
    const store = db.transaction(storeName).objectStore(storeName);
    const all = store as unknown as { getAll(): IdbRequest<unknown[]> };
    const indexes = Array.from({ length: store.indexNames.length }, (_, j) => store.indexNames[j]);
    out[storeName] = { keyPath: store.keyPath, indexes, keys: await done(store.getAllKeys()), values: await done(all.getAll()) };
  }
  db.close();
  return out;
}

/** A mirrored factory over a fresh SQLite database, and a way to restore it into another factory. */
function mirrored(onFailure: (error: unknown) => void = (e) => { throw e; }): { factory: IdbFactory; db: Database; restore: () => Promise<IdbFactory> } {
  const db = openDatabase(':memory:');
  const table = new MirrorTable(db);
  const factory = new Fake.IDBFactory();
  mirrorFactory(factory, table, onFailure);
  return {
    factory, db,
    restore: async () => {
      const fresh = new Fake.IDBFactory();
      await restoreDatabases(fresh, table, '');
      return fresh;
    },
  };
}

describe('the IndexedDB mirror', () => {
  it('restores exactly what was committed: puts, adds, cursor updates and deletes, range deletes, clears, schema changes', async () => {
    const { factory, restore } = mirrored();
    let db = await open(factory, 'app', 1, (d) => {
      const kv = d.createObjectStore('kv');
      kv.createIndex('by_kind', 'kind', { unique: false });
      d.createObjectStore('inline', { keyPath: 'id' });
      d.createObjectStore('gone');
    });
    let tx = db.transaction(['kv', 'inline', 'gone'], 'readwrite');
    const kv = tx.objectStore('kv');
    kv.put({ kind: 'a', bytes: new Uint8Array([1, 2, 3]), when: new Date(5) }, 'one');
    kv.add({ kind: 'b' }, ['compound', 2]);
    kv.put({ kind: 'c' }, new Uint8Array([9, 9]));
    for (const n of [10, 11, 12, 13]) kv.put({ kind: 'n', n }, n);
    kv.delete(KeyRange.bound(11, 12));
    tx.objectStore('inline').put({ id: 'x', v: 1 });
    tx.objectStore('gone').put('soon deleted', 1);
    await committed(tx);

    tx = db.transaction(['kv', 'inline'], 'readwrite');
    const cursor = (tx.objectStore('kv') as unknown as { openCursor(): IdbRequest<{ key: unknown; value: { kind: string }; update(v: unknown): unknown; delete(): unknown; continue(): void } | null> }).openCursor();
    cursor.addEventListener('success', () => {
      const c = cursor.result;
      if (!c) return;
      if (c.key === 'one') c.update({ ...c.value, kind: 'updated' });
      if (c.key === 13) c.delete();
      c.continue();
    });
    tx.objectStore('inline').clear();
    await committed(tx);
    db.close();

    db = await open(factory, 'app', 2, (d, upgrade) => {
      d.deleteObjectStore('gone');
      upgrade.objectStore('kv').deleteIndex('by_kind');
      upgrade.objectStore('inline').name = 'renamed';
    });
    db.close();

    const restored = await restore();
    expect(await dump(restored, 'app')).toEqual(await dump(factory, 'app'));
    expect(await dump(restored, 'app')).toMatchObject({ version: 2, kv: { keys: [10, 'one', expect.any(ArrayBuffer), ['compound', 2]] } });
  });

  it('mirrors nothing of an aborted transaction, and forgets a deleted database', async () => {
    const { factory, db: sqlite, restore } = mirrored();
    const db = await open(factory, 'app', 1, (d) => d.createObjectStore('kv'));
    const tx = db.transaction('kv', 'readwrite');
    tx.objectStore('kv').put('never', 'k');
    const aborted = new Promise((resolve) => tx.addEventListener('abort', resolve));
    (tx as unknown as { abort(): void }).abort();
    await aborted;
    expect(sqlite.prepare('SELECT count(*) AS n FROM crypto_idb_record').get()).toEqual({ n: 0 });
    db.close();
    await done(factory.deleteDatabase('app'));
    expect(await (await restore()).databases()).toEqual([]);
  });

  it('when SQLite cannot write a commit, the writer never hears "complete" and the owner is told to stop', async () => {
    let fatal: unknown;
    const { factory, db: sqlite } = mirrored((error) => { fatal = error; });
    const db = await open(factory, 'app', 1, (d) => d.createObjectStore('kv'));
    sqlite.exec("CREATE TRIGGER full BEFORE INSERT ON crypto_idb_record BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    const tx = db.transaction('kv', 'readwrite');
    let completed = false;
    tx.addEventListener('complete', () => { completed = true; });
    const failed = new Promise<void>((resolve) => {
      const wait = (): void => { if (fatal) resolve(); else setImmediate(wait); };
      wait();
    });
    tx.objectStore('kv').put('value', 'key');
    await failed;
    expect(String(fatal)).toContain('disk is full');
    expect(completed).toBe(false);
  });
});
