// Opens Vigie's SQLite database with the settings durability depends on, then brings its schema up to date.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { StoreError } from './errors.js';
import { migrate, type Migration } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';

/** An open better-sqlite3 database. */
export type Database = BetterSqlite3.Database;

/** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/** Options for `openDatabase`; the defaults are what Vigie runs with. */
export interface OpenDatabaseOptions {
  /** `FULL` (default) makes every commit survive SIGKILL and power loss; `NORMAL` only SIGKILL (for benchmarks). */
  synchronous?: 'FULL' | 'NORMAL';
  /** The migrations to apply; default: all of Vigie's. */
  migrations?: readonly Migration[];
}

/** Opens (creating if needed) the database at `path`, or `:memory:`, with WAL and synchronous=FULL, migrated. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  const { synchronous = 'FULL', migrations = MIGRATIONS } = options;
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) createParentFolder(path);
  let db: Database;
  try {
    db = new BetterSqlite3(path);
  } catch (err) {
    throw new StoreError(`cannot open the database ${path}: ${(err as Error).message}. Check store.path and the folder's permissions.`, { cause: err });
  }
  try {
    configure(db, synchronous, inMemory);
    migrate(db, migrations);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof BetterSqlite3.SqliteError && err.code === 'SQLITE_NOTADB') {
      throw new StoreError(`${path} is not a SQLite database: check store.path (it must name Vigie's own database file).`, { cause: err });
    }
    throw err;
  }
}

function configure(db: Database, synchronous: 'FULL' | 'NORMAL', inMemory: boolean): void {
  // busy_timeout first: setting WAL on a file another connection holds needs the lock.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  if (!inMemory) {
    const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
    if (mode.toLowerCase() !== 'wal') {
      throw new StoreError(`the database ${db.name} refused write-ahead logging (journal_mode stayed '${mode}'): put store.path on a local disk, not a network share.`);
    }
  }
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
}

function createParentFolder(path: string): void {
  const folder = dirname(path);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create the folder ${folder} for the database ${path}: ${(err as Error).message}. Check store.path and permissions.`, { cause: err });
  }
}
