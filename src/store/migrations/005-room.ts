// Schema 5: acting from the room — small key/value state (the /sync token) and mutes set with `!vigie mute`.
import type { Migration } from '../migrate.js';

/**
 * `kv` holds small named values, such as where the next /sync starts, so a restart does not replay old commands.
 * `mutes` holds the maintenance windows set from the room: one per target (a monitor name or a tag) until `until_ms`.
 */
export const migration: Migration = {
  version: 5,
  name: 'room',
  up: `
    CREATE TABLE kv (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE mutes (
      target     TEXT    PRIMARY KEY,
      until_ms   INTEGER NOT NULL,
      by         TEXT    NOT NULL,
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
  `,
};
