// The durable queue between the renderer and the deliverer: SQLite rows with a txnId fixed before any attempt.
import { randomUUID } from 'node:crypto';
import type { AlertEvent } from '../alert/event.js';
import type { Database } from '../store/db.js';
import { ReadAhead, SentMarks, type HeadRead, type QueuePosition } from './outbox-memory.js';
import { contentJson, isGroupCandidate, prepareStatements, toCandidate, toHeadRows, toRow, type CandidateRow } from './outbox-rows.js';

export type { CandidateRow } from './outbox-rows.js';

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
  /** `event` as JSON, when the caller already has it (saves serialising it again). */
  eventJson?: string;
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
  /** When an attempt first may have reached the homeserver unanswered (ms); null while none did. */
  doubtSince: number | null;
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

/** How many pending rows of a room one read brings into memory, so most sends cost no query. */
const READ_AHEAD = 64;

/** At most this many sent marks wait in memory (the deliverer writes them sooner); the next one writes them all. */
const MAX_UNWRITTEN_MARKS = 1024;

/**
 * A new txnId: a UUIDv7 (RFC 9562): 74 random bits, so a reset database can never reuse one the homeserver has already
 * seen for this token, after the time in ms, so each new id lands at the end of the txn_id index instead of on a
 * random page of it (which made every commit write one more index page per alert).
 */
export function newTxnId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  const random = randomUUID();
  return `vigie.${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}

/**
 * The outbox table: enqueue in one transaction, read queue heads, record each attempt's outcome.
 *
 * Two things are kept in memory, for speed, without changing what any caller sees. Queue heads are read ahead,
 * READ_AHEAD rows at a time (the rows are only this Outbox's to change, so it knows when a read ahead is stale).
 * Sent marks are written in batches: a row leaves the queue at once for every reader of this Outbox, and is marked
 * sent on disk at the next flush(), which every other read and write does first. Until then a crash leaves it
 * pending, and the next start sends it again with its txnId, which the homeserver answers with the event it has.
 */
export class Outbox {
  private readonly now: () => number;
  private readonly stmts;
  private readonly enqueueAll: (messages: readonly OutboxMessage[]) => QueuedRow[];
  private readonly writeMarksTogether: () => void;

  /** The connection's own synchronous level (FULL in production), restored after relaxed writes. */
  private readonly synchronous: number;

  private readonly readAhead = new ReadAhead();
  private readonly marks: SentMarks;
  /** Rooms that may have rows grouping can fold; a room leaves when a read finds none (it never gains one but by enqueue). */
  private readonly candidateRooms: Set<string>;

  constructor(private readonly db: Database, options: OutboxOptions = {}) {
    this.now = options.now ?? Date.now;
    this.synchronous = db.pragma('synchronous', { simple: true }) as number;
    this.stmts = prepareStatements(db);
    this.enqueueAll = db.transaction((messages: readonly OutboxMessage[]) => messages.map((m) => this.insertOne(m)));
    this.marks = new SentMarks((id, eventId, sentAt) => this.stmts.markSent.run(eventId, sentAt, id).changes);
    this.writeMarksTogether = db.transaction(() => this.marks.apply(true));
    this.candidateRooms = new Set(this.stmts.candidateRooms.all() as string[]);
  }

  /** Stores messages all-or-nothing, each with its txnId; a known dedupeKey returns the existing row instead. */
  enqueue(messages: readonly OutboxMessage[]): QueuedRow[] {
    return this.enqueueAll(messages);
  }

  /** The oldest pending row of a room: the only one the deliverer may send (its `event` is not read: null). */
  head(roomId: string): QueuedRow | undefined {
    // From the head of the queue: rows sent but not yet marked on disk must not come back.
    if (!this.readAhead.has(roomId)) this.flush();
    return this.readAhead.head(roomId, this.readHeads(roomId));
  }

  /**
   * Reads the room's next rows into memory if only its head is left there, so the next head() costs no query. The
   * deliverer calls it while the head is being sent, when the event loop would wait for the homeserver anyway.
   */
  readAheadOf(roomId: string): void {
    this.readAhead.refill(roomId, this.readHeads(roomId));
  }

  /** Whether readAheadOf() would read now: the room's rows in memory are down to its head. */
  readAheadRunsLow(roomId: string): boolean {
    return this.readAhead.runsLow(roomId);
  }

  /**
   * The row the homeserver accepted as `eventId`, if it is one of the thread roots `rootIds` or a row relating to one
   * (a reaction names the message it is about; only open incidents' threads can be acted on).
   */
  inThreadsByEventId(eventId: string, rootIds: readonly number[]): QueuedRow | undefined {
    if (rootIds.length === 0) return undefined;
    this.flush();
    const ids = JSON.stringify(rootIds);
    return toRow(this.stmts.inThreadsByEventId.get(eventId, ids, ids));
  }

  /** The row queued under a caller's dedupe key, if any. */
  byDedupeKey(dedupeKey: string): QueuedRow | undefined {
    this.flush();
    return toRow(this.stmts.byDedupeKey.get(dedupeKey));
  }

  /** Rooms with at least one pending row. */
  pendingRooms(): string[] {
    this.flush();
    return this.stmts.pendingRooms.all() as string[];
  }

  /** The homeserver accepted the row: it is never sent again (on disk at the next flush, see the class comment). */
  markSent(id: number, eventId: string): void {
    if (!this.readAhead.take(id)) {
      // Not a row head() gave: marked on disk at once, with the same checks as the other outcomes.
      this.flush();
      this.relaxed(() => this.expectPending(this.stmts.markSent.run(eventId, this.now(), id).changes, id, 'mark it sent'));
      return;
    }
    this.marks.add(id, eventId, this.now());
    if (this.marks.size >= MAX_UNWRITTEN_MARKS) this.flush();
  }

  /** How many sent marks wait in memory to be written. */
  unwrittenMarks(): number {
    return this.marks.size;
  }

  /** A failed attempt: the row stays pending, with the error and the planned retry time. */
  recordAttempt(id: number, error: string, nextAttemptAt: number, inDoubtSince?: number): void {
    this.flush();
    this.readAhead.forget();
    const changes = (): number => this.stmts.recordAttempt.run(error, nextAttemptAt, inDoubtSince ?? null, id).changes;
    this.relaxed(() => this.expectPending(changes(), id, 'record an attempt'));
  }

  /** The homeserver will never accept the row as it is: kept for people to see, never sent again. */
  markRejected(id: number, reason: string): void {
    this.flush();
    this.readAhead.forget();
    this.expectPending(this.stmts.markRejected.run(reason, id).changes, id, 'reject it');
  }

  /**
   * What grouping may fold in a room: never-attempted rows that came with a grouping window (and their event), and
   * pending edits; in queue order, the first `limit` of them (default all), without their payload (byIds loads it). A
   * room that never had any costs no query, so a backlog that does not group costs nothing per send.
   */
  groupCandidates(roomId: string, limit = -1): CandidateRow[] {
    if (!this.candidateRooms.has(roomId)) return [];
    this.flush();
    const rows = this.stmts.groupCandidates(limit).all(roomId).map(toCandidate);
    if (rows.length === 0) this.candidateRooms.delete(roomId);
    return rows;
  }

  /** Whole rows by id, in queue order (those that no longer exist are left out). */
  byIds(ids: readonly number[]): QueuedRow[] {
    if (ids.length === 0) return [];
    this.flush();
    return this.stmts.byIds.all(JSON.stringify(ids)).map((raw) => toRow(raw)!);
  }

  /** Pending rows of a room never attempted (their txnId unseen by the homeserver), in queue order. */
  unattempted(roomId: string): QueuedRow[] {
    this.flush();
    return this.stmts.unattempted.all(roomId).map((raw) => toRow(raw)!);
  }

  /**
   * Queues a group row in place of its originals (all pending, never attempted): they become 'merged', later rows
   * relating to them relate to the group row. Call inside a transaction with whatever else must follow the move.
   */
  replaceWithGroup(group: GroupMessage): QueuedRow {
    const ids = group.originals;
    if (ids.length === 0) throw new Error('a group row needs at least one original row (a bug in Vigie)');
    this.flush();
    this.readAhead.forget();
    const idsJson = JSON.stringify(ids);
    const seq = this.stmts.firstPosition.get(idsJson) as number | null;
    if (seq === null) throw new Error(`outbox rows ${ids.join(', ')} do not exist (a bug in Vigie)`);
    const row = this.insertOne(group);
    this.stmts.setSeq.run(seq, row.id);
    this.mergeAll(ids, idsJson);
    this.stmts.repointAll.run(row.id, idsJson);
    return this.get(row.id)!;
  }

  /** Rewrites a never-attempted row's content (its txnId was never used, so the room cannot hold the old one). */
  rewrite(id: number, content: object): void {
    this.flush();
    this.readAhead.forget();
    const changes = this.stmts.rewrite.run({ content: contentJson({ roomId: String(id), content }), id }).changes;
    if (changes !== 1) throw new Error(`outbox row ${id}: cannot rewrite it, it was already attempted or is not pending (a bug in Vigie)`);
  }

  /**
   * Rewrites a never-attempted row's content for good: grouping will not fold it (it would re-render it from its
   * event), and it goes out as it is once due.
   */
  settle(id: number, content: object): void {
    this.rewrite(id, content);
    this.stmts.leaveGroups.run(id);
  }

  /** Folds never-attempted rows into another one without a new row (superseded edits). */
  markMerged(ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.flush();
    this.readAhead.forget();
    this.mergeAll(ids, JSON.stringify(ids));
  }

  /** Whether any row is pending (cheap, unlike depth()). */
  hasPending(): boolean {
    this.flush();
    return this.stmts.anyPending.get() !== undefined;
  }

  /** How many rows are pending, in total and per room. */
  depth(): OutboxDepth {
    this.flush();
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
    this.flush();
    return toRow(this.stmts.get.get(id));
  }

  /** Deletes sent and rejected rows finished before `sentBefore` (rejected ones count from creation); never pending ones. */
  prune(sentBefore: number = this.now() - DEFAULT_RETENTION_MS): number {
    this.flush();
    return this.stmts.prune.run(sentBefore).changes;
  }

  /**
   * Writes the sent marks kept in memory, in one transaction without waiting for the disk (as every sent mark: see
   * relaxed()). Inside a caller's transaction they are written there, so its reads see them, and kept until a
   * transaction of the Outbox's own writes them again, since the caller's may still roll back.
   */
  flush(): void {
    if (this.marks.size === 0) return;
    if (this.db.inTransaction) return this.marks.apply(false);
    this.relaxed(this.writeMarksTogether);
    this.marks.clear();
  }

  /**
   * Runs bookkeeping after a send without waiting for the disk (synchronous=NORMAL: still safe against a crash of
   * the process, not against a power cut). If a power cut loses a "sent" mark, the row is sent again with its txnId
   * and the homeserver answers with the event it already has: what must be durable is the enqueue, not this.
   * Inside a caller's transaction, that transaction's level applies (SQLite cannot change it there).
   */
  private relaxed(write: () => void): void {
    if (this.synchronous <= 1 || this.db.inTransaction) return write();
    // exec, not a prepared statement: SQLite applies PRAGMA synchronous when it compiles it, so a prepared one only
    // takes effect when SQLite happens to recompile it.
    this.db.exec('PRAGMA synchronous = NORMAL');
    try {
      write();
    } finally {
      this.db.exec(`PRAGMA synchronous = ${this.synchronous}`);
    }
  }

  private readHeads(roomId: string): (after: QueuePosition) => HeadRead {
    return ({ pos, id }) => toHeadRows(this.stmts.heads(READ_AHEAD).all(roomId, pos, pos, id) as unknown[][]);
  }

  /** Marks rows merged, all of them pending and never attempted, or throws (a caller's transaction rolls it back). */
  private mergeAll(ids: readonly number[], idsJson: string): void {
    const wanted = new Set(ids).size;
    const merged = this.stmts.markAllMerged.run(idsJson).changes;
    if (merged !== wanted) {
      throw new Error(`outbox rows ${ids.join(', ')}: cannot merge them, ${wanted - merged} no longer pending and unattempted (a bug in Vigie)`);
    }
  }

  private insertOne(m: OutboxMessage): QueuedRow {
    if (!m.roomId || !m.eventType) {
      throw new Error(`a message cannot be queued without a room id and an event type (got room '${m.roomId}', type '${m.eventType}'): a bug in the router`);
    }
    if (m.dedupeKey !== undefined) {
      const existing = this.byDedupeKey(m.dedupeKey);
      if (existing) return existing;
    }
    const json = contentJson(m);
    const eventJson = m.event ? m.eventJson ?? JSON.stringify(m.event) : null;
    const txnId = newTxnId();
    const createdAt = this.now();
    // Without RETURNING: reading the stored row back cost ~15 µs, and everything in it is known here.
    const { lastInsertRowid } = this.stmts.insert.run(m.roomId, m.eventType, txnId, m.dedupeKey ?? null, createdAt,
      m.kind ?? 'alert', eventJson === null ? 0 : 1, m.template ?? null, m.notBefore ?? 0, m.relatesToRow ?? null, m.incidentId ?? null);
    this.stmts.insertPayload.run(lastInsertRowid, json, eventJson);
    // The caller's content and event, not the stored texts parsed again (~30 µs an alert): nothing changes a message
    // or an event once queued. Built field by field: an object spread here cost ~18 µs and left every row for the
    // main thread's scavenges to copy (V8 kept each spread's result reachable until its next full collection).
    const row: QueuedRow = {
      id: Number(lastInsertRowid), roomId: m.roomId, eventType: m.eventType, content: m.content, txnId,
      dedupeKey: m.dedupeKey ?? null, state: 'pending', attempts: 0, nextAttemptAt: 0, lastError: null, eventId: null,
      createdAt, sentAt: null, kind: m.kind ?? 'alert', event: m.event ?? null, template: m.template ?? null,
      notBefore: m.notBefore ?? 0, relatesToRow: m.relatesToRow ?? null, incidentId: m.incidentId ?? null, doubtSince: null,
    };
    if (isGroupCandidate(row)) this.candidateRooms.add(row.roomId);
    return row;
  }

  private expectPending(changes: number, id: number, what: string): void {
    if (changes === 1) return;
    const row = this.get(id);
    const where = row ? `it is '${row.state}'` : 'it does not exist (pruned?)';
    throw new Error(`outbox row ${id}: cannot ${what}, ${where}; only pending rows change (a bug in Vigie)`);
  }
}
