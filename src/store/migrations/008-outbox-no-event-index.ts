// Schema 8: no index of event ids. Event ids are random, so each "sent" mark wrote the index on a page of its own
// (about 100 pages of the log per 128 marks, against 18 without it), two thirds of what a mark cost. The one lookup
// by event id, a reaction acknowledging an open incident, now reads the few rows of open incidents' threads instead.
import type { Migration } from '../migrate.js';

export const migration: Migration = {
  version: 8,
  name: 'outbox-no-event-index',
  up: 'DROP INDEX outbox_by_event_id;',
};
