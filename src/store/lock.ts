// One Vigie per database: a `<db>.lock` file holding the owner's pid, taken over when that process is gone.
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from './errors.js';

/** A lock file that is younger than this and holds no pid yet belongs to a Vigie still writing it. */
const FRESH_LOCK_MS = 2_000;

/** Paths locked by this process, so a second acquire here fails instead of taking over its own lock. */
const heldHere = new Set<string>();

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
  if (!tryCreate(path)) {
    const holder = readHolder(path);
    if (holder.alive) throw new LockError(holder.why);
    // The holder is gone (SIGKILL, crash, power loss): take its lock over without asking anyone.
    removeIfUnchanged(path, holder.content);
    if (!tryCreate(path)) {
      throw new LockError(`another Vigie took the lock ${path} at the same moment (pid ${readFileSafe(path).trim() || 'unknown'}); stop it first, only one may use ${dbPath}.`);
    }
  }
  heldHere.add(path);
  let released = false;
  return {
    path,
    release(): void {
      if (released) return;
      released = true;
      heldHere.delete(path);
      removeIfUnchanged(path, `${process.pid}\n`);
    },
  };
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
  alive: boolean;
  content: string;
  why: string;
}

function readHolder(path: string): Holder {
  const content = readFileSafe(path);
  const text = content.trim();
  const pid = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    // Empty or garbled: either a crash between create and write, or a Vigie writing it right now.
    const young = Date.now() - mtimeMs(path) < FRESH_LOCK_MS;
    return { alive: young, content, why: `another Vigie is starting on the same database (lock file ${path} was just created); only one may run.` };
  }
  // Our own pid in a lock we do not hold is a previous run's (in a container Vigie is often pid 1 every time).
  const alive = pid !== process.pid && processExists(pid);
  return {
    alive,
    content,
    why: `another Vigie (pid ${pid}) is using this database: ${path} exists. Stop that process first; if no Vigie is running, delete ${path}.`,
  };
}

/** True if a process with this pid exists (EPERM: it exists but belongs to another user). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
