import { describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { limitedStatements } from './limited.js';

describe('limitedStatements', () => {
  it('prepares one statement per limit, with the limit in its SQL, and gives it back at each use', () => {
    const db = openDatabase(':memory:');
    db.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)');
    const firstRows = limitedStatements((limit) => db.prepare(`SELECT n FROM t ORDER BY n LIMIT ${limit}`).pluck());
    expect(firstRows(2).all()).toEqual([1, 2]);
    expect(firstRows(2)).toBe(firstRows(2));
    expect(firstRows(1).all()).toEqual([1]);
    expect(firstRows(-1).all()).toEqual([1, 2, 3]);
    expect(firstRows(2).source).toContain('LIMIT 2');
  });

  it('refuses a limit that is not an integer, before it reaches the SQL', () => {
    let prepared = 0;
    const statements = limitedStatements((limit) => { prepared += 1; return limit; });
    expect(() => statements(1.5)).toThrow(/must be an integer, not 1.5/);
    expect(() => statements(Number.NaN)).toThrow(/must be an integer/);
    expect(prepared).toBe(0);
  });
});
