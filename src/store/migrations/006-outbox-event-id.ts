// Schema 6: find an outbox row by the event id the homeserver gave it (a reaction or command names that event).
import type { Migration } from '../migrate.js';

/** A partial index: only sent rows have an event id. */
export const migration: Migration = {
  version: 6,
  name: 'outbox-event-id',
  up: `CREATE INDEX outbox_by_event_id ON outbox (event_id) WHERE event_id IS NOT NULL;`,
};
