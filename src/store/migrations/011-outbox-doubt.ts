// Schema 11: when a message's delivery first came into doubt, so it can be looked for in the room before it is sent
// again after the homeserver forgot its txnId (Synapse remembers one for 24 hours).
import type { Migration } from '../migrate.js';

/**
 * `outbox.doubt_since` (ms, NULL while every attempt surely failed): the first attempt that may have reached the
 * homeserver without Vigie reading its answer (a connection cut or timed out after sending, a 5xx from a proxy).
 */
export const migration: Migration = {
  version: 11,
  name: 'outbox-doubt',
  up: 'ALTER TABLE outbox ADD COLUMN doubt_since INTEGER;',
};
