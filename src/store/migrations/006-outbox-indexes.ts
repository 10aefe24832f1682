// Schema 6: outbox indexes — a row by the event id the homeserver gave it (a reaction names that event), and the
// rows grouping may fold (without it, each send of a long backlog would read the whole backlog).
import type { Migration } from '../migrate.js';

/** Partial indexes: only sent rows have an event id; only windowed, unattempted rows and edits are grouped. */
export const migration: Migration = {
  version: 6,
  name: 'outbox-indexes',
  up: `
    CREATE INDEX outbox_by_event_id ON outbox (event_id) WHERE event_id IS NOT NULL;
    CREATE INDEX outbox_group_candidates ON outbox (room_id, coalesce(seq, id), id) WHERE state = 'pending' AND attempts = 0 AND (kind = 'edit' OR (not_before > created_at AND event_json IS NOT NULL));
  `,
};
