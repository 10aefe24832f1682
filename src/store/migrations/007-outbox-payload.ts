// Schema 7: an outbox row's payload (content and event, kilobytes, written once) moves out of the row the deliverer
// updates at every send: SQLite rewrites a whole record on UPDATE, so a "sent" mark rewrote 4 kB and its overflow pages.
import type { Migration } from '../migrate.js';

/**
 * `outbox_payload` holds `content` and `event_json` by outbox id, deleted with its row. `outbox.has_event` keeps
 * what the group-candidates index needs to know of the event (a partial index can only read its own table).
 * No json_valid() CHECK on the payload: Vigie writes it with JSON.stringify, and the check parsed 4 kB per insert.
 */
export const migration: Migration = {
  version: 7,
  name: 'outbox-payload',
  up: `
    CREATE TABLE outbox_payload (
      id         INTEGER PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
      content    TEXT    NOT NULL,
      event_json TEXT
    );
    INSERT INTO outbox_payload (id, content, event_json) SELECT id, content, event_json FROM outbox;
    ALTER TABLE outbox ADD COLUMN has_event INTEGER NOT NULL DEFAULT 0 CHECK (has_event IN (0, 1));
    UPDATE outbox SET has_event = 1 WHERE event_json IS NOT NULL;
    DROP INDEX outbox_group_candidates;
    ALTER TABLE outbox DROP COLUMN content;
    ALTER TABLE outbox DROP COLUMN event_json;
    CREATE INDEX outbox_group_candidates ON outbox (room_id, coalesce(seq, id), id) WHERE state = 'pending' AND attempts = 0 AND (kind = 'edit' OR (not_before > created_at AND has_event = 1));
  `,
};
