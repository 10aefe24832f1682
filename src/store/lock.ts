// One Vigie per database: a lock the kernel holds for the owner (released when it dies, whatever its pid), and a
// `<db>.lock` file naming the owner's pid for people and messages.
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { StoreError } from './errors.js';

/** A lock file that is younger than this and holds no pid yet belongs to a Vigie still writing it. */
const FRESH_LOCK_MS = 2_000;

/**
 * Paths locked by this process, so a second acquire here fails instead of taking over its own lock; with the
 * connection holding each kernel lock, which must outlive a caller that drops the Lock (a collected connection
 * closes, and its lock goes with it).
 */
const heldHere = new Map<string, BetterSqlite3.Database>();

/** Another process (or this one) holds the database: the message names the pid and what to do. */
export class LockError extends Error {
  override readonly name = 'LockError';
}

/** A held lock; `release()` removes the file if it is still ours. */
export interface Lock {
  /** The lock file's path (`<db>.lock`). */
  readonly path: string;
  /** Removes the lock file; safe to call twice. */
  release(): void;
}

/** Takes `<dbPath>.lock` for this process; throws, naming the pid, if a live process holds it. */
export function acquireLock(dbPath: string): Lock {
  const path = `${dbPath}.lock`;
  if (heldHere.has(path)) {
    throw new LockError(`the database ${dbPath} is already locked by this process (${path}): open it once and share the connection.`);
  }
  // The lock comes before the database, so on a first run it makes the folder.
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create the folder ${dirname(path)} for the database ${dbPath}: ${(err as Error).message}. Check store.path and permissions.`, { cause: err });
  }
  const owner = holdOwnerLock(dbPath);
  if (!owner) {
    // A live Vigie holds it, in this or another container (where pids say nothing: each may be pid 1).
    const holder = readHolder(path);
    const who = holder.pid === undefined ? 'another Vigie' : `another Vigie (pid ${holder.pid})`;
    throw new LockError(`${who} is using this database: ${path} exists. Stop that process first; only one Vigie may use ${dbPath}.`);
  }
  // The kernel lock is ours, so whoever the pid file names is gone (SIGKILL, a crash, a reboot that reused its pid).
  if (!tryCreate(path)) {
    const holder = readHolder(path);
    if (holder.starting) {
      owner.close();
      throw new LockError(`another Vigie is starting on the same database (lock file ${path} was just created); only one may run.`);
    }
    removeIfUnchanged(path, holder.content);
    if (!tryCreate(path)) {
      owner.close();
      throw new LockError(`another Vigie took the lock ${path} at the same moment (pid ${readFileSafe(path).trim() || 'unknown'}); stop it first, only one may use ${dbPath}.`);
    }
  }
  heldHere.set(path, owner);
  let released = false;
  return {
    path,
    release(): void {
      if (released) return;
      released = true;
      heldHere.delete(path);
      removeIfUnchanged(path, `${process.pid}\n`);
      owner.close();
    },
  };
}

/**
 * Takes the kernel's lock on `<db>.owner` (SQLite's exclusive lock, an fcntl lock the kernel drops when the process
 * dies), without waiting; undefined when a live process holds it. The file is never deleted: a process waiting on
 * its old inode would otherwise lock a file nobody else sees.
 */
function holdOwnerLock(dbPath: string): BetterSqlite3.Database | undefined {
  const path = `${dbPath}.owner`;
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(path, { timeout: 0 });
  } catch (err) {
    throw new StoreError(`cannot create the lock file ${path}: ${(err as Error).message}. Check that the database folder is writable.`, { cause: err });
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // A write takes the exclusive lock, and locking_mode keeps it until the connection closes.
    db.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER); DELETE FROM owner;');
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw new StoreError(`cannot lock ${path}: ${(err as Error).message}. Check that the database folder is writable.`, { cause: err });
  }
}

/** Creates the lock file with O_EXCL; false if it already exists. */
function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StoreError(`cannot create the lock file ${path}: ${(err as Error).message}. Check that the database folder is writable.`, { cause: err });
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

interface Holder {
  /** The pid the file names, when it names one. */
  pid: number | undefined;
  /** Empty and just created: a Vigie writing it right now (between its create and its write). */
  starting: boolean;
  content: string;
}

function readHolder(path: string): Holder {
  const content = readFileSafe(path);
  const text = content.trim();
  const pid = /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isSafeInteger(pid) && pid > 0) return { pid, starting: false, content };
  return { pid: undefined, starting: Date.now() - mtimeMs(path) < FRESH_LOCK_MS, content };
}

/** Deletes the lock file only if it still holds what we read, so we never delete a lock another process just took. */
function removeIfUnchanged(path: string, expected: string): void {
  if (readFileSafe(path) !== expected) return;
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
