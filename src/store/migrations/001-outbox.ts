// Schema 1: the durable outbox, one row per message to one room, from enqueue until the homeserver accepts it.
import type { Migration } from '../migrate.js';

/** Creates the `outbox` table and the indexes the deliverer and the pruner read through. */
export const migration: Migration = {
  version: 1,
  name: 'outbox',
  up: `
    CREATE TABLE outbox (
      id              INTEGER PRIMARY KEY AUTOINCREMENT,
      room_id         TEXT    NOT NULL,
      event_type      TEXT    NOT NULL,
      content         TEXT    NOT NULL CHECK (json_valid(content)),
      txn_id          TEXT    NOT NULL UNIQUE,
      dedupe_key      TEXT    UNIQUE,
      state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'rejected')),
      attempts        INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL DEFAULT 0,
      last_error      TEXT,
      event_id        TEXT,
      created_at      INTEGER NOT NULL,
      sent_at         INTEGER
    );
    -- The queue heads: only pending rows, in id order per room.
    CREATE INDEX outbox_pending_by_room ON outbox (room_id, id) WHERE state = 'pending';
    -- The pruner: finished rows by age.
    CREATE INDEX outbox_finished ON outbox (coalesce(sent_at, created_at)) WHERE state <> 'pending';
  `,
};
