// Checkpoints the write-ahead log from a worker thread, so copying it into the database file (and the disk syncs
// that takes) never stalls the event loop that delivers alerts.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logging.js';
import type { Database } from './db.js';

/** How often the worker checkpoints; a checkpoint with nothing to copy costs next to nothing. */
export const CHECKPOINT_INTERVAL_MS = 100;

/**
 * The main connection's own checkpoint threshold (pages) while the worker runs: a safety net, reached only if the
 * worker falls far behind. SQLite's default is 1,000 pages, which on a busy outbox meant a checkpoint (two disk
 * syncs) on the event loop every few hundred delivered alerts.
 */
const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * The worker, as a script: a plain-JavaScript string runs the same under tsx, vitest and the built package.
 * PASSIVE never waits for the main connection: a frame it cannot copy now is copied at a later turn.
 */
const WORKER_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => checkpoint.run(), workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** A running checkpointer; stop() before closing the database. */
export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `db`'s write-ahead log in a worker thread (nothing for an in-memory database). If the worker
 * fails, the main connection checkpoints by itself again, as SQLite does by default.
 */
export function startCheckpointer(db: Database, { logger, intervalMs = CHECKPOINT_INTERVAL_MS }: { logger: Logger; intervalMs?: number }): Checkpointer {
  if (db.memory) return { stop: () => Promise.resolve() };
  const log = logger.child({ component: 'checkpointer' });
  const own = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  const restore = (): void => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${own}`);
  };
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SCRIPT, { eval: true, workerData: { path: db.name, driver, intervalMs } });
  // A checkpoint cut short by the end of the process is safe: SQLite resumes from the log at the next open.
  worker.unref();
  db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  worker.on('error', (err) => {
    log.warn({ err }, 'the checkpoint worker failed; the database is checkpointed on the main thread again');
    restore();
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      restore();
      // Waited for: the process must not end (exit code 13) while stop() awaits an unref'd worker.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
