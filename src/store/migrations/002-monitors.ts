// Schema 2: the monitor engine's memory — each monitor's state, its heartbeats, and per-minute/hour aggregates.
import type { Migration } from '../migrate.js';

/**
 * `monitor` keeps what survives a restart (Kuma's state machine, TLS warnings sent); `heartbeat` is the history,
 * pruned after the retention period; `heartbeat_minute` and `heartbeat_hour` are the aggregates charts read.
 */
export const migration: Migration = {
  version: 2,
  name: 'monitors',
  up: `
    CREATE TABLE monitor (
      id           INTEGER PRIMARY KEY AUTOINCREMENT,
      name         TEXT    NOT NULL UNIQUE,
      -- Kuma's state: the last beat's status (NULL before the first beat), failures in a row, DOWN beats since the last alert.
      status       INTEGER CHECK (status IN (0, 1, 2, 3)),
      retries      INTEGER NOT NULL DEFAULT 0,
      down_count   INTEGER NOT NULL DEFAULT 0,
      -- When status last took its value ("down since").
      changed_at   INTEGER,
      -- The certificate last seen, and the expiry thresholds (days) already warned about for it (a JSON array).
      tls_fingerprint TEXT,
      tls_warned   TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(tls_warned)),
      created_at   INTEGER NOT NULL
    );
    CREATE TABLE heartbeat (
      id         INTEGER PRIMARY KEY,
      monitor_id INTEGER NOT NULL REFERENCES monitor (id) ON DELETE CASCADE,
      time       INTEGER NOT NULL,
      status     INTEGER NOT NULL CHECK (status IN (0, 1, 2, 3)),
      msg        TEXT    NOT NULL,
      ping       REAL,
      important  INTEGER NOT NULL DEFAULT 0,
      retries    INTEGER NOT NULL DEFAULT 0
    );
    -- A monitor's history in time order, and the pruner's per-monitor range deletes.
    CREATE INDEX heartbeat_by_monitor ON heartbeat (monitor_id, time);
    -- Beats per status and ping statistics per monitor and bucket (bucket = start of the minute or hour, in ms).
    CREATE TABLE heartbeat_minute (
      monitor_id  INTEGER NOT NULL REFERENCES monitor (id) ON DELETE CASCADE,
      bucket      INTEGER NOT NULL,
      up          INTEGER NOT NULL DEFAULT 0,
      down        INTEGER NOT NULL DEFAULT 0,
      pending     INTEGER NOT NULL DEFAULT 0,
      maintenance INTEGER NOT NULL DEFAULT 0,
      ping_count  INTEGER NOT NULL DEFAULT 0,
      ping_sum    REAL    NOT NULL DEFAULT 0,
      ping_min    REAL,
      ping_max    REAL,
      PRIMARY KEY (monitor_id, bucket)
    ) WITHOUT ROWID;
    CREATE TABLE heartbeat_hour (
      monitor_id  INTEGER NOT NULL REFERENCES monitor (id) ON DELETE CASCADE,
      bucket      INTEGER NOT NULL,
      up          INTEGER NOT NULL DEFAULT 0,
      down        INTEGER NOT NULL DEFAULT 0,
      pending     INTEGER NOT NULL DEFAULT 0,
      maintenance INTEGER NOT NULL DEFAULT 0,
      ping_count  INTEGER NOT NULL DEFAULT 0,
      ping_sum    REAL    NOT NULL DEFAULT 0,
      ping_min    REAL,
      ping_max    REAL,
      PRIMARY KEY (monitor_id, bucket)
    ) WITHOUT ROWID;
  `,
};
