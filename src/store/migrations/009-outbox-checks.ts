// Schema 9: the outbox's CHECK constraints written as comparisons. SQLite evaluates `x IN ('a', 'b', …)` in a CHECK
// through a temporary table built at each insert and each state change: 3–4 µs an alert, a third of its row insert.
import type { Migration } from '../migrate.js';

const COLUMNS = 'id, room_id, event_type, txn_id, dedupe_key, state, attempts, next_attempt_at, last_error, event_id, '
  + 'created_at, sent_at, kind, template, not_before, relates_to_row, incident_id, seq, has_event';

/**
 * SQLite cannot change a CHECK in place, so `outbox` is rebuilt with the same columns and the same rules. Dropping it
 * deletes the payloads (ON DELETE CASCADE, and foreign keys cannot be turned off inside the migration's transaction),
 * so they are kept aside and put back. AUTOINCREMENT's high-water mark moves to the new table: no id is reused.
 */
export const migration: Migration = {
  version: 9,
  name: 'outbox-checks',
  up: `
    CREATE TEMP TABLE payload_v8 AS SELECT id, content, event_json FROM outbox_payload;
    CREATE TABLE outbox_v9 (
      id              INTEGER PRIMARY KEY AUTOINCREMENT,
      room_id         TEXT    NOT NULL,
      event_type      TEXT    NOT NULL,
      txn_id          TEXT    NOT NULL UNIQUE,
      dedupe_key      TEXT    UNIQUE,
      state           TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (state = 'pending' OR state = 'sent' OR state = 'rejected' OR state = 'merged'),
      attempts        INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL DEFAULT 0,
      last_error      TEXT,
      event_id        TEXT,
      created_at      INTEGER NOT NULL,
      sent_at         INTEGER,
      kind            TEXT    NOT NULL DEFAULT 'alert' CHECK (kind = 'alert' OR kind = 'reply' OR kind = 'edit'),
      template        TEXT,
      not_before      INTEGER NOT NULL DEFAULT 0,
      relates_to_row  INTEGER,
      incident_id     INTEGER,
      seq             INTEGER,
      has_event       INTEGER NOT NULL DEFAULT 0 CHECK (has_event = 0 OR has_event = 1)
    );
    INSERT INTO outbox_v9 (${COLUMNS}) SELECT ${COLUMNS} FROM outbox;
    DELETE FROM sqlite_sequence WHERE name = 'outbox_v9';
    INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_v9', seq FROM sqlite_sequence WHERE name = 'outbox';
    DROP TABLE outbox;
    ALTER TABLE outbox_v9 RENAME TO outbox;
    INSERT INTO outbox_payload (id, content, event_json) SELECT id, content, event_json FROM temp.payload_v8;
    DROP TABLE temp.payload_v8;
    CREATE INDEX outbox_pending_by_room ON outbox (room_id, coalesce(seq, id), id) WHERE state = 'pending';
    CREATE INDEX outbox_finished ON outbox (coalesce(sent_at, created_at)) WHERE state <> 'pending';
    CREATE INDEX outbox_relates ON outbox (relates_to_row) WHERE relates_to_row IS NOT NULL;
    CREATE INDEX outbox_group_candidates ON outbox (room_id, coalesce(seq, id), id) WHERE state = 'pending' AND attempts = 0 AND (kind = 'edit' OR (not_before > created_at AND has_event = 1));
  `,
};
