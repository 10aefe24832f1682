import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, it, expect } from 'vitest';
import { openDatabase } from './db.js';
import { userVersion } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'vigie-db-'));

describe('openDatabase', () => {
  it('creates the parent folder and a durable, migrated database', () => {
    const path = join(tempDir(), 'nested', 'data', 'vigie.db');
    const db = openDatabase(path);
    expect(existsSync(path)).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    expect(userVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").get()).toBeDefined();
    db.close();
  });

  it('reopens an existing database without re-running migrations, keeping its rows', () => {
    const path = join(tempDir(), 'vigie.db');
    const first = openDatabase(path);
    first.prepare("INSERT INTO outbox (room_id, event_type, txn_id, created_at) VALUES ('!r:x', 'm.room.message', 't1', 0)").run();
    first.close();
    const again = openDatabase(path);
    expect(again.prepare('SELECT txn_id FROM outbox').pluck().all()).toEqual(['t1']);
    again.close();
  });

  it('allows :memory: for tests', () => {
    const db = openDatabase(':memory:');
    expect(userVersion(db)).toBe(MIGRATIONS.length);
    db.close();
  });

  it('refuses a database written by a newer Vigie, saying what to do, and leaves it untouched', () => {
    const path = join(tempDir(), 'vigie.db');
    const raw = new BetterSqlite3(path);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => openDatabase(path)).toThrow(new RegExp(`newer Vigie \\(schema version 99; this Vigie knows up to ${MIGRATIONS.length}\\)\\. Upgrade Vigie`));
    const check = new BetterSqlite3(path);
    expect(userVersion(check)).toBe(99);
    check.close();
  });

  it('names the file when it is not a SQLite database', () => {
    const path = join(tempDir(), 'notes.txt');
    writeFileSync(path, 'this is not a database, just some text that is long enough to have a header'.repeat(20));
    expect(() => openDatabase(path)).toThrow(`${path} is not a SQLite database`);
    expect(readFileSync(path, 'utf8')).toMatch(/^this is not a database/);
  });
});
