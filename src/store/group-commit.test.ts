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
    const { db, group, insert, count } = setup();
    let transactions = 0;
    const original = db.transaction.bind(db);
    db.transaction = ((fn: () => unknown) => { transactions++; return original(fn); }) as typeof db.transaction;
    const results = await Promise.all(['a', 'b', 'c'].map((v) => group(() => insert.run(v).changes)));
    expect(results).toEqual([1, 1, 1]);
    expect(count()).toBe(3);
    expect(transactions).toBe(4); // one shared transaction, one savepoint per work
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
