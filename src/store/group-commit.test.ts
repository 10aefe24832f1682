import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { createGroupCommit } from './group-commit.js';

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
});

