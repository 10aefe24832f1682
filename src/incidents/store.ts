// The incidents table: one row per (monitor, room) outage, from its first DOWN to its recovery; survives restarts.
import type { Database } from '../store/db.js';

/** One incident. Times are ms since the epoch. */
export interface Incident {
  id: number;
  /** The monitor's source and name (policy.incidentKey). */
  key: string;
  roomId: string;
  /** The outbox row of the first message (the thread root, the message edited on recovery); a group row once merged. */
  rootRowId: number;
  startedAt: number;
  resolvedAt: number | null;
  /** Who acknowledged it (a Matrix user id), and when; resends stop once acknowledged. */
  ackedBy: string | null;
  ackedAt: number | null;
}

interface RawIncident {
  id: number; key: string; room_id: string; root_row_id: number; started_at: number; resolved_at: number | null;
  acked_by: string | null; acked_at: number | null;
}

/** Reads and writes incidents; every write is one statement, so callers group them in their own transaction. */
export class IncidentStore {
  private readonly stmts;
  /** Built once: better-sqlite3 builds four wrappers at each db.transaction() call, ~10 µs an alert. */
  private readonly inTransaction: (fn: () => unknown) => unknown;

  constructor(db: Database) {
    this.stmts = prepare(db);
    this.inTransaction = db.transaction((fn: () => unknown) => fn());
  }

  /** Runs `fn` in one transaction (nested in the caller's if there is one). */
  transaction<T>(fn: () => T): T {
    return this.inTransaction(fn) as T;
  }

  /** The open incident of a monitor in a room, if any. */
  open(key: string, roomId: string): Incident | undefined {
    return toIncident(this.stmts.open.get(key, roomId));
  }

  /** Every open incident, oldest first (for status commands). */
  openAll(): Incident[] {
    return this.stmts.openAll.all().map((raw) => toIncident(raw)!);
  }

  /** One incident by id. */
  get(id: number): Incident | undefined {
    return toIncident(this.stmts.get.get(id));
  }

  /** Starts an incident whose first message is outbox row `rootRowId`. */
  start(key: string, roomId: string, rootRowId: number, startedAt: number): Incident {
    return toIncident(this.stmts.start.get(key, roomId, rootRowId, startedAt))!;
  }

  /** Closes an incident at `resolvedAt`. */
  resolve(id: number, resolvedAt: number): void {
    this.stmts.resolve.run(resolvedAt, id);
  }

  /** Records who acknowledged an open incident; false when it is unknown or already closed or acknowledged. */
  ack(incidentId: number, by: string, at: number = Date.now()): boolean {
    return this.stmts.ack.run(by, at, incidentId).changes === 1;
  }

  /** Incidents whose first message is this outbox row (several when it is a group), oldest first. */
  byRoot(rootRowId: number): Incident[] {
    return this.stmts.byRoot.all(rootRowId).map((raw) => toIncident(raw)!);
  }

  /** Incidents whose root was one of `fromRowIds` now have `toRowId` (those rows were merged into a group row). */
  moveRoots(fromRowIds: readonly number[], toRowId: number): void {
    this.stmts.moveRoots.run(toRowId, JSON.stringify(fromRowIds));
  }
}

function prepare(db: Database) {
  return {
    open: db.prepare('SELECT * FROM incidents WHERE key = ? AND room_id = ? AND resolved_at IS NULL'),
    openAll: db.prepare('SELECT * FROM incidents WHERE resolved_at IS NULL ORDER BY started_at, id'),
    get: db.prepare('SELECT * FROM incidents WHERE id = ?'),
    start: db.prepare('INSERT INTO incidents (key, room_id, root_row_id, started_at) VALUES (?, ?, ?, ?) RETURNING *'),
    resolve: db.prepare('UPDATE incidents SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL'),
    ack: db.prepare('UPDATE incidents SET acked_by = ?, acked_at = ? WHERE id = ? AND resolved_at IS NULL AND acked_by IS NULL'),
    byRoot: db.prepare('SELECT * FROM incidents WHERE root_row_id = ? ORDER BY id'),
    moveRoots: db.prepare('UPDATE incidents SET root_row_id = ? WHERE root_row_id IN (SELECT value FROM json_each(?))'),
  };
}

function toIncident(raw: unknown): Incident | undefined {
  if (raw === undefined) return undefined;
  const r = raw as RawIncident;
  return {
    id: r.id, key: r.key, roomId: r.room_id, rootRowId: r.root_row_id, startedAt: r.started_at, resolvedAt: r.resolved_at,
    ackedBy: r.acked_by, ackedAt: r.acked_at,
  };
}
