import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { createGroupCommit, WalSyncError } from './group-commit.js';

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
      const group = createGroupCommit(db, { syncWal: async () => undefined });
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
});

describe('group commit on a WAL database with synchronous=FULL', () => {
  const folders: string[] = [];
  afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

  function setup(options: { synchronous?: 'FULL' | 'NORMAL' } = {}) {
    const folder = mkdtempSync(join(tmpdir(), 'vigie-group-'));
    folders.push(folder);
    const db = openDatabase(join(folder, 'vigie.db'), options);
    db.exec('CREATE TABLE t (v TEXT UNIQUE)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const syncs: Array<{ path: string; done: () => void; fail: (error: Error) => void }> = [];
    const syncWal = (path: string) => new Promise<void>((done, fail) => void syncs.push({ path, done, fail }));
    return { db, folder, insert, syncs, group: createGroupCommit(db, { syncWal }) };
  }
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('commits without syncing, then resolves the works only once the WAL is synced', async () => {
    const { db, folder, insert, syncs, group } = setup();
    let resolved = 0;
    const works = ['a', 'b'].map((v) => group(() => insert.run(v).changes).then((n) => (resolved += n)));
    await turn();
    expect(syncs.map((s) => s.path)).toEqual([join(folder, 'vigie.db-wal')]);
    expect(resolved).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2 });
    syncs[0]!.done();
    await Promise.all(works);
    expect(resolved).toBe(2);
  });

  it('commits the batch with synchronous=NORMAL and gives the connection back its FULL', async () => {
    const { db, syncs, group } = setup();
    const inside = group(() => db.pragma('synchronous', { simple: true }));
    await turn();
    syncs[0]!.done();
    expect(await inside).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('keeps one sync in flight: batches committed meanwhile wait for the next sync, begun after the first ends', async () => {
    const { insert, syncs, group } = setup();
    const first = group(() => insert.run('a'));
    await turn();
    const second = group(() => insert.run('b'));
    await turn();
    const third = group(() => insert.run('c'));
    await turn();
    expect(syncs).toHaveLength(1);
    syncs[0]!.done();
    await first;
    await turn();
    expect(syncs).toHaveLength(2);
    let later = false;
    void Promise.all([second, third]).then(() => (later = true));
    await turn();
    expect(later).toBe(false);
    syncs[1]!.done();
    await Promise.all([second, third]);
  });

  it('rejects the stored works when the sync fails, and a work that failed alone at once with its own error', async () => {
    const { insert, syncs, group } = setup();
    const outcomes = Promise.allSettled(['a', 'a'].map((v) => group(() => insert.run(v))));
    await turn();
    syncs[0]!.fail(new Error('EIO'));
    const [stored, duplicate] = await outcomes;
    expect(stored).toMatchObject({ status: 'rejected', reason: { name: 'WalSyncError' } });
    expect((stored as PromiseRejectedResult).reason).toBeInstanceOf(WalSyncError);
    expect(String((duplicate as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
  });

  it('leaves the sync to SQLite when the connection does not sync commits (NORMAL)', async () => {
    const { insert, syncs, group } = setup({ synchronous: 'NORMAL' });
    await group(() => insert.run('a'));
    expect(syncs).toHaveLength(0);
  });

  it('syncs the real WAL file by default', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'vigie-group-'));
    folders.push(folder);
    const db = openDatabase(join(folder, 'vigie.db'));
    db.exec('CREATE TABLE t (v TEXT)');
    const group = createGroupCommit(db);
    await Promise.all(['a', 'b'].map((v) => group(() => db.prepare('INSERT INTO t (v) VALUES (?)').run(v))));
    db.close();
    const reopened = openDatabase(join(folder, 'vigie.db'));
    expect(reopened.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2 });
    reopened.close();
  });
});
