// Rooms of the test homeserver: events, state, membership and power levels, following the spec's auth rules.
import { performance } from 'node:perf_hooks';
import { forbidden, HsError } from './errors.js';
import { newEventId, newRoomId } from './ids.js';

/** The content of `m.room.power_levels`. */
export interface PowerLevels {
  users: Record<string, number>;
  users_default: number;
  events: Record<string, number>;
  events_default: number;
  state_default: number;
  ban: number;
  kick: number;
  redact: number;
  invite: number;
  notifications?: Record<string, number>;
}

/** An event as the server keeps it; `pos` orders everything for /sync. */
export interface StoredEvent {
  event_id: string;
  room_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  origin_server_ts: number;
  state_key?: string;
  /** The event a redaction takes back (top-level `redacts`, as in room version 10). */
  redacts?: string;
  /** The txnId it was sent with, and the sending device (echoed to that device in /sync). */
  txnId?: string;
  deviceId?: string;
  /** performance.now() when the server accepted it. */
  receivedAt: number;
  pos: number;
}

/** A room and its history. */
export interface Room {
  roomId: string;
  creator: string;
  events: StoredEvent[];
  /** Current state, keyed by `type\u0000stateKey`. */
  state: Map<string, StoredEvent>;
}

export type Membership = 'join' | 'invite' | 'leave' | 'ban';

/** What a test room starts with. */
export interface CreateRoomOptions {
  creator: string;
  /** A localpart (`ops`) or a full alias (`#ops:localhost`). */
  alias?: string;
  /** Adds `m.room.encryption`, as Element does for private rooms. */
  encrypted?: boolean;
  /** Users who join right away (as if they had accepted an invite). */
  join?: string[];
  invite?: string[];
  /** Changes to Synapse's default power levels (maps are merged). */
  powerLevels?: Partial<PowerLevels>;
  /** join_rule `public` instead of `invite`. */
  public?: boolean;
  name?: string;
}

/** Synapse's power levels for a new private room. */
export function defaultPowerLevels(creator: string): PowerLevels {
  return {
    users: { [creator]: 100 },
    users_default: 0,
    events: {
      'm.room.name': 50, 'm.room.power_levels': 100, 'm.room.history_visibility': 100, 'm.room.canonical_alias': 50,
      'm.room.avatar': 50, 'm.room.tombstone': 100, 'm.room.server_acl': 100, 'm.room.encryption': 100,
    },
    events_default: 0, state_default: 50, ban: 50, kick: 50, redact: 50, invite: 50,
    notifications: { room: 50 },
  };
}

/** Merges power-level changes, maps included. */
export function mergePowerLevels(base: PowerLevels, changes: Partial<PowerLevels>): PowerLevels {
  return {
    ...base, ...changes,
    users: { ...base.users, ...changes.users },
    events: { ...base.events, ...changes.events },
  };
}

const stateKeyOf = (type: string, stateKey: string): string => `${type}\u0000${stateKey}`;

/** All rooms of one server, with a stream position that /sync long-polls on. */
export class Rooms {
  readonly #rooms = new Map<string, Room>();
  /** Room directory: alias → room id. */
  readonly aliases = new Map<string, string>();
  #pos = 0;
  readonly #waiters = new Set<() => void>();

  constructor(readonly serverName: string, private readonly nowMs: () => number) {}

  /** The latest stream position. */
  get position(): number {
    return this.#pos;
  }

  get(roomId: string): Room | undefined {
    return this.#rooms.get(roomId);
  }

  all(): Room[] {
    return [...this.#rooms.values()];
  }

  /** Moves the stream on without a room event (to-device messages, key changes) and wakes /sync. */
  advance(): number {
    const pos = ++this.#pos;
    for (const wake of this.#waiters) wake();
    return pos;
  }

  /** A full alias from a localpart or an alias. */
  fullAlias(alias: string): string {
    return alias.startsWith('#') ? alias : `#${alias}:${this.serverName}`;
  }

  /** Creates a room with the events Synapse's /createRoom sends, in its order. */
  create(opts: CreateRoomOptions): string {
    const roomId = newRoomId(this.serverName);
    const room: Room = { roomId, creator: opts.creator, events: [], state: new Map() };
    this.#rooms.set(roomId, room);
    const s = (type: string, content: Record<string, unknown>, stateKey = ''): void => {
      this.append(room, { type, sender: opts.creator, content, state_key: stateKey });
    };
    s('m.room.create', { creator: opts.creator, room_version: '10' });
    s('m.room.member', { membership: 'join' }, opts.creator);
    s('m.room.power_levels', { ...mergePowerLevels(defaultPowerLevels(opts.creator), opts.powerLevels ?? {}) });
    if (opts.alias !== undefined) {
      const alias = this.fullAlias(opts.alias);
      if (this.aliases.has(alias)) throw new Error(`room alias ${alias} already exists`);
      this.aliases.set(alias, roomId);
      s('m.room.canonical_alias', { alias });
    }
    s('m.room.join_rules', { join_rule: opts.public ? 'public' : 'invite' });
    s('m.room.history_visibility', { history_visibility: 'shared' });
    if (!opts.public) s('m.room.guest_access', { guest_access: 'can_join' });
    if (opts.encrypted) s('m.room.encryption', { algorithm: 'm.megolm.v1.aes-sha2' });
    if (opts.name !== undefined) s('m.room.name', { name: opts.name });
    for (const user of opts.invite ?? []) this.setMembership(room, user, 'invite', opts.creator);
    for (const user of opts.join ?? []) this.setMembership(room, user, 'join', user);
    return roomId;
  }

  /** Adds an event to a room (updating state for state events) and wakes /sync. */
  append(room: Room, ev: { type: string; sender: string; content: Record<string, unknown>; state_key?: string; redacts?: string; txnId?: string; deviceId?: string }): StoredEvent {
    const stored: StoredEvent = {
      event_id: newEventId(), room_id: room.roomId, type: ev.type, sender: ev.sender, content: ev.content,
      origin_server_ts: this.nowMs(), receivedAt: performance.now(), pos: ++this.#pos,
    };
    if (ev.state_key !== undefined) stored.state_key = ev.state_key;
    if (ev.redacts !== undefined) stored.redacts = ev.redacts;
    if (ev.txnId !== undefined) stored.txnId = ev.txnId;
    if (ev.deviceId !== undefined) stored.deviceId = ev.deviceId;
    room.events.push(stored);
    if (ev.state_key !== undefined) room.state.set(stateKeyOf(ev.type, ev.state_key), stored);
    for (const wake of this.#waiters) wake();
    return stored;
  }

  stateEvent(room: Room, type: string, stateKey = ''): StoredEvent | undefined {
    return room.state.get(stateKeyOf(type, stateKey));
  }

  membership(room: Room, userId: string): Membership | undefined {
    return this.stateEvent(room, 'm.room.member', userId)?.content.membership as Membership | undefined;
  }

  setMembership(room: Room, userId: string, membership: Membership, sender: string): void {
    this.append(room, { type: 'm.room.member', sender, content: { membership }, state_key: userId });
  }

  /** Rooms where a user has a given membership. */
  roomsOf(userId: string, membership: Membership): Room[] {
    return this.all().filter((room) => this.membership(room, userId) === membership);
  }

  /** A user's power level: `users[id]`, else `users_default`; without power levels, the creator has 100. */
  userLevel(room: Room, userId: string): number {
    const pl = this.stateEvent(room, 'm.room.power_levels')?.content;
    if (!pl) return userId === room.creator ? 100 : 0;
    return level((pl.users as Record<string, unknown> | undefined)?.[userId]) ?? level(pl.users_default) ?? 0;
  }

  /** The level needed to send an event: `events[type]`, else `events_default` (or `state_default` for state). */
  requiredLevel(room: Room, type: string, isState: boolean): number {
    const pl = this.stateEvent(room, 'm.room.power_levels')?.content;
    // Without a power-levels event, everyone may send anything (the spec's defaults are then 0).
    if (!pl) return 0;
    const specific = level((pl.events as Record<string, unknown> | undefined)?.[type]);
    if (specific !== undefined) return specific;
    return isState ? level(pl.state_default) ?? 50 : level(pl.events_default) ?? 0;
  }

  /** Refuses an event the sender may not send, with Synapse's wording. */
  checkCanSend(room: Room, userId: string, type: string, isState: boolean): void {
    if (this.membership(room, userId) !== 'join') throw forbidden(`User ${userId} not in room ${room.roomId}`);
    const userLevel = this.userLevel(room, userId);
    const sendLevel = this.requiredLevel(room, type, isState);
    if (userLevel < sendLevel) {
      throw forbidden(`You don't have permission to post that to the room. user_level (${userLevel}) < send_level (${sendLevel})`);
    }
  }

  /** POST /join: needs an invite unless the room is public. */
  join(userId: string, roomId: string): void {
    const room = this.#rooms.get(roomId);
    if (!room) throw new HsError(404, 'M_UNKNOWN', 'No known servers');
    const membership = this.membership(room, userId);
    if (membership === 'join') return;
    if (membership === 'ban') throw forbidden('You are banned from this room');
    const rule = this.stateEvent(room, 'm.room.join_rules')?.content.join_rule;
    if (rule !== 'public' && membership !== 'invite') throw forbidden('You are not invited to this room.');
    this.setMembership(room, userId, 'join', userId);
  }

  /** Resolves once the stream moves past `since`, or after `timeoutMs`. */
  async waitForChange(since: number, timeoutMs: number): Promise<void> {
    if (this.#pos > since || timeoutMs <= 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
    });
  }

  /** Ends every pending long-poll (server shutdown). */
  wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

/** Power levels are integers; very old rooms may hold them as strings. */
function level(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}
