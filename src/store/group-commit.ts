// Group commit: writes arriving in the same event-loop turn share one transaction, and one disk sync serves them all.
import type { Database } from './db.js';
import type { WalSync } from './wal-sync.js';

interface Waiting {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Runs `work` inside a transaction shared with the other works of this turn; resolves once that transaction is durable. */
export type GroupCommit = <T>(work: () => T) => Promise<T>;

/** Options of createGroupCommit. */
export interface GroupCommitOptions {
  /**
   * Syncs the write-ahead log off the event loop. With it, a durable connection (synchronous=FULL) commits each batch
   * without waiting for the disk and each work resolves once the log is synced: the same guarantee, but the disk's
   * 0.1–1 ms per sync no longer stalls every other request. Without it, the commit itself waits for the disk.
   */
  wal?: WalSync;
}

/**
 * With synchronous=FULL every commit waits for the disk; a burst of webhooks would queue behind those syncs. Each
 * work runs in its own savepoint, so one failing work is rolled back alone and rejects alone. The batch is flushed by
 * setImmediate, after the turn's I/O callbacks: no timer delay is added to any request.
 *
 * With `wal`, a committed batch is visible to this connection's readers (the deliverer) before its log sync ends; a
 * power cut in that instant can lose rows no client was told were stored, never one it was.
 */
export function createGroupCommit(db: Database, options: GroupCommitOptions = {}): GroupCommit {
  // Built once: better-sqlite3 builds four wrappers at each db.transaction() call. Nested, the inner one is a savepoint.
  const inSavepoint = db.transaction((work: () => unknown) => work());
  const inTransaction = db.transaction((batch: readonly Waiting[]) => batch.map((w): Outcome => {
    try {
      return { ok: true, value: inSavepoint(w.work) };
    } catch (error) {
      return { ok: false, error };
    }
  }));
  const commit = options.wal && (db.pragma('synchronous', { simple: true }) as number) >= 2
    ? withoutWaitingForDisk(db, inTransaction, options.wal)
    : async (batch: readonly Waiting[]) => inTransaction(batch);
  let waiting: Waiting[] = [];
  const flush = (): void => {
    const batch = waiting;
    waiting = [];
    commit(batch).then(
      (outcomes) => outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error))),
      // The commit (or the log sync) failed: disk full, I/O error; no work of this batch is known to be stored.
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
  };
  return <T>(work: () => T) => new Promise<T>((resolve, reject) => {
    if (waiting.push({ work, resolve: resolve as (value: unknown) => void, reject }) === 1) setImmediate(flush);
  });
}

/** Commits at synchronous=NORMAL (the log is written, not synced), restores the connection's level, then syncs the log. */
function withoutWaitingForDisk(db: Database, inTransaction: (batch: readonly Waiting[]) => Outcome[], wal: WalSync) {
  const durable = db.pragma('synchronous', { simple: true }) as number;
  return async (batch: readonly Waiting[]): Promise<Outcome[]> => {
    // Inside a transaction left open by someone else the level cannot change: that commit will be a durable one.
    const switched = !db.inTransaction;
    // exec, not a prepared statement: SQLite applies PRAGMA synchronous when it compiles it, so a prepared one only
    // takes effect when SQLite happens to recompile it. A few µs a batch.
    if (switched) db.exec('PRAGMA synchronous = NORMAL');
    let outcomes: Outcome[];
    try {
      outcomes = inTransaction(batch);
    } finally {
      if (switched) db.exec(`PRAGMA synchronous = ${durable}`);
    }
    if (outcomes.some((o) => o.ok)) await wal.sync();
    return outcomes;
  };
}
