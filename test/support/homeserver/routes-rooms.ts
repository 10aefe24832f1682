// Room endpoints: directory, join/leave, joined rooms and members, state reads, and the idempotent, rate-limited send.
import type { Session } from './accounts.js';
import { badRequest, forbidden, HsError, notFound } from './errors.js';
import type { RateLimit } from './ratelimit.js';
import type { Room, StoredEvent } from './rooms.js';
import type { HsContext, RequestCtx, Route } from './router.js';

/** How long a sent txnId is remembered: Synapse keeps `event_txn_id` rows for a day. */
export const TXN_TTL_MS = 24 * 60 * 60 * 1000;

/** Synapse's MAX_PDU_SIZE: the whole federation PDU, in canonical JSON, must fit in 64 KiB. */
export const MAX_PDU_BYTES = 65_536;

/** An event as clients receive it. */
export function clientEvent(ev: StoredEvent, nowMs: number, viewer?: Session): Record<string, unknown> {
  const unsigned: Record<string, unknown> = { age: Math.max(0, nowMs - ev.origin_server_ts) };
  if (ev.txnId !== undefined && viewer !== undefined && viewer.userId === ev.sender && viewer.deviceId === ev.deviceId) {
    unsigned.transaction_id = ev.txnId;
  }
  const out: Record<string, unknown> = {
    type: ev.type, content: ev.content, sender: ev.sender, event_id: ev.event_id,
    origin_server_ts: ev.origin_server_ts, room_id: ev.room_id, unsigned,
  };
  if (ev.state_key !== undefined) out.state_key = ev.state_key;
  if (ev.redacts !== undefined) out.redacts = ev.redacts;
  return out;
}

/** The room, if the caller is joined to it; Synapse answers 403 for unknown rooms too. */
function joinedRoom(ctx: RequestCtx): Room {
  const userId = ctx.session?.userId ?? '';
  const roomId = ctx.params.roomId ?? '';
  const room = ctx.hs.rooms.get(roomId);
  if (!room || ctx.hs.rooms.membership(room, userId) !== 'join') {
    throw forbidden(`User ${userId} not in room ${roomId}, and room previews are disabled`);
  }
  return room;
}

/** PUT a state event: a joined member whose level reaches the event type's (state_default 50 unless set). */
function writeState(ctx: RequestCtx): { body: unknown } {
  const room = joinedRoom(ctx);
  const userId = ctx.session?.userId ?? '';
  const type = ctx.params.eventType ?? '';
  ctx.hs.rooms.checkCanSend(room, userId, type, true);
  const content = ctx.json();
  const ev = ctx.hs.rooms.append(room, { type, sender: userId, content, state_key: ctx.params.stateKey ?? '' });
  return { body: { event_id: ev.event_id } };
}

function readState(ctx: RequestCtx): { body: unknown } {
  const room = joinedRoom(ctx);
  const ev = ctx.hs.rooms.stateEvent(room, ctx.params.eventType ?? '', ctx.params.stateKey ?? '');
  if (!ev) throw notFound('Event not found.');
  return { body: ctx.query.get('format') === 'event' ? clientEvent(ev, ctx.hs.nowMs()) : ev.content };
}

/** The message rate for a user: Synapse's override table first (0 messages/s = unlimited), else the server's. */
function messageLimit(hs: HsContext, userId: string): RateLimit | undefined {
  const o = hs.accounts.overrides.get(userId);
  if (!o) return undefined;
  return { perSecond: o.messages_per_second, burst: o.burst_count };
}

/** The size of the PDU Synapse would build for this event, with realistic hashes, signatures and references. */
function pduBytes(hs: HsContext, roomId: string, sender: string, type: string, content: Record<string, unknown>): number {
  const ref = `$${'x'.repeat(43)}`;
  const pdu = {
    auth_events: [ref, ref, ref], content, depth: 100_000, hashes: { sha256: 'x'.repeat(43) }, origin: hs.serverName,
    origin_server_ts: hs.nowMs(), prev_events: [ref], room_id: roomId, sender,
    signatures: { [hs.serverName]: { 'ed25519:a_abcd': 'x'.repeat(86) } }, type, unsigned: { age_ts: hs.nowMs() },
  };
  return Buffer.byteLength(JSON.stringify(pdu));
}

/** PUT /rooms/{roomId}/send/{type}/{txnId}, in Synapse's order of checks. */
function send(ctx: RequestCtx): { body: unknown } {
  const { hs } = ctx;
  const session = ctx.session as Session;
  const { roomId = '', eventType = '', txnId = '' } = ctx.params;
  // Transactions are scoped to the device (spec v1.7; Synapse keys them on path and device).
  const key = `${session.userId}|${session.deviceId}|${roomId}|${eventType}|${txnId}`;
  const cached = hs.txns.get(key);
  if (cached && hs.nowMs() - cached.atMs < TXN_TTL_MS) return { body: { event_id: cached.eventId } };
  const content = ctx.json();
  const room = hs.rooms.get(roomId);
  if (!room) throw forbidden(`User ${session.userId} not in room ${roomId}`);
  const limit = messageLimit(hs, session.userId);
  hs.limits.message.check(session.userId, { update: false, limit });
  hs.rooms.checkCanSend(room, session.userId, eventType, false);
  if (pduBytes(hs, roomId, session.userId, eventType, content) > MAX_PDU_BYTES) {
    throw new HsError(413, 'M_TOO_LARGE', 'event too large');
  }
  hs.limits.message.check(session.userId, { limit });
  const ev = hs.rooms.append(room, { type: eventType, sender: session.userId, content, txnId, deviceId: session.deviceId });
  hs.txns.set(key, { eventId: ev.event_id, atMs: hs.nowMs() });
  return { body: { event_id: ev.event_id } };
}

/**
 * PUT /rooms/{roomId}/redact/{eventId}/{txnId}: idempotent per device and txnId as a send. Taking back one's own event
 * needs the level to send m.room.redaction; anyone else's (or one the server does not know) the room's `redact` level.
 * The event taken back keeps no content (the redaction algorithm leaves none for messages and reactions).
 */
function redact(ctx: RequestCtx): { body: unknown } {
  const { hs } = ctx;
  const session = ctx.session as Session;
  const { roomId = '', eventId = '', txnId = '' } = ctx.params;
  const key = `${session.userId}|${session.deviceId}|${roomId}|m.room.redaction|${txnId}`;
  const cached = hs.txns.get(key);
  if (cached && hs.nowMs() - cached.atMs < TXN_TTL_MS) return { body: { event_id: cached.eventId } };
  const room = joinedRoom(ctx);
  const content = ctx.json({ allowEmpty: true });
  hs.rooms.checkCanSend(room, session.userId, 'm.room.redaction', false);
  const target = room.events.find((ev) => ev.event_id === eventId);
  if (target?.sender !== session.userId) {
    const pl = hs.rooms.stateEvent(room, 'm.room.power_levels')?.content;
    const needed = typeof pl?.redact === 'number' ? pl.redact : 50;
    if (hs.rooms.userLevel(room, session.userId) < needed) throw forbidden('You don\'t have permission to redact events');
  }
  const ev = hs.rooms.append(room, { type: 'm.room.redaction', sender: session.userId, content, redacts: eventId, txnId, deviceId: session.deviceId });
  if (target && target.state_key === undefined) target.content = {};
  hs.txns.set(key, { eventId: ev.event_id, atMs: hs.nowMs() });
  return { body: { event_id: ev.event_id } };
}

/** A /messages filter's parts this server applies. */
interface EventFilter { senders?: string[]; not_senders?: string[]; types?: string[]; not_types?: string[] }

/** A stream token (`s<pos>` as /sync gives, `t<pos>` as /messages gives): the point after event `pos`. */
function streamToken(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const m = /^[st](\d+)$/.exec(raw);
  if (!m) throw badRequest('M_INVALID_PARAM', `Invalid token '${raw}'`);
  return Number(m[1]);
}

/**
 * GET /rooms/{roomId}/messages: the room's events between `from` (none: the room's end for `dir=b`, its start for
 * `dir=f`; spec v1.3) and `to`, `limit` (10) at a time, newest first for `b`; `end` is given while more remain.
 * Tokens are stream positions, so a sync's `prev_batch` and `next_batch` serve as in Synapse. A device sees its own
 * transaction ids, as in /sync.
 */
function messages(ctx: RequestCtx): { body: unknown } {
  const room = joinedRoom(ctx);
  const dir = ctx.query.get('dir');
  if (dir === null) throw badRequest('M_MISSING_PARAM', 'Missing string query parameter \'dir\'');
  if (dir !== 'b' && dir !== 'f') throw badRequest('M_INVALID_PARAM', `Query parameter 'dir' must be one of ['b', 'f']`);
  const from = streamToken(ctx.query.get('from'));
  const to = streamToken(ctx.query.get('to'));
  const limit = Math.max(1, Math.min(Number(ctx.query.get('limit') ?? 10) || 10, 1000));
  const rawFilter = ctx.query.get('filter');
  const filter = (rawFilter === null ? {} : JSON.parse(rawFilter)) as EventFilter;
  const shown = room.events.filter((ev) => (filter.senders === undefined || filter.senders.includes(ev.sender))
    && !(filter.not_senders ?? []).includes(ev.sender)
    && (filter.types === undefined || filter.types.includes(ev.type)) && !(filter.not_types ?? []).includes(ev.type));
  const inRange = dir === 'b'
    ? shown.filter((ev) => ev.pos <= (from ?? Infinity) && ev.pos > (to ?? 0)).reverse()
    : shown.filter((ev) => ev.pos > (from ?? 0) && ev.pos <= (to ?? Infinity));
  const chunk = inRange.slice(0, limit);
  const body: Record<string, unknown> = {
    chunk: chunk.map((ev) => clientEvent(ev, ctx.hs.nowMs(), ctx.session)), start: `t${from ?? ctx.hs.rooms.position}`,
  };
  if (inRange.length > limit) body.end = `t${dir === 'b' ? chunk.at(-1)!.pos - 1 : chunk.at(-1)!.pos}`;
  return { body };
}

function join(ctx: RequestCtx): { body: unknown } {
  const target = ctx.params.roomIdOrAlias ?? ctx.params.roomId ?? '';
  let roomId = target;
  if (target.startsWith('#')) {
    const found = ctx.hs.rooms.aliases.get(target);
    if (found === undefined) throw notFound(`Room alias ${target} not found`);
    roomId = found;
  } else if (!target.startsWith('!')) {
    throw badRequest('M_UNKNOWN', `${target} was not legal room ID or room alias`);
  }
  ctx.json({ allowEmpty: true });
  ctx.hs.rooms.join(ctx.session?.userId ?? '', roomId);
  return { body: { room_id: roomId } };
}

function leave(ctx: RequestCtx): { body: unknown } {
  const room = ctx.hs.rooms.get(ctx.params.roomId ?? '');
  const userId = ctx.session?.userId ?? '';
  const membership = room ? ctx.hs.rooms.membership(room, userId) : undefined;
  if (!room || membership === undefined || membership === 'leave') {
    throw forbidden(`User ${userId} not in room ${ctx.params.roomId ?? ''}`);
  }
  ctx.hs.rooms.setMembership(room, userId, 'leave', userId);
  return { body: {} };
}

const ROOM = '/_matrix/client/{v}/rooms/:roomId';

/** Routes for rooms. */
export const roomRoutes: Route[] = [
  { method: 'GET', path: '/_matrix/client/{v}/directory/room/:roomAlias', auth: false, handle: (ctx) => {
    const alias = ctx.params.roomAlias ?? '';
    const roomId = ctx.hs.rooms.aliases.get(alias);
    if (roomId === undefined) throw notFound(`Room alias ${alias} not found`);
    return { body: { room_id: roomId, servers: [ctx.hs.serverName] } };
  } },
  { method: 'POST', path: '/_matrix/client/{v}/join/:roomIdOrAlias', auth: true, handle: join },
  { method: 'POST', path: `${ROOM}/join`, auth: true, handle: join },
  { method: 'POST', path: `${ROOM}/leave`, auth: true, handle: leave },
  { method: 'GET', path: '/_matrix/client/{v}/joined_rooms', auth: true, handle: (ctx) => ({
    body: { joined_rooms: ctx.hs.rooms.roomsOf(ctx.session?.userId ?? '', 'join').map((r) => r.roomId) },
  }) },
  { method: 'GET', path: `${ROOM}/joined_members`, auth: true, handle: (ctx) => {
    const room = joinedRoom(ctx);
    const joined: Record<string, unknown> = {};
    for (const ev of room.state.values()) {
      if (ev.type !== 'm.room.member' || ev.content.membership !== 'join' || ev.state_key === undefined) continue;
      joined[ev.state_key] = { display_name: ev.content.displayname ?? null, avatar_url: ev.content.avatar_url ?? null };
    }
    return { body: { joined } };
  } },
  { method: 'GET', path: `${ROOM}/state`, auth: true, handle: (ctx) => ({
    body: [...joinedRoom(ctx).state.values()].map((ev) => clientEvent(ev, ctx.hs.nowMs())),
  }) },
  { method: 'GET', path: `${ROOM}/state/:eventType`, auth: true, handle: readState },
  { method: 'GET', path: `${ROOM}/state/:eventType/:stateKey`, auth: true, handle: readState },
  { method: 'PUT', path: `${ROOM}/state/:eventType`, auth: true, handle: writeState },
  { method: 'PUT', path: `${ROOM}/state/:eventType/:stateKey`, auth: true, handle: writeState },
  { method: 'PUT', path: `${ROOM}/send/:eventType/:txnId`, auth: true, isSend: true, handle: send },
  { method: 'PUT', path: `${ROOM}/redact/:eventId/:txnId`, auth: true, handle: redact },
  { method: 'GET', path: `${ROOM}/messages`, auth: true, handle: messages },
];
