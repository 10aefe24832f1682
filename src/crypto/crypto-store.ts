// The durable crypto store: an in-memory IndexedDB (fake-indexeddb) restored from SQLite at start-up, with every
// committed transaction written to SQLite before the crypto library hears that it committed.
import type { Logger } from '../logging.js';
import type { Database } from '../store/db.js';
import { acquireLock, type Lock } from '../store/lock.js';
import { Fake, installIndexedDb, type IdbFactory } from './fake-idb.js';
import { mirrorFactory } from './idb-mirror.js';
import { restoreDatabases, type RestoreResult } from './idb-restore.js';
import { MirrorTable } from './mirror-table.js';

/** The exit code when the encryption store cannot be written (EX_IOERR in sysexits.h). */
export const EXIT_STORE_UNWRITABLE = 74;

/** Where the store lives and what happens if it cannot be written. */
export interface CryptoStoreOptions {
  /** Vigie's database (migration 003-crypto applied); the store takes its own lock, `<db>-crypto.lock`. */
  db: Database;
  /** The store name given to OlmMachine.initialize; its IndexedDB databases are named `<name>::…`. */
  name: string;
  /**
   * Called when a committed transaction cannot be written to SQLite: the crypto library never hears of the commit,
   * and the process must stop, since running on would hand out keys that a restart forgets. Default: log, exit 74.
   */
  onFatal?: (error: Error) => void;
  logger?: Logger;
}

/** An open store, ready for OlmMachine.initialize(…, store.name, passphrase) once activated. */
export interface CryptoStore {
  readonly name: string;
  /** What the restore brought back from SQLite (0 databases on a first run). */
  readonly restored: RestoreResult;
  /** The in-memory IndexedDB this store mirrors. */
  readonly factory: IdbFactory;
  /** Makes this store the process's `indexedDB`; call right before OlmMachine.initialize. */
  activate(): void;
  /** Small named values kept beside the store (the /sync token). */
  getState(name: string): string | undefined;
  setState(name: string, value: string): void;
  /** Releases the store's lock (the data is already on disk). */
  close(): void;
}

/** Restores the store named `name` from SQLite into a fresh in-memory IndexedDB and mirrors it from then on. */
export async function openCryptoStore(options: CryptoStoreOptions): Promise<CryptoStore> {
  const { db, name, logger } = options;
  const onFatal = options.onFatal ?? ((error: Error) => stopProcess(error, logger));
  const lock = takeLock(db);
  const table = new MirrorTable(db);
  const factory = new Fake.IDBFactory();
  let restored: RestoreResult;
  try {
    restored = await restoreDatabases(factory, table, `${name}::`);
  } catch (error) {
    lock?.release();
    throw error;
  }
  mirrorFactory(factory, table, (error) => onFatal(new Error(
    `the encryption store could not be saved to ${db.name} (${(error as Error).message ?? String(error)}). `
    + 'Vigie stops rather than run with encryption keys that a restart would lose: make the database writable '
    + '(disk space, permissions), then start Vigie again.', { cause: error })));
  logger?.debug({ store: name, ...restored }, 'encryption store restored');
  const getState = db.prepare<[string], { value: string }>('SELECT value FROM crypto_state WHERE name = ?');
  const setState = db.prepare('INSERT OR REPLACE INTO crypto_state (name, value) VALUES (?, ?)');
  return {
    name, restored, factory,
    activate: () => installIndexedDb(factory),
    getState: (key) => getState.get(`${name}:${key}`)?.value,
    setState: (key, value) => {
      setState.run(`${name}:${key}`, value);
    },
    close: () => lock?.release(),
  };
}

/**
 * Two processes on one store would fork the ratchets and reuse one-time keys, breaking decryption for everyone:
 * the store has its own lock, so a one-shot command cannot open it beside the daemon even where the database may
 * be shared. An in-memory database belongs to this process alone.
 */
function takeLock(db: Database): Lock | undefined {
  if (db.memory) return undefined;
  try {
    return acquireLock(`${db.name}-crypto`);
  } catch (error) {
    throw new Error(`the encryption store in ${db.name} is in use: ${(error as Error).message}`, { cause: error });
  }
}

function stopProcess(error: Error, logger: Logger | undefined): never {
  if (logger) logger.fatal({ err: error }, error.message);
  else process.stderr.write(`vigie: ${error.message}\n`);
  process.exit(EXIT_STORE_UNWRITABLE);
}
