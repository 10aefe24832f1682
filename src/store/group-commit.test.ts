import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { createGroupCommit } from './group-commit.js';
import type { WalSync } from './wal-sync.js';
import { waitFor } from '../../test/support/wait.js';

describe('group commit', () => {
  function setup() {
    const db = openDatabase(':memory:');
    db.exec('CREATE TABLE t (v TEXT UNIQUE)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const count = () => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
    return { db, group: createGroupCommit(db), insert, count };
  }

  it('stores the works of one turn in one transaction, resolving each with its own result', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'vigie-group-'));
    try {
      const db = openDatabase(join(folder, 'vigie.db'));
      db.exec('CREATE TABLE t (v TEXT UNIQUE)');
      const other = openDatabase(join(folder, 'vigie.db'));
      const seenByOther = () => (other.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
      const group = createGroupCommit(db);
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      const seen: number[] = [];
      const results = await Promise.all(['a', 'b', 'c'].map((v) => group(() => {
        seen.push(seenByOther());
        return insert.run(v).changes;
      })));
      expect(results).toEqual([1, 1, 1]);
      expect(seen).toEqual([0, 0, 0]); // nothing committed until the last work of the turn has run
      expect(seenByOther()).toBe(3);
      other.close();
      db.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('rolls back and rejects only the work that failed', async () => {
    const { group, insert, count } = setup();
    const outcomes = await Promise.allSettled(['a', 'a', 'b'].map((v) => group(() => insert.run(v))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(count()).toBe(2);
  });

  it('rejects every work of the batch when the commit fails', async () => {
    const { db, group, insert } = setup();
    const pending = group(() => insert.run('a'));
    db.close();
    await expect(pending).rejects.toThrow(/not open/);
  });

  describe('with the log synced off the event loop', () => {
    /** A WalSync whose syncs end when the test says so. */
    function manualWal(fail?: Error) {
      const waiting: Array<() => void> = [];
      const wal: WalSync = {
        sync: () => new Promise<void>((resolve, reject) => waiting.push(() => (fail ? reject(fail) : resolve()))),
        close: () => Promise.resolve(),
      };
      return { wal, syncs: () => waiting.length, finish: () => waiting.splice(0).forEach((end) => end()) };
    }

    function durable() {
      const folder = mkdtempSync(join(tmpdir(), 'vigie-group-'));
      const db = openDatabase(join(folder, 'vigie.db'));
      db.exec('CREATE TABLE t (v TEXT UNIQUE)');
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      return { db, insert, done: () => { db.close(); rmSync(folder, { recursive: true, force: true }); } };
    }

    it('answers only once the log holding the batch is synced, and leaves the connection durable', async () => {
      const { db, insert, done } = durable();
      try {
        const disk = manualWal();
        const group = createGroupCommit(db, { wal: disk.wal });
        const answered: string[] = [];
        const levels: unknown[] = [];
        const works = ['a', 'b'].map((v) => group(() => {
          levels.push(db.pragma('synchronous', { simple: true }));
          return insert.run(v);
        }).then(() => answered.push(v)));
        await waitFor('the log sync of the batch', () => disk.syncs() === 1);
        expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2); // committed, not yet answered
        expect(answered).toEqual([]);
        expect(levels).toEqual([1, 1]); // the batch committed without waiting for the disk (NORMAL)…
        expect(db.pragma('synchronous', { simple: true })).toBe(2); // …and the connection is FULL again for every other writer
        disk.finish();
        await Promise.all(works);
        expect(answered).toEqual(['a', 'b']);
      } finally {
        done();
      }
    });

    it('rejects the whole batch when the log cannot be synced', async () => {
      const { db, insert, done } = durable();
      try {
        const disk = manualWal(new Error('EIO: i/o error, fsync'));
        const group = createGroupCommit(db, { wal: disk.wal });
        const work = group(() => insert.run('a'));
        await waitFor('the log sync of the batch', () => disk.syncs() === 1);
        disk.finish();
        await expect(work).rejects.toThrow('EIO');
      } finally {
        done();
      }
    });
  });
});
