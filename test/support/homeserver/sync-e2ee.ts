// The E2EE part of a /sync answer: to-device messages, device list changes, one-time key counts, fallback key types.
import type { Session } from './accounts.js';
import type { HsContext } from './router.js';

/** What /sync adds for end-to-end encryption. */
export interface SyncE2ee {
  to_device: { events: unknown[] };
  device_lists: { changed: string[]; left: string[] };
  device_one_time_keys_count: Record<string, number>;
  device_unused_fallback_key_types: string[];
}

/** Users who share a joined room with `userId` now (the user included). */
function sharingUsers(hs: HsContext, userId: string): Set<string> {
  const users = new Set<string>([userId]);
  for (const room of hs.rooms.roomsOf(userId, 'join')) {
    for (const ev of room.state.values()) {
      if (ev.type === 'm.room.member' && ev.content.membership === 'join' && ev.state_key !== undefined) users.add(ev.state_key);
    }
  }
  return users;
}

/**
 * Device list changes since `since`, as Synapse computes them: a user is `changed` when they share a room with us
 * and their keys changed, or a shared room gained them (their join, or ours); `left` when a membership change since
 * then means we share no room any more.
 */
function deviceLists(hs: HsContext, userId: string, since: number): { changed: string[]; left: string[] } {
  const sharing = sharingUsers(hs, userId);
  const changed = new Set<string>();
  const left = new Set<string>();
  for (const other of sharing) if (hs.e2ee.changedAt(other) > since) changed.add(other);
  for (const room of hs.rooms.all()) {
    const ownMember = hs.rooms.stateEvent(room, 'm.room.member', userId);
    if (!ownMember) continue;
    const weMoved = ownMember.pos > since;
    // Rooms we are in, or left since: the only ones whose members we could have shared with.
    if (ownMember.content.membership !== 'join' && !weMoved) continue;
    for (const ev of room.state.values()) {
      if (ev.type !== 'm.room.member' || ev.state_key === undefined || ev.state_key === userId) continue;
      const other = ev.state_key;
      const moved = ev.pos > since || weMoved;
      if (!moved) continue;
      if (sharing.has(other) && hs.rooms.membership(room, other) === 'join') changed.add(other);
      if (!sharing.has(other)) left.add(other);
    }
  }
  for (const user of changed) left.delete(user);
  return { changed: [...changed].sort(), left: [...left].sort() };
}

/** The E2EE sections of one device's /sync; device lists only on incremental syncs (`since` given), as the spec says. */
export function syncE2ee(hs: HsContext, session: Session, since: number | undefined): SyncE2ee {
  const { userId, deviceId } = session;
  return {
    to_device: { events: hs.e2ee.inbox(userId, deviceId, since).map((m) => m.event) },
    device_lists: since === undefined ? { changed: [], left: [] } : deviceLists(hs, userId, since),
    device_one_time_keys_count: hs.e2ee.oneTimeKeyCounts(userId, deviceId),
    device_unused_fallback_key_types: hs.e2ee.unusedFallbackKeyTypes(userId, deviceId),
  };
}
