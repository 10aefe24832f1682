import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.js';
import { openDatabase, type Database } from './db.js';
import { walSync } from './wal-sync.js';

describe('walSync', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  function database(): Database {
    const folder = mkdtempSync(join(tmpdir(), 'vigie-wal-'));
    const db = openDatabase(join(folder, 'vigie.db'));
    db.exec('CREATE TABLE t (v TEXT)');
    cleanups.push(() => {
      db.close();
      rmSync(folder, { recursive: true, force: true });
    });
    return db;
  }

  /** An fsync that ends when the test says so, counting its calls. */
  function manualFsync() {
    const pending: Array<() => void> = [];
    return {
      calls: () => pending.length,
      fsync: () => new Promise<void>((resolve) => pending.push(resolve)),
      finish: (i: number) => pending[i]!(),
    };
  }

  it('has nothing to sync for an in-memory database', () => {
    expect(walSync(openDatabase(':memory:'))).toBeUndefined();
  });

  it('syncs the log file of a real database', async () => {
    const wal = walSync(database())!;
    await expect(wal.sync()).resolves.toBeUndefined();
    await wal.close();
  });

  it('never lets a sync that began earlier answer for a later commit, and serves all who waited with one more', async () => {
    const disk = manualFsync();
    const wal = walSync(database(), { fsync: disk.fsync })!;
    const settled: string[] = [];
    const first = wal.sync().then(() => settled.push('first'));
    await waitFor('the first fsync', () => disk.calls() === 1);
    // Two commits made while the first sync runs: it may have begun before they were written.
    const second = wal.sync().then(() => settled.push('second'));
    const third = wal.sync().then(() => settled.push('third'));
    disk.finish(0);
    await first;
    expect(settled).toEqual(['first']);
    await waitFor('the second fsync', () => disk.calls() === 2);
    disk.finish(1);
    await Promise.all([second, third]);
    expect(settled).toEqual(['first', 'second', 'third']);
    expect(disk.calls()).toBe(2);
    await wal.close();
  });

  it('rejects the waiters of a failed sync, and the next sync tries again', async () => {
    let fail = true;
    const wal = walSync(database(), { fsync: () => (fail ? Promise.reject(new Error('EIO: i/o error, fsync')) : Promise.resolve()) })!;
    await expect(wal.sync()).rejects.toThrow('EIO');
    fail = false;
    await expect(wal.sync()).resolves.toBeUndefined();
    await wal.close();
  });
});
