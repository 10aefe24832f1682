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

/** What taking back an acknowledging reaction did to an incident it was on. */
export type Withdrawal =
  /** No acknowledging reaction is left (and no command acknowledged it): resends come again. */
  | { result: 'withdrawn'; incident: Incident }
  /** Still acknowledged: by another reaction (its sender now holds it), or by `!vigie ack`. */
  | { result: 'kept'; incident: Incident };

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

  /**
   * Records who acknowledged an open incident, by a command or by a reaction; false when it is unknown or already
   * closed or acknowledged.
   */
  ack(incidentId: number, by: string, at: number = Date.now(), byCommand = false): boolean {
    return this.stmts.ack.run(by, at, byCommand ? 1 : 0, incidentId).changes === 1;
  }

  /** Keeps an acknowledging reaction (event id and sender) put on an open incident's message, first or not. */
  addAckReaction(incidentId: number, eventId: string, sender: string): void {
    this.stmts.addAckReaction.run(eventId, incidentId, sender);
  }

  /**
   * Forgets a reaction that was taken back (redacted), and withdraws the acknowledgement of each open incident it was
   * on that no other reaction, nor a command, holds any more. One transaction.
   */
  withdrawAckReaction(eventId: string): Withdrawal[] {
    return this.transaction(() => {
      const ids = this.stmts.reactionIncidents.all(eventId) as number[];
      this.stmts.removeAckReaction.run(eventId);
      const outcomes: Withdrawal[] = [];
      for (const id of ids) {
        const incident = this.get(id);
        if (!incident || incident.resolvedAt !== null || incident.ackedBy === null) continue;
        if (this.stmts.ackedByCommand.get(id) === 1) {
          outcomes.push({ result: 'kept', incident });
          continue;
        }
        const other = this.stmts.remainingReaction.get(id) as string | undefined;
        if (other === undefined) this.stmts.unack.run(id);
        else this.stmts.handAck.run(other, id);
        outcomes.push({ result: other === undefined ? 'withdrawn' : 'kept', incident: this.get(id)! });
      }
      return outcomes;
    });
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
    ack: db.prepare('UPDATE incidents SET acked_by = ?, acked_at = ?, acked_by_command = ? WHERE id = ? AND resolved_at IS NULL AND acked_by IS NULL'),
    addAckReaction: db.prepare('INSERT OR IGNORE INTO incident_ack_reactions (event_id, incident_id, sender) VALUES (?, ?, ?)'),
    reactionIncidents: db.prepare('SELECT incident_id FROM incident_ack_reactions WHERE event_id = ? ORDER BY incident_id').pluck(),
    removeAckReaction: db.prepare('DELETE FROM incident_ack_reactions WHERE event_id = ?'),
    ackedByCommand: db.prepare('SELECT acked_by_command FROM incidents WHERE id = ?').pluck(),
    // The reaction that then holds the acknowledgement: any one left (their order is not kept).
    remainingReaction: db.prepare('SELECT sender FROM incident_ack_reactions WHERE incident_id = ? LIMIT 1').pluck(),
    unack: db.prepare('UPDATE incidents SET acked_by = NULL, acked_at = NULL WHERE id = ?'),
    handAck: db.prepare('UPDATE incidents SET acked_by = ? WHERE id = ?'),
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
