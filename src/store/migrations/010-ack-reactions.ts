// Schema 10: which reactions acknowledge an incident, so taking one back (a redaction) can withdraw the acknowledgement.
import type { Migration } from '../migrate.js';

/**
 * `incident_ack_reactions`: each 👍/✅ put on an open incident's message by a member allowed to acknowledge, the first
 * one and the later ones alike. `incidents.acked_by_command`: acknowledged with `!vigie ack`, which no reaction taken
 * back withdraws. Acknowledgements from before this schema have no reactions kept: they stay as they are.
 */
export const migration: Migration = {
  version: 10,
  name: 'ack-reactions',
  up: `
    CREATE TABLE incident_ack_reactions (
      event_id    TEXT    NOT NULL,
      incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
      sender      TEXT    NOT NULL,
      PRIMARY KEY (event_id, incident_id)
    ) WITHOUT ROWID;
    CREATE INDEX incident_ack_reactions_by_incident ON incident_ack_reactions (incident_id);
    ALTER TABLE incidents ADD COLUMN acked_by_command INTEGER NOT NULL DEFAULT 0 CHECK (acked_by_command = 0 OR acked_by_command = 1);
  `,
};
