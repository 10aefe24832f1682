import BetterSqlite3 from 'better-sqlite3';
import { describe, it, expect } from 'vitest';
import { migrate, userVersion, type Migration } from './migrate.js';
import { openDatabase } from './db.js';
import { MIGRATIONS } from './migrations/index.js';
import { Outbox } from '../delivery/outbox.js';

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

describe('migration 007 (outbox payload apart from the row)', () => {
  it('keeps every queued message whole, and a pruned row takes its payload with it', () => {
    const db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 6) });
    const insert = db.prepare(`INSERT INTO outbox (room_id, event_type, content, txn_id, created_at, event_json, state, sent_at)
      VALUES ('!r:x', 'm.room.message', ?, ?, 0, ?, ?, ?)`);
    insert.run('{"body":"DOWN"}', 't1', '{"name":"web"}', 'pending', null);
    insert.run('{"body":"UP"}', 't2', null, 'sent', 1);
    // Through every later migration too: the Outbox reads the latest schema.
    expect(migrate(db, MIGRATIONS)).toEqual({ from: 6, to: MIGRATIONS.length });

    const outbox = new Outbox(db);
    expect(outbox.get(1)).toMatchObject({ txnId: 't1', content: { body: 'DOWN' }, event: { name: 'web' } });
    expect(outbox.get(2)).toMatchObject({ txnId: 't2', content: { body: 'UP' }, event: null, state: 'sent' });
    expect(outbox.prune(2)).toBe(1);
    expect(db.prepare('SELECT id FROM outbox_payload').pluck().all()).toEqual([1]);
  });
});

describe('migration 008 (no index of event ids)', () => {
  it('drops the index a sent mark had to write on a random page, and keeps the event ids', () => {
    const db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 7) });
    const eventIdIndexes = () => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%event_id%'").pluck().all();
    expect(eventIdIndexes()).toEqual(['outbox_by_event_id']);
    const { lastInsertRowid: id } = db.prepare(`INSERT INTO outbox (room_id, event_type, txn_id, created_at, state, event_id, sent_at)
      VALUES ('!r:x', 'm.room.message', 't1', 0, 'sent', '$sent', 1)`).run();
    db.prepare(`INSERT INTO outbox_payload (id, content) VALUES (?, '{"body":"DOWN"}')`).run(id);
    expect(migrate(db, MIGRATIONS.slice(0, 8))).toEqual({ from: 7, to: 8 });
    expect(eventIdIndexes()).toEqual([]);
    migrate(db, MIGRATIONS);
    expect(new Outbox(db).get(Number(id))).toMatchObject({ state: 'sent', eventId: '$sent', content: { body: 'DOWN' } });
  });
});

describe('migration 009 (CHECK constraints as comparisons)', () => {
  it('keeps every row, payload, id and queue position, and still refuses a state or kind it does not know', () => {
    const db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 8) });
    const insert = db.prepare(`INSERT INTO outbox (room_id, event_type, txn_id, dedupe_key, created_at, state, event_id, sent_at, kind, template, has_event)
      VALUES ('!r:x', 'm.room.message', ?, ?, 1, ?, ?, ?, ?, ?, ?)`);
    const payload = db.prepare('INSERT INTO outbox_payload (id, content, event_json) VALUES (?, ?, ?)');
    const rows = [
      insert.run('t1', 'k1', 'sent', '$down', 2, 'alert', 'default', 1),
      insert.run('t2', null, 'pending', null, null, 'reply', null, 0),
      insert.run('t3', null, 'pending', null, null, 'alert', null, 0),
    ].map((r) => ({ id: Number(r.lastInsertRowid) }));
    payload.run(rows[0]!.id, '{"body":"DOWN"}', '{"name":"web"}');
    payload.run(rows[1]!.id, '{"body":"UP"}', null);
    payload.run(rows[2]!.id, '{"body":"gone"}', null);
    // The newest row pruned away: its id must not come back (AUTOINCREMENT's mark survives the rebuild).
    db.prepare('DELETE FROM outbox WHERE id = ?').run(rows[2]!.id);
    const columns = 'o.id, room_id, event_type, txn_id, dedupe_key, state, attempts, next_attempt_at, last_error, event_id, created_at, '
      + 'sent_at, kind, template, not_before, relates_to_row, incident_id, seq, has_event, p.content, p.event_json';
    const dump = (): unknown[] => db.prepare(`SELECT ${columns} FROM outbox AS o JOIN outbox_payload AS p USING (id) ORDER BY id`).all();
    const kept = dump();

    expect(migrate(db, MIGRATIONS.slice(0, 9))).toEqual({ from: 8, to: 9 });
    expect(dump()).toEqual(kept);
    migrate(db, MIGRATIONS);
    const after = new Outbox(db);
    expect(after.head('!r:x')).toMatchObject({ id: rows[1]!.id, kind: 'reply', content: { body: 'UP' } });
    const [next] = after.enqueue([{ roomId: '!r:x', eventType: 'm.room.message', content: { body: 'new' } }]);
    expect(next!.id).toBe(rows[2]!.id + 1);
    expect(() => db.prepare("UPDATE outbox SET state = 'lost' WHERE id = ?").run(next!.id)).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare("UPDATE outbox SET kind = 'note' WHERE id = ?").run(next!.id)).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare('UPDATE outbox SET has_event = 2 WHERE id = ?').run(next!.id)).toThrow(/CHECK constraint failed/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'outbox' AND type = 'index' AND sql IS NOT NULL ORDER BY name").pluck().all())
      .toEqual(['outbox_finished', 'outbox_group_candidates', 'outbox_pending_by_room', 'outbox_relates']);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});
