// The durable queue between the renderer and the deliverer: SQLite rows with a txnId fixed before any attempt.
import { randomUUID } from 'node:crypto';
import type { AlertEvent } from '../alert/event.js';
import type { Database } from '../store/db.js';
import type { Statement } from 'better-sqlite3';

/** Finished (sent or rejected) rows are kept this long by default, so duplicate ingests are still recognised. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** Where a row is: waiting, accepted by the homeserver, refused for good, or folded into a group row (never sent). */
export type OutboxState = 'pending' | 'sent' | 'rejected' | 'merged';

/** What a row is: an alert (may be grouped), a reply in an incident's thread, or an edit of an incident's root. */
export type OutboxKind = 'alert' | 'reply' | 'edit';

/** One message to one room. */
export interface OutboxMessage {
  roomId: string;
  /** Matrix event type, e.g. `m.room.message`. */
  eventType: string;
  /** The event content, sent as is. */
  content: object;
  /** A caller's id for this message (e.g. Kuma's txnId): a second enqueue with it returns the first row. */
  dedupeKey?: string;
  /** Default 'alert'. */
  kind?: OutboxKind;
  /** The event this message was rendered from, so a group can render it again. */
  event?: AlertEvent;
  /** The template it was rendered with. */
  template?: string;
  /** Not sent before this instant (ms): the grouping window. */
  notBefore?: number;
  /** An earlier row of the same room whose event id this message's `m.relates_to` needs (filled at send time). */
  relatesToRow?: number;
  /** The incident this message belongs to. */
  incidentId?: number;
}

/** A stored row; times are milliseconds since the epoch. */
export interface OutboxRow {
  id: number;
  roomId: string;
  eventType: string;
  content: object;
  /** The Matrix transaction id of every attempt of this row. */
  txnId: string;
  dedupeKey: string | null;
  state: OutboxState;
  /** Send attempts so far, the successful one included. */
  attempts: number;
  /** When the deliverer planned the next attempt (informational: a restart retries at once). */
  nextAttemptAt: number;
  lastError: string | null;
  eventId: string | null;
  createdAt: number;
  sentAt: number | null;
}

/** A stored row with what grouping and incidents need (what the Outbox itself returns). */
export interface QueuedRow extends OutboxRow {
  kind: OutboxKind;
  event: AlertEvent | null;
  template: string | null;
  /** Not sent before this instant (ms); 0 = at once. */
  notBefore: number;
  relatesToRow: number | null;
  incidentId: number | null;
}

/** A group row replacing never-attempted originals, as grouping builds it. */
export interface GroupMessage extends OutboxMessage {
  /** Rows folded into it (marked 'merged'); it takes the queue position of the first. */
  originals: readonly number[];
}

/** Pending rows, in total and per room. */
export interface OutboxDepth {
  total: number;
  byRoom: Record<string, number>;
}

/** Test seams; production uses the defaults. */
export interface OutboxOptions {
  /** The clock; default Date.now. */
  now?: () => number;
}

interface RawRow {
  id: number; room_id: string; event_type: string; content: string; txn_id: string; dedupe_key: string | null;
  state: OutboxState; attempts: number; next_attempt_at: number; last_error: string | null; event_id: string | null;
  created_at: number; sent_at: number | null; kind: OutboxKind; event_json: string | null; template: string | null;
  not_before: number; relates_to_row: number | null; incident_id: number | null; seq: number | null;
}

/** Rows grouping may fold: the very text of the partial index of migration 006, so SQLite uses that index. */
export const GROUP_CANDIDATE = "state = 'pending' AND attempts = 0 AND (kind = 'edit' OR (not_before > created_at AND event_json IS NOT NULL))";

/** Every column of a row but event_json. */
const HEAD_COLUMNS = 'id, room_id, event_type, content, txn_id, dedupe_key, state, attempts, next_attempt_at, last_error, '
  + 'event_id, created_at, sent_at, kind, template, not_before, relates_to_row, incident_id, seq';

/** A new txnId: random, so a reset database can never reuse one the homeserver has already seen for this token. */
export function newTxnId(): string {
  return `vigie.${randomUUID()}`;
}

/** The outbox table: enqueue in one transaction, read queue heads, record each attempt's outcome. */
export class Outbox {
  private readonly now: () => number;
  private readonly stmts;
  private readonly enqueueAll: (messages: readonly OutboxMessage[]) => QueuedRow[];

  private readonly toRelaxed: Statement;
  private readonly toDurable: Statement;
  /** The connection's own synchronous level (FULL in production), restored after relaxed writes. */
  private readonly synchronous: number;

  constructor(private readonly db: Database, options: OutboxOptions = {}) {
    this.now = options.now ?? Date.now;
    this.synchronous = db.pragma('synchronous', { simple: true }) as number;
    // Prepared once: db.pragma() prepares a statement at every call, a cost paid twice per delivered message.
    this.toRelaxed = db.prepare('PRAGMA synchronous = NORMAL');
    this.toDurable = db.prepare(`PRAGMA synchronous = ${this.synchronous}`);
    this.stmts = prepare(db);
    this.enqueueAll = db.transaction((messages: readonly OutboxMessage[]) => messages.map((m) => this.insertOne(m)));
  }

  /** Stores messages all-or-nothing, each with its txnId; a known dedupeKey returns the existing row instead. */
  enqueue(messages: readonly OutboxMessage[]): QueuedRow[] {
    return this.enqueueAll(messages);
  }

  /** The oldest pending row of a room: the only one the deliverer may send (its `event` is not read: null). */
  head(roomId: string): QueuedRow | undefined {
    return toRow(this.stmts.head.get(roomId));
  }

  /** The row the homeserver accepted as `eventId` (a reaction or a command names the message it is about). */
  byEventId(eventId: string): QueuedRow | undefined {
    return toRow(this.stmts.byEventId.get(eventId));
  }

  /** The row queued under a caller's dedupe key, if any. */
  byDedupeKey(dedupeKey: string): QueuedRow | undefined {
    return toRow(this.stmts.byDedupeKey.get(dedupeKey));
  }

  /** Rooms with at least one pending row. */
  pendingRooms(): string[] {
    return this.stmts.pendingRooms.all() as string[];
  }

  /** The homeserver accepted the row: it is never sent again. */
  markSent(id: number, eventId: string): void {
    this.relaxed(() => this.expectPending(this.stmts.markSent.run(eventId, this.now(), id).changes, id, 'mark it sent'));
  }

  /** A failed attempt: the row stays pending, with the error and the planned retry time. */
  recordAttempt(id: number, error: string, nextAttemptAt: number): void {
    this.relaxed(() => this.expectPending(this.stmts.recordAttempt.run(error, nextAttemptAt, id).changes, id, 'record an attempt'));
  }

  /** The homeserver will never accept the row as it is: kept for people to see, never sent again. */
  markRejected(id: number, reason: string): void {
    this.expectPending(this.stmts.markRejected.run(reason, id).changes, id, 'reject it');
  }

  /**
   * What grouping may fold in a room: never-attempted rows that came with a grouping window (and their event), and
   * pending edits; in queue order. Indexed, so a backlog of rows that do not group costs nothing per send.
   */
  groupCandidates(roomId: string): QueuedRow[] {
    return this.stmts.groupCandidates.all(roomId).map((raw) => toRow(raw)!);
  }

  /** Pending rows of a room never attempted (their txnId unseen by the homeserver), in queue order. */
  unattempted(roomId: string): QueuedRow[] {
    return this.stmts.unattempted.all(roomId).map((raw) => toRow(raw)!);
  }

  /**
   * Queues a group row in place of its originals (all pending, never attempted): they become 'merged', later rows
   * relating to them relate to the group row. Call inside a transaction with whatever else must follow the move.
   */
  replaceWithGroup(group: GroupMessage): QueuedRow {
    const ids = group.originals;
    if (ids.length === 0) throw new Error('a group row needs at least one original row (a bug in Vigie)');
    const seq = Math.min(...ids.map((id) => this.queuePosition(id)));
    const row = this.insertOne(group);
    this.stmts.setSeq.run(seq, row.id);
    for (const id of ids) {
      if (this.stmts.markMerged.run(id).changes !== 1) throw new Error(`outbox row ${id}: cannot merge it, it is no longer pending and unattempted (a bug in Vigie)`);
      this.stmts.repoint.run(row.id, id);
    }
    return this.get(row.id)!;
  }

  /** Rewrites a never-attempted row's content (its txnId was never used, so the room cannot hold the old one). */
  rewrite(id: number, content: object): void {
    const changes = this.stmts.rewrite.run(contentJson({ roomId: String(id), eventType: 'x', content }), id).changes;
    if (changes !== 1) throw new Error(`outbox row ${id}: cannot rewrite it, it was already attempted or is not pending (a bug in Vigie)`);
  }

  /** Folds a never-attempted row into another one without a new row (a superseded edit). */
  markMerged(id: number): void {
    if (this.stmts.markMerged.run(id).changes !== 1) throw new Error(`outbox row ${id}: cannot merge it, it is no longer pending and unattempted (a bug in Vigie)`);
  }

  /** Whether any row is pending (cheap, unlike depth()). */
  hasPending(): boolean {
    return this.stmts.anyPending.get() !== undefined;
  }

  /** How many rows are pending, in total and per room. */
  depth(): OutboxDepth {
    const byRoom: Record<string, number> = {};
    let total = 0;
    for (const { room_id, n } of this.stmts.depth.all() as Array<{ room_id: string; n: number }>) {
      byRoom[room_id] = n;
      total += n;
    }
    return { total, byRoom };
  }

  /** One row by id. */
  get(id: number): QueuedRow | undefined {
    return toRow(this.stmts.get.get(id));
  }

  /** Deletes sent and rejected rows finished before `sentBefore` (rejected ones count from creation); never pending ones. */
  prune(sentBefore: number = this.now() - DEFAULT_RETENTION_MS): number {
    return this.stmts.prune.run(sentBefore).changes;
  }

  /**
   * Runs bookkeeping after a send without waiting for the disk (synchronous=NORMAL: still safe against a crash of
   * the process, not against a power cut). If a power cut loses a "sent" mark, the row is sent again with its txnId
   * and the homeserver answers with the event it already has: what must be durable is the enqueue, not this.
   */
  private relaxed(write: () => void): void {
    if (this.synchronous <= 1) return write();
    this.toRelaxed.run();
    try {
      write();
    } finally {
      this.toDurable.run();
    }
  }

  private queuePosition(id: number): number {
    const row = this.stmts.get.get(id) as RawRow | undefined;
    if (!row) throw new Error(`outbox row ${id} does not exist (a bug in Vigie)`);
    return row.seq ?? row.id;
  }

  private insertOne(m: OutboxMessage): QueuedRow {
    if (!m.roomId || !m.eventType) {
      throw new Error(`a message cannot be queued without a room id and an event type (got room '${m.roomId}', type '${m.eventType}'): a bug in the router`);
    }
    if (m.dedupeKey !== undefined) {
      const existing = toRow(this.stmts.byDedupeKey.get(m.dedupeKey));
      if (existing) return existing;
    }
    return toRow(this.stmts.insert.get({
      room_id: m.roomId,
      event_type: m.eventType,
      content: contentJson(m),
      txn_id: newTxnId(),
      dedupe_key: m.dedupeKey ?? null,
      created_at: this.now(),
      kind: m.kind ?? 'alert',
      event_json: m.event ? JSON.stringify(m.event) : null,
      template: m.template ?? null,
      not_before: m.notBefore ?? 0,
      relates_to_row: m.relatesToRow ?? null,
      incident_id: m.incidentId ?? null,
    }))!;
  }

  private expectPending(changes: number, id: number, what: string): void {
    if (changes === 1) return;
    const row = this.get(id);
    const where = row ? `it is '${row.state}'` : 'it does not exist (pruned?)';
    throw new Error(`outbox row ${id}: cannot ${what}, ${where}; only pending rows change (a bug in Vigie)`);
  }
}

function prepare(db: Database) {
  return {
    insert: db.prepare(`INSERT INTO outbox (room_id, event_type, content, txn_id, dedupe_key, created_at,
        kind, event_json, template, not_before, relates_to_row, incident_id)
      VALUES (@room_id, @event_type, @content, @txn_id, @dedupe_key, @created_at,
        @kind, @event_json, @template, @not_before, @relates_to_row, @incident_id) RETURNING *`),
    byDedupeKey: db.prepare('SELECT * FROM outbox WHERE dedupe_key = ?'),
    byEventId: db.prepare('SELECT * FROM outbox WHERE event_id = ?'),
    // Everything but the event (kept for grouping): parsing it at every send would be wasted.
    head: db.prepare(`SELECT ${HEAD_COLUMNS}, NULL AS event_json FROM outbox WHERE room_id = ? AND state = 'pending'
      ORDER BY coalesce(seq, id), id LIMIT 1`),
    groupCandidates: db.prepare(`SELECT * FROM outbox WHERE room_id = ? AND ${GROUP_CANDIDATE}
      ORDER BY coalesce(seq, id), id`),
    unattempted: db.prepare(`SELECT * FROM outbox WHERE room_id = ? AND state = 'pending' AND attempts = 0
      ORDER BY coalesce(seq, id), id`),
    setSeq: db.prepare('UPDATE outbox SET seq = ? WHERE id = ?'),
    markMerged: db.prepare(`UPDATE outbox SET state = 'merged' WHERE id = ? AND state = 'pending' AND attempts = 0`),
    repoint: db.prepare(`UPDATE outbox SET relates_to_row = ? WHERE relates_to_row = ? AND state = 'pending'`),
    rewrite: db.prepare(`UPDATE outbox SET content = ? WHERE id = ? AND state = 'pending' AND attempts = 0`),
    pendingRooms: db.prepare(`SELECT DISTINCT room_id FROM outbox WHERE state = 'pending' ORDER BY room_id`).pluck(),
    markSent: db.prepare(`UPDATE outbox SET state = 'sent', event_id = ?, sent_at = ?, attempts = attempts + 1, last_error = NULL
      WHERE id = ? AND state = 'pending'`),
    recordAttempt: db.prepare(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
      WHERE id = ? AND state = 'pending'`),
    markRejected: db.prepare(`UPDATE outbox SET state = 'rejected', attempts = attempts + 1, last_error = ?
      WHERE id = ? AND state = 'pending'`),
    depth: db.prepare(`SELECT room_id, count(*) AS n FROM outbox WHERE state = 'pending' GROUP BY room_id`),
    anyPending: db.prepare(`SELECT 1 FROM outbox WHERE state = 'pending' LIMIT 1`),
    get: db.prepare('SELECT * FROM outbox WHERE id = ?'),
    // A row that pending rows still relate to is kept: their relation needs its event id.
    prune: db.prepare(`DELETE FROM outbox WHERE state <> 'pending' AND coalesce(sent_at, created_at) < ?
      AND NOT EXISTS (SELECT 1 FROM outbox AS later WHERE later.relates_to_row = outbox.id AND later.state = 'pending')`),
  };
}

function contentJson(m: OutboxMessage): string {
  try {
    const json = JSON.stringify(m.content);
    if (typeof json === 'string' && json.startsWith('{')) return json;
  } catch (err) {
    throw new Error(`the message for room ${m.roomId} cannot be queued: its content is not serialisable as JSON (${(err as Error).message})`, { cause: err });
  }
  throw new Error(`the message for room ${m.roomId} cannot be queued: its content must be a JSON object`);
}

function toRow(raw: unknown): QueuedRow | undefined {
  if (raw === undefined) return undefined;
  const r = raw as RawRow;
  return {
    id: r.id, roomId: r.room_id, eventType: r.event_type, content: JSON.parse(r.content) as object, txnId: r.txn_id,
    dedupeKey: r.dedupe_key, state: r.state, attempts: r.attempts, nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error, eventId: r.event_id, createdAt: r.created_at, sentAt: r.sent_at,
    kind: r.kind, event: r.event_json === null ? null : reviveEvent(r.event_json), template: r.template,
    notBefore: r.not_before, relatesToRow: r.relates_to_row, incidentId: r.incident_id,
  };
}

function reviveEvent(json: string): AlertEvent {
  const event = JSON.parse(json) as AlertEvent & { time: string };
  return { ...event, time: new Date(event.time) };
}
