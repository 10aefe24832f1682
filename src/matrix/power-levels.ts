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

/** Whether `userId` may send a non-state event of `eventType`, given the room's power levels (null: no such state). */
export function sendPermission(levels: PowerLevels | null, userId: string, eventType: string): SendPermission {
  // Without a power_levels event the spec gives everyone level 0 and requires 0 for messages.
  const userLevel = toLevel(levels?.users?.[userId], toLevel(levels?.users_default, 0));
  const requiredLevel = toLevel(levels?.events?.[eventType], toLevel(levels?.events_default, 0));
  return { allowed: userLevel >= requiredLevel, userLevel, requiredLevel };
}

/** The level of a user in the room (users[userId] or users_default). */
export function userPowerLevel(levels: PowerLevels | null, userId: string): number {
  return toLevel(levels?.users?.[userId], toLevel(levels?.users_default, 0));
}

// Old rooms may carry levels as strings ("50"); servers accept them, so we do too.
function toLevel(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return fallback;
}
