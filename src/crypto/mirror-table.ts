// The SQLite side of the IndexedDB mirror: applies each committed transaction in one SQLite transaction, and reads
// databases back for a restore.
import { deserialize } from 'node:v8';
import type { Database } from '../store/db.js';
import type { IdbKey } from './fake-idb.js';
import { decodeKey, encodeKey } from './idb-keys.js';
import type { MirroredCommit, MirrorOp, MirrorSink } from './idb-mirror.js';

/** An index as createIndex made it. */
export interface IndexSchema {
  keyPath: string | string[];
  unique: boolean;
  multiEntry: boolean;
}

/** An object store's shape: what createObjectStore and createIndex were given. */
export interface StoreSchema {
  keyPath: string | string[] | null;
  autoIncrement: boolean;
  indexes: Record<string, IndexSchema>;
}

/** A mirrored database: its version and stores. */
export interface DatabaseSchema {
  name: string;
  version: number;
  stores: Record<string, StoreSchema>;
}

/** One record, as restored. */
export interface StoredRecord {
  store: string;
  key: IdbKey;
  value: unknown;
}

/** Changes that touch records only. */
const RECORD_OPS = new Set<MirrorOp['op']>(['put', 'delete', 'clear']);

/** Mirrored IndexedDB databases in Vigie's SQLite database (tables from migration 003-crypto). */
export class MirrorTable implements MirrorSink {
  readonly #db: Database;
  readonly #put;
  readonly #delete;
  readonly #clear;
  readonly #rename;
  readonly #saveSchema;
  readonly #schemaOf;

  constructor(db: Database) {
    this.#db = db;
    this.#put = db.prepare('INSERT OR REPLACE INTO crypto_idb_record (db, store, key, value) VALUES (?, ?, ?, ?)');
    this.#delete = db.prepare('DELETE FROM crypto_idb_record WHERE db = ? AND store = ? AND key = ?');
    this.#clear = db.prepare('DELETE FROM crypto_idb_record WHERE db = ? AND store = ?');
    this.#rename = db.prepare('UPDATE crypto_idb_record SET store = ? WHERE db = ? AND store = ?');
    this.#saveSchema = db.prepare('INSERT OR REPLACE INTO crypto_idb_database (name, version, schema) VALUES (?, ?, ?)');
    this.#schemaOf = db.prepare<[string], { version: number; schema: string }>('SELECT version, schema FROM crypto_idb_database WHERE name = ?');
  }

  /** Applies one committed IndexedDB transaction, all or nothing; throws if SQLite cannot write it. */
  commit({ database, version, ops }: MirroredCommit): void {
    this.#db.transaction(() => {
      // Most commits only write records: the schema is read only by the upgrades that change it.
      const touchesSchema = version !== undefined || ops.some((op) => !RECORD_OPS.has(op.op));
      const schema = touchesSchema ? this.#schema(database) : { name: database, version: 0, stores: {} };
      if (version !== undefined) schema.version = version;
      for (const op of ops) this.#apply(database, schema, op);
      if (touchesSchema) this.#saveSchema.run(database, schema.version, JSON.stringify(schema.stores));
    }).immediate();
  }

  /** Forgets a deleted database and its records. */
  dropDatabase(name: string): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM crypto_idb_record WHERE db = ?').run(name);
      this.#db.prepare('DELETE FROM crypto_idb_database WHERE name = ?').run(name);
    }).immediate();
  }

  /** The mirrored databases whose names start with `prefix`. */
  databases(prefix: string): DatabaseSchema[] {
    const rows = this.#db.prepare<[], { name: string; version: number; schema: string }>(
      'SELECT name, version, schema FROM crypto_idb_database ORDER BY name').all();
    return rows
      .filter((row) => row.name.startsWith(prefix))
      .map((row) => ({ name: row.name, version: row.version, stores: JSON.parse(row.schema) as Record<string, StoreSchema> }));
  }

  /** A database's records, read lazily. */
  *records(database: string): Generator<StoredRecord> {
    const rows = this.#db.prepare<[string], { store: string; key: string; value: Buffer }>(
      'SELECT store, key, value FROM crypto_idb_record WHERE db = ?').iterate(database);
    for (const row of rows) yield { store: row.store, key: decodeKey(row.key), value: deserialize(row.value) };
  }

  /** Applies one change to the records, or to `schema` (saved by the caller). */
  #apply(database: string, schema: DatabaseSchema, op: MirrorOp): void {
    const stores = schema.stores;
    switch (op.op) {
      case 'put':
        this.#put.run(database, op.store, encodeKey(op.key), op.value);
        break;
      case 'delete':
        this.#delete.run(database, op.store, encodeKey(op.key));
        break;
      case 'clear':
        this.#clear.run(database, op.store);
        break;
      case 'createStore':
        stores[op.store] = { keyPath: op.keyPath, autoIncrement: op.autoIncrement, indexes: {} };
        break;
      case 'deleteStore':
        this.#clear.run(database, op.store);
        delete stores[op.store];
        break;
      case 'renameStore':
        this.#rename.run(op.to, database, op.store);
        stores[op.to] = storeIn(schema, op.store);
        delete stores[op.store];
        break;
      case 'createIndex':
        storeIn(schema, op.store).indexes[op.index] = { keyPath: op.keyPath, unique: op.unique, multiEntry: op.multiEntry };
        break;
      case 'deleteIndex':
        delete storeIn(schema, op.store).indexes[op.index];
        break;
      case 'renameIndex': {
        const indexes = storeIn(schema, op.store).indexes;
        const index = indexes[op.index];
        if (!index) throw new Error(`crypto store mirror: index ${op.index} of ${schema.name}/${op.store} is not in the mirror (a bug in Vigie)`);
        indexes[op.to] = index;
        delete indexes[op.index];
        break;
      }
    }
  }

  #schema(name: string): DatabaseSchema {
    const row = this.#schemaOf.get(name);
    return row
      ? { name, version: row.version, stores: JSON.parse(row.schema) as Record<string, StoreSchema> }
      : { name, version: 0, stores: {} };
  }
}

function storeIn(schema: DatabaseSchema, store: string): StoreSchema {
  const found = schema.stores[store];
  if (!found) throw new Error(`crypto store mirror: object store ${store} of ${schema.name} is not in the mirror (a bug in Vigie)`);
  return found;
}
