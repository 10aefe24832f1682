// Reading m.room.power_levels: may a user send a given event type? (Spec: "m.room.power_levels" state event.)

/** The parts of `m.room.power_levels` content that decide who may send what. */
export interface PowerLevels {
  users?: Record<string, number>;
  users_default?: number;
  events?: Record<string, number>;
  events_default?: number;
  state_default?: number;
  invite?: number;
}

/** A user's level and the level an event type needs, as the spec computes them. */
export interface SendPermission {
  allowed: boolean;
  userLevel: number;
  requiredLevel: number;
}

/** Who created a room, from its m.room.create event, and whether that gives unlimited power. */
export interface RoomCreators {
  ids: readonly string[];
  /** Room version 12 and later (MSC4289): creators outrank everyone and are not listed in `users`. */
  unlimited: boolean;
}

/**
 * The creators of a room from its m.room.create state event, read with `format=event` (its sender is the creator;
 * `content.creator` names it before room version 11; `additional_creators` join it from version 12). A server that
 * answers the content alone gives no sender: only `content.creator` is known then.
 */
export function roomCreators(createEvent: unknown): RoomCreators {
  const event = (typeof createEvent === 'object' && createEvent !== null ? createEvent : {}) as Record<string, unknown>;
  const content = (typeof event.content === 'object' && event.content !== null ? event.content : event) as Record<string, unknown>;
  const ids = new Set<string>();
  if (typeof event.sender === 'string') ids.add(event.sender);
  if (typeof content.creator === 'string') ids.add(content.creator);
  const version = typeof content.room_version === 'string' ? content.room_version : '1';
  const unlimited = /^\d+$/.test(version) ? Number(version) >= 12 : version.includes('hydra');
  if (unlimited && Array.isArray(content.additional_creators)) {
    for (const id of content.additional_creators) if (typeof id === 'string') ids.add(id);
  }
  return { ids: [...ids], unlimited };
}

/** Whether `userId` may send a non-state event of `eventType`, given the room's power levels (null: no such state). */
export function sendPermission(levels: PowerLevels | null, userId: string, eventType: string, creators?: RoomCreators): SendPermission {
  // Without a power_levels event the spec gives everyone level 0 and requires 0 for messages.
  const userLevel = userPowerLevel(levels, userId, creators);
  const requiredLevel = toLevel(levels?.events?.[eventType], toLevel(levels?.events_default, 0));
  return { allowed: userLevel >= requiredLevel, userLevel, requiredLevel };
}

/**
 * The level of a user in the room: users[userId] or users_default; a creator's is unlimited from room version 12,
 * and 100 in a room without power levels (the spec's auth rules).
 */
export function userPowerLevel(levels: PowerLevels | null, userId: string, creators?: RoomCreators): number {
  if (creators?.ids.includes(userId)) {
    if (creators.unlimited) return Infinity;
    if (levels === null) return 100;
  }
  return toLevel(levels?.users?.[userId], toLevel(levels?.users_default, 0));
}

// Old rooms may carry levels as strings ("50"); servers accept them, so we do too.
function toLevel(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return fallback;
}
