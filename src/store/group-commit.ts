// Group commit: writes arriving in the same event-loop turn share one transaction, so one disk sync serves them all.
import type { Database } from './db.js';

interface Waiting {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Runs `work` inside a transaction shared with the other works of this turn; resolves once that transaction is committed. */
export type GroupCommit = <T>(work: () => T) => Promise<T>;

/**
 * With synchronous=FULL every commit waits for the disk (0.1–1 ms here); a burst of webhooks would queue behind
 * those syncs. Each work runs in its own savepoint, so one failing work is rolled back alone and rejects alone.
 * The batch is flushed by setImmediate, after the turn's I/O callbacks: no timer delay is added to any request.
 */
export function createGroupCommit(db: Database): GroupCommit {
  // Built once: better-sqlite3 builds four wrappers at each db.transaction() call. Nested, the inner one is a savepoint.
  const inSavepoint = db.transaction((work: () => unknown) => work());
  const inTransaction = db.transaction((batch: readonly Waiting[]) => batch.map((w): Outcome => {
    try {
      return { ok: true, value: inSavepoint(w.work) };
    } catch (error) {
      return { ok: false, error };
    }
  }));
  let waiting: Waiting[] = [];
  const flush = (): void => {
    const batch = waiting;
    waiting = [];
    let outcomes: Outcome[];
    try {
      outcomes = inTransaction(batch);
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of this batch is stored.
      for (const w of batch) w.reject(error);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error)));
  };
  return <T>(work: () => T) => new Promise<T>((resolve, reject) => {
    if (waiting.push({ work, resolve: resolve as (value: unknown) => void, reject }) === 1) setImmediate(flush);
  });
}
