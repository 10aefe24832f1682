// Makes commits durable without blocking the event loop: the write-ahead log is synced on libuv's thread pool, once
// for every commit made before the sync began (group commit, as a database's log writer does it).
import { close, fsync, open } from 'node:fs';
import { promisify } from 'node:util';
import type { Database } from './db.js';

const openFile = promisify(open);
const syncFile = promisify(fsync);
const closeFile = promisify(close);

/** Syncs a database's write-ahead log to disk; one sync at a time, shared by everyone who asked before it began. */
export interface WalSync {
  /** Resolves once everything committed before this call is on disk; rejects when the disk refuses (EIO, ENOSPC). */
  sync(): Promise<void>;
  /** Waits for the sync in flight, then closes the log's file descriptor. */
  close(): Promise<void>;
}

/**
 * A WalSync for `db` (a file database in WAL mode), or undefined when there is no log file to sync (in memory).
 * fsync() of any descriptor of a file flushes the data every descriptor wrote to it, so a descriptor of Vigie's own
 * syncs the frames SQLite wrote; the log file is never replaced while the database is open, only rewound.
 */
export function walSync(db: Database, seams: { fsync?: (fd: number) => Promise<void> } = {}): WalSync | undefined {
  if (db.memory) return undefined;
  const syncFd = seams.fsync ?? syncFile;
  const path = `${db.name}-wal`;
  let fd: Promise<number> | undefined;
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  // Opened at the first sync (SQLite creates the log with the first write); opened again after a failure.
  const descriptor = (): Promise<number> => {
    fd ??= openFile(path, 'r+').catch((error: unknown) => {
      fd = undefined;
      throw error;
    });
    return fd;
  };
  const once = async (): Promise<void> => {
    await syncFd(await descriptor());
  };
  const start = (): Promise<void> => {
    running = once().finally(() => {
      running = undefined;
    });
    return running;
  };
  return {
    sync() {
      if (!running) return start();
      // The sync in flight may have begun before this caller's commit: it waits for the next one, which begins
      // as soon as that one ends and serves everybody who came meanwhile.
      queued ??= running.catch(() => undefined).then(() => {
        queued = undefined;
        return start();
      });
      return queued;
    },
    async close() {
      await Promise.allSettled([running, queued]);
      const open = fd;
      fd = undefined;
      if (open) await open.then((n) => closeFile(n)).catch(() => undefined);
    },
  };
}
