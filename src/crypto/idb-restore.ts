// Rebuilds mirrored IndexedDB databases in a fresh fake-indexeddb factory, before anything else opens them.
import type { IdbDatabase, IdbFactory, IdbRequest, IdbTransaction } from './fake-idb.js';
import type { DatabaseSchema, MirrorTable } from './mirror-table.js';

/** What a restore brought back. */
export interface RestoreResult {
  databases: number;
  records: number;
}

/** Restores every mirrored database whose name starts with `prefix` into `factory` (which must not be mirrored yet). */
export async function restoreDatabases(factory: IdbFactory, table: MirrorTable, prefix: string): Promise<RestoreResult> {
  const result: RestoreResult = { databases: 0, records: 0 };
  for (const schema of table.databases(prefix)) {
    const db = await createDatabase(factory, schema);
    try {
      result.records += await fill(db, schema, table);
    } finally {
      // Closed, so the crypto library's own open (and its upgrades) are not blocked by this connection.
      db.close();
    }
    result.databases += 1;
  }
  return result;
}

function createDatabase(factory: IdbFactory, schema: DatabaseSchema): Promise<IdbDatabase> {
  const request = factory.open(schema.name, schema.version);
  request.addEventListener('upgradeneeded', () => {
    const db = request.result;
    for (const [name, store] of Object.entries(schema.stores)) {
      const created = db.createObjectStore(name, { keyPath: store.keyPath, autoIncrement: store.autoIncrement });
      for (const [indexName, index] of Object.entries(store.indexes)) {
        created.createIndex(indexName, index.keyPath, { unique: index.unique, multiEntry: index.multiEntry });
      }
    }
  });
  return settled(request, `restoring the crypto store database ${schema.name}`);
}

/** Writes every record in one transaction; returns how many. */
async function fill(db: IdbDatabase, schema: DatabaseSchema, table: MirrorTable): Promise<number> {
  const stores = Object.keys(schema.stores);
  if (stores.length === 0) return 0;
  const tx = db.transaction(stores, 'readwrite');
  let count = 0;
  for (const record of table.records(schema.name)) {
    const store = tx.objectStore(record.store);
    if (store.keyPath === null) store.put(record.value, record.key);
    else store.put(record.value);
    count += 1;
  }
  await completed(tx, `restoring the records of ${schema.name}`);
  return count;
}

function settled<T>(request: IdbRequest<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    request.addEventListener('success', () => resolve(request.result));
    request.addEventListener('error', () => reject(new Error(`${what}: ${String(request.error)}`)));
    request.addEventListener('blocked', () => reject(new Error(`${what}: another connection holds the database open`)));
  });
}

function completed(tx: IdbTransaction, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.addEventListener('complete', () => resolve());
    tx.addEventListener('abort', () => reject(new Error(`${what}: the transaction was aborted (${String(tx.error)})`)));
  });
}
