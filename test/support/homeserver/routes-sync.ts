// /sync, enough for a bot: invites with their stripped state, joined rooms' timeline and state, filters, long-polling,
// and the E2EE sections (to-device, device lists, key counts).
import type { Session } from './accounts.js';
import { badRequest, HsError } from './errors.js';
import type { Room, StoredEvent } from './rooms.js';
import type { RequestCtx, Route } from './router.js';
import { clientEvent } from './routes-rooms.js';
import { syncE2ee } from './sync-e2ee.js';

/** Synapse's default timeline limit. */
const DEFAULT_TIMELINE_LIMIT = 10;
/** The longest long-poll served. */
const MAX_SYNC_TIMEOUT_MS = 30_000;
/** State types an invite shows before joining (Synapse's room_prejoin_state). */
const PREJOIN_TYPES = ['m.room.create', 'm.room.join_rules', 'm.room.name', 'm.room.avatar', 'm.room.canonical_alias', 'm.room.encryption'];

interface RoomFilter {
  timelineLimit: number;
  /** Event types the timeline keeps (filter `room.timeline.types`); undefined: all. */
  timelineTypes?: string[];
  stateTypes?: string[];
  stateNotTypes: string[];
  lazyMembers: boolean;
  rooms?: string[];
  notRooms: string[];
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? v as Record<string, unknown> : {});

/** The filter in force: inline JSON, a stored filter id, or the defaults. */
function roomFilter(ctx: RequestCtx): RoomFilter {
  const raw = ctx.query.get('filter');
  let filter: unknown = {};
  if (raw !== null && raw.trim().startsWith('{')) {
    try {
      filter = JSON.parse(raw);
    } catch {
      throw new HsError(400, 'M_NOT_JSON', 'Invalid filter JSON');
    }
  } else if (raw !== null) {
    filter = ctx.hs.filters.get(raw) ?? {};
  }
  const room = obj(obj(filter).room);
  const timeline = obj(room.timeline);
  const state = obj(room.state);
  const limit = timeline.limit;
  return {
    timelineLimit: typeof limit === 'number' && limit >= 0 ? Math.floor(limit) : DEFAULT_TIMELINE_LIMIT,
    timelineTypes: strings(timeline.types),
    stateTypes: strings(state.types),
    stateNotTypes: strings(state.not_types) ?? [],
    lazyMembers: state.lazy_load_members === true,
    rooms: strings(room.rooms),
    notRooms: strings(room.not_rooms) ?? [],
  };
}

/** Type patterns as the spec has them: exact, or a `*` wildcard. */
function typeMatches(type: string, patterns: string[]): boolean {
  return patterns.some((p) => p === '*' || (p.endsWith('*') ? type.startsWith(p.slice(0, -1)) : p === type));
}

function stateAllowed(ev: StoredEvent, f: RoomFilter, timelineSenders: Set<string>, self: string): boolean {
  if (f.stateTypes !== undefined && !typeMatches(ev.type, f.stateTypes)) return false;
  if (typeMatches(ev.type, f.stateNotTypes)) return false;
  if (f.lazyMembers && ev.type === 'm.room.member' && ev.state_key !== self && !timelineSenders.has(ev.state_key ?? '')) return false;
  return true;
}

function joinedRoomSection(ctx: RequestCtx, room: Room, since: number | undefined, f: RoomFilter, session: Session): Record<string, unknown> | undefined {
  const now = ctx.hs.nowMs();
  const after = since === undefined ? room.events : room.events.filter((ev) => ev.pos > since);
  // Like Synapse, the limit counts only the events the filter keeps.
  const newer = f.timelineTypes === undefined ? after : after.filter((ev) => typeMatches(ev.type, f.timelineTypes!));
  const ownMember = ctx.hs.rooms.stateEvent(room, 'm.room.member', session.userId);
  const fresh = since === undefined || (ownMember !== undefined && ownMember.pos > since);
  if (!fresh && newer.length === 0) return undefined;
  const timeline = f.timelineLimit === 0 ? [] : newer.slice(-f.timelineLimit);
  const limited = timeline.length < newer.length;
  const inTimeline = new Set(timeline.map((ev) => ev.event_id));
  const senders = new Set(timeline.map((ev) => ev.sender));
  const state = fresh || limited
    ? [...room.state.values()].filter((ev) => !inTimeline.has(ev.event_id) && stateAllowed(ev, f, senders, session.userId))
    : [];
  const strip = (ev: StoredEvent): Record<string, unknown> => {
    const { room_id: _roomId, ...rest } = clientEvent(ev, now, session);
    return rest;
  };
  return {
    timeline: { events: timeline.map(strip), limited, prev_batch: `s${(timeline[0]?.pos ?? 1) - 1}` },
    state: { events: state.map(strip) },
    ephemeral: { events: [] },
    account_data: { events: [] },
    unread_notifications: { highlight_count: 0, notification_count: 0 },
    summary: {},
  };
}

function inviteSection(ctx: RequestCtx, room: Room, userId: string): Record<string, unknown> {
  const stripped = (ev: StoredEvent): Record<string, unknown> => ({ type: ev.type, state_key: ev.state_key, content: ev.content, sender: ev.sender });
  const events = PREJOIN_TYPES.map((type) => ctx.hs.rooms.stateEvent(room, type)).filter((ev): ev is StoredEvent => ev !== undefined);
  const invite = ctx.hs.rooms.stateEvent(room, 'm.room.member', userId);
  if (invite) events.push(invite);
  return { invite_state: { events: events.map(stripped) } };
}

function parseSince(value: string | null): number | undefined {
  if (value === null) return undefined;
  const m = /^s(\d+)/.exec(value);
  if (!m) throw badRequest('M_UNKNOWN', 'Invalid stream token');
  return Number(m[1]);
}

async function sync(ctx: RequestCtx): Promise<{ body: unknown }> {
  const session = ctx.session as Session;
  const since = parseSince(ctx.query.get('since'));
  const f = roomFilter(ctx);
  const timeout = Math.min(Math.max(Number(ctx.query.get('timeout') ?? 0) || 0, 0), MAX_SYNC_TIMEOUT_MS);
  if (since !== undefined) await ctx.hs.rooms.waitForChange(since, timeout);
  const pos = ctx.hs.rooms.position;
  const wanted = (room: Room): boolean => (f.rooms === undefined || f.rooms.includes(room.roomId)) && !f.notRooms.includes(room.roomId);
  const join: Record<string, unknown> = {};
  const invite: Record<string, unknown> = {};
  const leave: Record<string, unknown> = {};
  for (const room of ctx.hs.rooms.all().filter(wanted)) {
    const membership = ctx.hs.rooms.membership(room, session.userId);
    const memberPos = ctx.hs.rooms.stateEvent(room, 'm.room.member', session.userId)?.pos ?? 0;
    if (membership === 'join') {
      const section = joinedRoomSection(ctx, room, since, f, session);
      if (section) join[room.roomId] = section;
    } else if (membership === 'invite' && (since === undefined || memberPos > since)) {
      invite[room.roomId] = inviteSection(ctx, room, session.userId);
    } else if ((membership === 'leave' || membership === 'ban') && since !== undefined && memberPos > since) {
      leave[room.roomId] = { timeline: { events: [], limited: false }, state: { events: [] } };
    }
  }
  return {
    body: {
      next_batch: `s${pos}`, rooms: { join, invite, leave, knock: {} },
      presence: { events: [] }, account_data: { events: [] }, ...syncE2ee(ctx.hs, session, since),
    },
  };
}

/** Routes for /sync and filter creation. */
export const syncRoutes: Route[] = [
  { method: 'GET', path: '/_matrix/client/{v}/sync', auth: true, handle: sync },
  { method: 'POST', path: '/_matrix/client/{v}/user/:userId/filter', auth: true, handle: (ctx) => {
    if (ctx.params.userId !== ctx.session?.userId) throw new HsError(403, 'M_FORBIDDEN', 'Cannot create filters for other users');
    const id = String(ctx.hs.filters.size);
    ctx.hs.filters.set(id, ctx.json());
    return { body: { filter_id: id } };
  } },
];
