// Schema 3: the end-to-end encryption store — an IndexedDB mirror (databases, their schema, their records) and small state.
import type { Migration } from '../migrate.js';

/**
 * `crypto_idb_database` holds each mirrored IndexedDB database's version and object-store schema (JSON);
 * `crypto_idb_record` every record, keyed by the canonical text of its IndexedDB key, the value v8-serialized
 * (the crypto library encrypts values and hashes keys with the store passphrase); `crypto_state` the /sync token.
 */
export const migration: Migration = {
  version: 3,
  name: 'crypto',
  up: `
    CREATE TABLE crypto_idb_database (
      name    TEXT    PRIMARY KEY,
      version INTEGER NOT NULL,
      schema  TEXT    NOT NULL CHECK (json_valid(schema))
    ) WITHOUT ROWID;
    CREATE TABLE crypto_idb_record (
      db      TEXT NOT NULL,
      store   TEXT NOT NULL,
      key     TEXT NOT NULL,
      value   BLOB NOT NULL,
      PRIMARY KEY (db, store, key)
    ) WITHOUT ROWID;
    CREATE TABLE crypto_state (
      name    TEXT PRIMARY KEY,
      value   TEXT NOT NULL
    ) WITHOUT ROWID;
  `,
};
