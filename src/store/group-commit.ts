// Group commit: writes arriving in the same event-loop turn share one transaction, and one disk sync — made off the
// main thread — serves them all.
import { close, fdatasync, open } from 'node:fs';
import { resolve } from 'node:path';
import type { Database } from './db.js';

interface Waiting {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Runs `work` inside a transaction shared with the other works of this turn; resolves once that transaction is durable. */
export type GroupCommit = <T>(work: () => T) => Promise<T>;

/** Test seams; production uses the defaults. */
export interface GroupCommitOptions {
  /** Makes the write-ahead log durable (default: fdatasync of `<database>-wal` on libuv's thread pool). */
  syncWal?: (walPath: string) => Promise<void>;
}

/** The error of works whose transaction was committed but whose disk sync failed: stored, maybe not durably. */
export class WalSyncError extends Error {
  override readonly name = 'WalSyncError';
}

/**
 * With synchronous=FULL every commit waits for the disk (0.1–3 ms here) on the main thread; a burst of webhooks
 * would queue behind those syncs. Each work runs in its own savepoint, so one failing work is rolled back alone and
 * rejects alone.
 *
 * On a WAL database whose connection runs with synchronous=FULL (Vigie's), the batch commits with NORMAL and the
 * WAL is then synced here, on the thread pool, before any work resolves. That is the sync FULL would make at
 * COMMIT (SQLite: "FULL in WAL mode: an additional sync of the WAL file after each transaction commit"), made
 * without stopping the event loop; batches committed meanwhile share the next sync. A work resolves only once a
 * sync begun after its commit has completed, so "resolved" still means "on the disk". The connection's own level
 * is restored right after each commit, so every other writer keeps syncing at COMMIT as before.
 */
export function createGroupCommit(db: Database, options: GroupCommitOptions = {}): GroupCommit {
  const ownSync = syncsWalItself(db);
  const commit = committer(db, ownSync);
  const walSync = ownSync ? walSyncer(`${resolve(db.name)}-wal`, options.syncWal ?? syncFile) : undefined;
  let waiting: Waiting[] = [];
  const flush = (): void => {
    const batch = waiting;
    waiting = [];
    let outcomes: Outcome[];
    try {
      outcomes = commit(batch);
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of this batch is stored.
      for (const w of batch) w.reject(error);
      return;
    }
    // A work rolled back alone rejects at once; the stored ones resolve once durable.
    const stored = batch.flatMap((w, i) => {
      const o = outcomes[i]!;
      if (o.ok) return [() => w.resolve(o.value)];
      w.reject(o.error);
      return [];
    });
    if (stored.length === 0) return;
    if (!walSync) return stored.forEach((settle) => settle());
    walSync({ stored, failed: (error) => batch.forEach((w, i) => outcomes[i]!.ok ? w.reject(error) : undefined) });
  };
  return <T>(work: () => T) => new Promise<T>((resolve, reject) => {
    if (waiting.push({ work, resolve: resolve as (value: unknown) => void, reject }) === 1) setImmediate(flush);
  });
}

/** Runs a batch in one transaction, each work in its own savepoint; with a WAL sync of our own, commits without one. */
function committer(db: Database, ownSync: boolean): (batch: readonly Waiting[]) => Outcome[] {
  // Built once: better-sqlite3 builds four wrappers per db.transaction() call. Nested, the inner one is a savepoint.
  const inSavepoint = db.transaction((work: () => unknown) => work());
  const run = db.transaction((batch: readonly Waiting[]) => batch.map((w): Outcome => {
    try {
      return { ok: true, value: inSavepoint(w.work) };
    } catch (error) {
      return { ok: false, error };
    }
  }));
  if (!ownSync) return run;
  const level = db.pragma('synchronous', { simple: true }) as number;
  // exec, not a kept statement: SQLite applies this pragma when it compiles it, so a prepared one's first run does
  // nothing (and every later run compiles it again anyway).
  return (batch) => {
    db.exec('PRAGMA synchronous = NORMAL');
    try {
      return run(batch);
    } finally {
      if (db.open) db.exec(`PRAGMA synchronous = ${level}`);
    }
  };
}

/** Whether the batch's disk sync is made by the group commit: a WAL file on disk, and a connection that syncs commits. */
function syncsWalItself(db: Database): boolean {
  if (db.memory) return false;
  const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  return mode === 'wal' && (db.pragma('synchronous', { simple: true }) as number) >= 2;
}

/** A committed batch waiting for its disk sync. */
interface Unsynced {
  stored: ReadonlyArray<() => void>;
  failed: (error: Error) => void;
}

type WalSync = (batch: Unsynced) => void;

/**
 * One sync in flight at a time; batches committed while it runs wait for the next one, which starts when it ends
 * (so it starts after their commit).
 */
function walSyncer(walPath: string, sync: (walPath: string) => Promise<void>): WalSync {
  let next: Unsynced[] = [];
  let syncing = false;
  const start = (): void => {
    const covered = next;
    next = [];
    syncing = true;
    const finish = (settle: (batch: Unsynced) => void): void => {
      covered.forEach(settle);
      syncing = false;
      if (next.length > 0) start();
    };
    sync(walPath).then(
      () => finish((batch) => batch.stored.forEach((settle) => settle())),
      (error: unknown) => {
        const failure = new WalSyncError(`the alert was written but the disk sync of ${walPath} failed (${(error as Error).message}): it may not survive a power cut`);
        finish((batch) => batch.failed(failure));
      },
    );
  };
  return (batch) => {
    next.push(batch);
    if (!syncing) start();
  };
}

/**
 * fdatasync of a file, on the thread pool (callbacks: a FileHandle costs the main thread three times as much).
 * SQLite takes no POSIX lock on the WAL file, so closing this descriptor releases none of its locks.
 */
function syncFile(path: string): Promise<void> {
  return new Promise((resolve, reject) => open(path, 'r+', (opened, fd) => {
    if (opened) return reject(opened);
    fdatasync(fd, (synced) => close(fd, (closed) => {
      const failed = synced ?? closed;
      if (failed) reject(failed);
      else resolve();
    }));
  }));
}
