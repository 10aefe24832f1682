// Group commit: writes arriving in the same event-loop turn share one transaction, so one disk sync serves them all.
import type { Database } from './db.js';

interface Waiting {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Runs `work` inside a transaction shared with the other works of this turn; resolves once that transaction is committed. */
export type GroupCommit = <T>(work: () => T) => Promise<T>;

/**
 * With synchronous=FULL every commit waits for the disk (0.1–0.7 ms here); a burst of webhooks would queue behind
 * those syncs. Each work runs in its own savepoint, so one failing work is rolled back alone and rejects alone.
 */
export function createGroupCommit(db: Database): GroupCommit {
  let waiting: Waiting[] = [];
  const flush = (): void => {
    const batch = waiting;
    waiting = [];
    let outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
    try {
      outcomes = db.transaction(() => batch.map((w) => {
        try {
          return { ok: true as const, value: db.transaction(w.work)() };
        } catch (error) {
          return { ok: false as const, error };
        }
      }))();
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
