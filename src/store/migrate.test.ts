import BetterSqlite3 from 'better-sqlite3';
import { describe, it, expect } from 'vitest';
import { migrate, userVersion, type Migration } from './migrate.js';

const one: Migration = { version: 1, name: 'things', up: 'CREATE TABLE things (id INTEGER PRIMARY KEY);' };
const two: Migration = { version: 2, name: 'colour', up: 'ALTER TABLE things ADD COLUMN colour TEXT;' };

const tables = (db: BetterSqlite3.Database): string[] =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];

describe('migrate', () => {
  it('applies the missing steps in order and records the version', () => {
    const db = new BetterSqlite3(':memory:');
    expect(migrate(db, [one])).toEqual({ from: 0, to: 1 });
    expect(migrate(db, [one, two])).toEqual({ from: 1, to: 2 });
    expect(migrate(db, [one, two])).toEqual({ from: 2, to: 2 });
    expect(db.prepare('SELECT colour FROM things').all()).toEqual([]);
  });

  it('rolls a failing step back entirely: no half-applied schema, version unchanged', () => {
    const db = new BetterSqlite3(':memory:');
    const broken: Migration = { version: 2, name: 'broken', up: 'CREATE TABLE half (id INTEGER); CREATE TABLE oops (' };
    migrate(db, [one]);
    expect(() => migrate(db, [one, broken])).toThrow(/migration 002-broken failed on the database .*Nothing of this step was applied/);
    expect(userVersion(db)).toBe(1);
    expect(tables(db)).toEqual(['things']);
  });

  it('rejects a list with gaps (a bug in Vigie, caught before touching the database)', () => {
    const db = new BetterSqlite3(':memory:');
    expect(() => migrate(db, [two])).toThrow(/versions must be 1, 2, 3/);
    expect(userVersion(db)).toBe(0);
  });
});
