// The outbox table as SQL: the prepared statements of the Outbox, and stored rows turned into QueuedRow objects.
import { eventFromJson } from '../alert/event.js';
import type { Database } from '../store/db.js';
import { limitedStatements } from '../store/limited.js';
import type { OutboxMessage, OutboxState, OutboxKind, QueuedRow } from './outbox.js';

/** A row as SQLite returns it. */
export interface RawRow {
  id: number; room_id: string; event_type: string; content: string; txn_id: string; dedupe_key: string | null;
  state: OutboxState; attempts: number; next_attempt_at: number; last_error: string | null; event_id: string | null;
  created_at: number; sent_at: number | null; kind: OutboxKind; event_json: string | null; template: string | null;
  not_before: number; relates_to_row: number | null; incident_id: number | null; seq: number | null; doubt_since: number | null;
}

/** Rows grouping may fold: the very text of the partial index of migration 007, so SQLite uses that index. */
export const GROUP_CANDIDATE = "state = 'pending' AND attempts = 0 AND (kind = 'edit' OR (not_before > created_at AND has_event = 1))";

/**
 * What a queue head is read with, in this order (see toHeadRows): a pending row's state, event id and sent time are
 * known, and its event is left out (only grouping needs it). Read as arrays: objects of 20 keys cost 2–3 µs a row more.
 */
const HEAD_COLUMNS = 'o.id, o.room_id, o.event_type, p.content, o.txn_id, o.dedupe_key, o.attempts, o.next_attempt_at, o.last_error, '
  + 'o.created_at, o.kind, o.template, o.not_before, o.relates_to_row, o.incident_id, o.seq, o.doubt_since';

/** Outbox rows `o` with their payload `p` (migration 007 keeps the payload apart from the often-updated row). */
const WITH_PAYLOAD = 'FROM outbox AS o JOIN outbox_payload AS p ON p.id = o.id';

/** Whole rows. */
const ROWS = `SELECT o.*, p.content, p.event_json ${WITH_PAYLOAD}`;

/** A room's queue order; the index outbox_pending_by_room (migration 004) is in this order. */
const QUEUE_ORDER = 'ORDER BY coalesce(o.seq, o.id), o.id';

/** The statements of the Outbox, prepared once. */
export function prepareStatements(db: Database) {
  return {
    insert: db.prepare(`INSERT INTO outbox (room_id, event_type, txn_id, dedupe_key, created_at,
        kind, has_event, template, not_before, relates_to_row, incident_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertPayload: db.prepare('INSERT INTO outbox_payload (id, content, event_json) VALUES (?, ?, ?)'),
    byDedupeKey: db.prepare(`${ROWS} WHERE o.dedupe_key = ?`),
    // Rows given by id (a thread's root) or replying to one, through the primary key and the relations index: no index
    // of event ids (migration 008), whose random keys made every sent mark write a page of its own.
    inThreadsByEventId: db.prepare(`${ROWS} WHERE o.event_id = ?
      AND (o.id IN (SELECT value FROM json_each(?)) OR o.relates_to_row IN (SELECT value FROM json_each(?)))`),
    // The next pending rows of a room after a queue position (0, 0 for the head). The `>=` lets SQLite seek in the
    // index, not scan the room.
    heads: limitedStatements((limit) => db.prepare(`SELECT ${HEAD_COLUMNS} ${WITH_PAYLOAD}
      WHERE o.room_id = ? AND o.state = 'pending' AND coalesce(o.seq, o.id) >= ? AND (coalesce(o.seq, o.id), o.id) > (?, ?)
      ${QUEUE_ORDER} LIMIT ${limit}`).raw()),
    // Without the payload: a fold looks at up to 1,000 of them and loads the few it merges (byIds).
    groupCandidates: limitedStatements((limit) => db.prepare(`SELECT o.id, o.kind, o.relates_to_row, o.not_before, o.created_at,
      o.has_event FROM outbox AS o WHERE o.room_id = ? AND ${GROUP_CANDIDATE} ${QUEUE_ORDER} LIMIT ${limit}`)),
    byIds: db.prepare(`${ROWS} WHERE o.id IN (SELECT value FROM json_each(?)) ${QUEUE_ORDER}`),
    candidateRooms: db.prepare(`SELECT DISTINCT room_id FROM outbox WHERE ${GROUP_CANDIDATE}`).pluck(),
    unattempted: db.prepare(`${ROWS} WHERE o.room_id = ? AND o.state = 'pending' AND o.attempts = 0 ${QUEUE_ORDER}`),
    setSeq: db.prepare('UPDATE outbox SET seq = ? WHERE id = ?'),
    // Rows merged (a group's originals, superseded edits), whatever their number, in one statement each (ids as a JSON
    // array): a fold of 100 rows ran 400 statements, on the thread that takes webhooks.
    firstPosition: db.prepare(`SELECT min(coalesce(seq, id)) FROM outbox WHERE id IN (SELECT value FROM json_each(?))`).pluck(),
    markAllMerged: db.prepare(`UPDATE outbox SET state = 'merged'
      WHERE id IN (SELECT value FROM json_each(?)) AND state = 'pending' AND attempts = 0`),
    repointAll: db.prepare(`UPDATE outbox SET relates_to_row = ?
      WHERE relates_to_row IN (SELECT value FROM json_each(?)) AND state = 'pending'`),
    // has_event = 0 takes a row out of GROUP_CANDIDATE (its event stays stored).
    leaveGroups: db.prepare(`UPDATE outbox SET has_event = 0 WHERE id = ? AND state = 'pending' AND attempts = 0`),
    rewrite: db.prepare(`UPDATE outbox_payload SET content = @content WHERE id = @id
      AND EXISTS (SELECT 1 FROM outbox WHERE outbox.id = @id AND state = 'pending' AND attempts = 0)`),
    pendingRooms: db.prepare(`SELECT DISTINCT room_id FROM outbox WHERE state = 'pending' ORDER BY room_id`).pluck(),
    markSent: db.prepare(`UPDATE outbox SET state = 'sent', event_id = ?, sent_at = ?, attempts = attempts + 1, last_error = NULL
      WHERE id = ? AND state = 'pending'`),
    recordAttempt: db.prepare(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
      doubt_since = coalesce(doubt_since, ?) WHERE id = ? AND state = 'pending'`),
    markRejected: db.prepare(`UPDATE outbox SET state = 'rejected', attempts = attempts + 1, last_error = ?
      WHERE id = ? AND state = 'pending'`),
    depth: db.prepare(`SELECT room_id, count(*) AS n FROM outbox WHERE state = 'pending' GROUP BY room_id`),
    anyPending: db.prepare(`SELECT 1 FROM outbox WHERE state = 'pending' LIMIT 1`),
    get: db.prepare(`${ROWS} WHERE o.id = ?`),
    // A row that pending rows still relate to is kept: their relation needs its event id. Its payload goes with it
    // (ON DELETE CASCADE).
    prune: db.prepare(`DELETE FROM outbox WHERE state <> 'pending' AND coalesce(sent_at, created_at) < ?
      AND NOT EXISTS (SELECT 1 FROM outbox AS later WHERE later.relates_to_row = outbox.id AND later.state = 'pending')`),
  };
}

/** A row grouping may fold, without its payload (see Outbox.groupCandidates). */
export interface CandidateRow {
  id: number;
  kind: OutboxKind;
  relatesToRow: number | null;
  notBefore: number;
  createdAt: number;
  /** Whether the row has its event (needed to render it into a group). */
  hasEvent: boolean;
}

/** A candidate as the groupCandidates statement returns it. */
export function toCandidate(raw: unknown): CandidateRow {
  const r = raw as { id: number; kind: OutboxKind; relates_to_row: number | null; not_before: number; created_at: number; has_event: number };
  return { id: r.id, kind: r.kind, relatesToRow: r.relates_to_row, notBefore: r.not_before, createdAt: r.created_at, hasEvent: r.has_event === 1 };
}

/** A message's content as the JSON text stored (and sent); throws a message naming the room when it cannot be. */
export function contentJson(m: Pick<OutboxMessage, 'roomId' | 'content'>): string {
  try {
    const json = JSON.stringify(m.content);
    if (typeof json === 'string' && json.startsWith('{')) return json;
  } catch (err) {
    throw new Error(`the message for room ${m.roomId} cannot be queued: its content is not serialisable as JSON (${(err as Error).message})`, { cause: err });
  }
  throw new Error(`the message for room ${m.roomId} cannot be queued: its content must be a JSON object`);
}

/** Whether a row is one grouping may fold (the same test as GROUP_CANDIDATE). */
export function isGroupCandidate(r: QueuedRow): boolean {
  return r.state === 'pending' && r.attempts === 0 && (r.kind === 'edit' || (r.notBefore > r.createdAt && r.event !== null));
}

export function toRow(raw: unknown): QueuedRow | undefined {
  if (raw === undefined) return undefined;
  const r = raw as RawRow;
  return {
    id: r.id, roomId: r.room_id, eventType: r.event_type, content: JSON.parse(r.content) as object, txnId: r.txn_id,
    dedupeKey: r.dedupe_key, state: r.state, attempts: r.attempts, nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error, eventId: r.event_id, createdAt: r.created_at, sentAt: r.sent_at,
    kind: r.kind, event: r.event_json === null ? null : eventFromJson(r.event_json), template: r.template,
    notBefore: r.not_before, relatesToRow: r.relates_to_row, incidentId: r.incident_id, doubtSince: r.doubt_since ?? null,
  };
}


/** Rows read by the `heads` statement, and the queue position of the last one (undefined when none). */
export function toHeadRows(values: unknown[][]): { rows: QueuedRow[]; last: { pos: number; id: number } | undefined } {
  const rows = values.map((v): QueuedRow => ({
    id: v[0] as number, roomId: v[1] as string, eventType: v[2] as string, content: JSON.parse(v[3] as string) as object,
    txnId: v[4] as string, dedupeKey: v[5] as string | null, state: 'pending', attempts: v[6] as number,
    nextAttemptAt: v[7] as number, lastError: v[8] as string | null, eventId: null, createdAt: v[9] as number, sentAt: null,
    kind: v[10] as OutboxKind, event: null, template: v[11] as string | null, notBefore: v[12] as number,
    relatesToRow: v[13] as number | null, incidentId: v[14] as number | null, doubtSince: v[16] as number | null,
  }));
  const last = values.at(-1);
  return { rows, last: last && { pos: (last[15] as number | null) ?? (last[0] as number), id: last[0] as number } };
}
