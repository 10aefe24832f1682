// Applies numbered schema migrations, tracking the schema version in `PRAGMA user_version`.
import type BetterSqlite3 from 'better-sqlite3';
import { StoreError } from './errors.js';

/** One schema step, written as a TS module so it is compiled into dist/ with the rest of the code. */
export interface Migration {
  /** The schema version this migration produces: 1, 2, 3… without gaps. */
  version: number;
  /** A short name for messages, e.g. `outbox`. */
  name: string;
  /** The SQL that takes the schema from `version - 1` to `version`. */
  up: string;
}

/** What `migrate` did: the schema version found and the one left. */
export interface MigrationResult {
  from: number;
  to: number;
}

/** Brings the database up to the last migration, each step in its own transaction with its version bump. */
export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[]): MigrationResult {
  checkSequence(migrations);
  const latest = migrations.length;
  const from = userVersion(db);
  if (from > latest) {
    throw new StoreError(
      `the database ${db.name} was written by a newer Vigie (schema version ${from}; this Vigie knows up to ${latest}). ` +
        'Upgrade Vigie, or set store.path to another file; the database was left untouched.',
    );
  }
  for (const m of migrations.slice(from)) {
    // IMMEDIATE takes the write lock first, so the version re-read inside cannot be stale.
    const step = db.transaction(() => {
      if (userVersion(db) >= m.version) return;
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      step.immediate();
    } catch (err) {
      throw new Error(
        `migration ${label(m)} failed on the database ${db.name}: ${(err as Error).message}. ` +
          'Nothing of this step was applied; restore a backup or report this as a bug.',
        { cause: err },
      );
    }
  }
  return { from, to: userVersion(db) };
}

/** The schema version stored in the database header (0 for a new file). */
export function userVersion(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function checkSequence(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration ${label(m)} is at position ${i + 1} of the list: versions must be 1, 2, 3… in order (a bug in Vigie)`);
    }
  });
}

function label(m: Migration): string {
  return `${String(m.version).padStart(3, '0')}-${m.name}`;
}
