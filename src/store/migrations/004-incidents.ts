// Schema 4: incidents and grouping — outbox rows learn their kind, event, relation and send-not-before; incidents table.
import type { Migration } from '../migrate.js';

/**
 * SQLite cannot widen a CHECK, so `outbox` is rebuilt to accept the state 'merged' (a row folded into a group row:
 * kept for people to see, never sent). New columns: `kind` (alert | reply | edit), `event_json` and `template`
 * (to re-render a group), `not_before` (ms), `relates_to_row` (the earlier row whose event id this row's content
 * needs), `incident_id`, and `seq` (queue position: a group row takes the place of its first original).
 * `incidents`: one per (monitor, room) outage, open while `resolved_at` is NULL.
 */
export const migration: Migration = {
  version: 4,
  name: 'incidents',
  up: `
    CREATE TABLE outbox_v4 (
      id              INTEGER PRIMARY KEY AUTOINCREMENT,
      room_id         TEXT    NOT NULL,
      event_type      TEXT    NOT NULL,
      content         TEXT    NOT NULL CHECK (json_valid(content)),
      txn_id          TEXT    NOT NULL UNIQUE,
      dedupe_key      TEXT    UNIQUE,
      state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'rejected', 'merged')),
      attempts        INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL DEFAULT 0,
      last_error      TEXT,
      event_id        TEXT,
      created_at      INTEGER NOT NULL,
      sent_at         INTEGER,
      kind            TEXT    NOT NULL DEFAULT 'alert' CHECK (kind IN ('alert', 'reply', 'edit')),
      event_json      TEXT    CHECK (event_json IS NULL OR json_valid(event_json)),
      template        TEXT,
      not_before      INTEGER NOT NULL DEFAULT 0,
      relates_to_row  INTEGER,
      incident_id     INTEGER,
      seq             INTEGER
    );
    INSERT INTO outbox_v4 (id, room_id, event_type, content, txn_id, dedupe_key, state, attempts, next_attempt_at,
                           last_error, event_id, created_at, sent_at)
      SELECT id, room_id, event_type, content, txn_id, dedupe_key, state, attempts, next_attempt_at,
             last_error, event_id, created_at, sent_at FROM outbox;
    -- Keeps AUTOINCREMENT's high-water mark, so an id is never reused.
    DELETE FROM sqlite_sequence WHERE name = 'outbox_v4';
    INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_v4', seq FROM sqlite_sequence WHERE name = 'outbox';
    DROP TABLE outbox;
    ALTER TABLE outbox_v4 RENAME TO outbox;
    -- The queue heads: only pending rows, in queue order per room.
    CREATE INDEX outbox_pending_by_room ON outbox (room_id, coalesce(seq, id), id) WHERE state = 'pending';
    CREATE INDEX outbox_finished ON outbox (coalesce(sent_at, created_at)) WHERE state <> 'pending';
    CREATE INDEX outbox_relates ON outbox (relates_to_row) WHERE relates_to_row IS NOT NULL;

    CREATE TABLE incidents (
      id          INTEGER PRIMARY KEY AUTOINCREMENT,
      key         TEXT    NOT NULL,
      room_id     TEXT    NOT NULL,
      root_row_id INTEGER NOT NULL,
      started_at  INTEGER NOT NULL,
      resolved_at INTEGER,
      acked_by    TEXT,
      acked_at    INTEGER
    );
    -- At most one open incident per monitor and room.
    CREATE UNIQUE INDEX incidents_open ON incidents (key, room_id) WHERE resolved_at IS NULL;
    CREATE INDEX incidents_by_root ON incidents (root_row_id);
  `,
};
