import { describe, it, expect } from 'vitest';
import type { OutboxMessage, OutboxRow } from '../delivery/outbox.js';
import { silentLogger } from '../logging.js';
import { MatrixError } from '../matrix/errors.js';
import type { RoomEvent } from '../matrix/sync-loop.js';
import { NO_INCIDENTS, type Acknowledger } from './acknowledger.js';
import { normaliseReactionKey, RoomHandler, type RoomHandlerDeps } from './handler.js';
import { PowerLevelCache } from './power.js';

const ROOM = '!ops:x';

function handler(levels: Record<string, number>, extra: Partial<RoomHandlerDeps> = {}) {
  const queued: OutboxMessage[] = [];
  const woken: string[] = [];
  const deps: RoomHandlerDeps = {
    outbox: { enqueue: (messages) => { queued.push(...messages); return messages.map((_, i) => ({ id: i + 1 }) as OutboxRow); } },
    wake: (room) => woken.push(room),
    power: { level: async (_room, user) => levels[user] ?? 0 },
    requiredLevel: 50, monitors: () => [], acknowledger: NO_INCIDENTS, timezone: 'UTC', now: () => 0, logger: silentLogger(),
    mutes: { mute: (target, untilMs, by) => ({ target, untilMs, by, createdAt: 0 }), unmute: () => false, active: () => [] },
    ...extra,
  };
  return { handler: new RoomHandler(deps), queued, woken };
}

const message = (body: string, extra: Record<string, unknown> = {}): RoomEvent =>
  ({ event_id: '$cmd', type: 'm.room.message', sender: '@mod:x', origin_server_ts: 0, content: { msgtype: 'm.text', body, ...extra } });
const reaction = (key: string, sender = '@mod:x', relType = 'm.annotation'): RoomEvent =>
  ({ event_id: '$r', type: 'm.reaction', sender, origin_server_ts: 0, content: { 'm.relates_to': { rel_type: relType, event_id: '$alert', key } } });

describe('RoomHandler', () => {
  it('answers a command typed in a thread inside that thread, keyed by the command so it is answered once', async () => {
    const { handler: h, queued, woken } = handler({ '@mod:x': 50 });
    await h.onMessage(ROOM, message('!vigie status', { 'm.relates_to': { rel_type: 'm.thread', event_id: '$root' } }));
    expect(queued).toEqual([{
      roomId: ROOM, eventType: 'm.room.message', dedupeKey: 'command:$cmd',
      content: {
        msgtype: 'm.notice', body: 'Vigie runs no monitors of its own here, and no outage reported to it is open in this room.', 'm.mentions': { user_ids: ['@mod:x'] },
        'm.relates_to': { rel_type: 'm.thread', event_id: '$root', is_falling_back: false, 'm.in_reply_to': { event_id: '$cmd' } },
      },
    }]);
    expect(woken).toEqual([ROOM]);
  });

  it('ignores what is not a command, and does nothing when the power levels cannot be read', async () => {
    const { handler: h, queued } = handler({}, { power: { level: () => Promise.reject(new MatrixError('M_FORBIDDEN', 403, 'not in room')) } });
    await h.onMessage(ROOM, message('hello'));
    await h.onMessage(ROOM, message('!vigie status'));
    expect(queued).toEqual([]);
  });

  it('acknowledges on 👍/✅ in any presentation, only as an annotation, only with the power', async () => {
    const acked: string[] = [];
    const acknowledger: Acknowledger = { ...NO_INCIDENTS, ackEvent: (_room, eventId, by) => { acked.push(`${eventId} ${by}`); return { result: 'none' }; } };
    const { handler: h, queued } = handler({ '@mod:x': 50 }, { acknowledger });
    for (const key of ['👍', '👍\uFE0F', '👍🏽', '✅\uFE0F', '🎉']) await h.onReaction(ROOM, reaction(key));
    await h.onReaction(ROOM, reaction('👍', '@member:x'));
    await h.onReaction(ROOM, reaction('👍', '@mod:x', 'm.reference'));
    expect(acked).toEqual(Array(4).fill('$alert @mod:x'));
    expect(queued).toEqual([]);
  });

  it('normalises reaction keys', () => {
    expect(['👍️', '👍🏿', '✅️', '✔️'].map(normaliseReactionKey)).toEqual(['👍', '👍', '✅', '✔']);
  });
});

describe('PowerLevelCache', () => {
  it('reads a room\'s power levels once per TTL, and again after a failed read', async () => {
    let reads = 0;
    let now = 0;
    let fail = false;
    const cache = new PowerLevelCache({
      getStateEvent: async <T>(_room: string, type: string) => {
        if (type === 'm.room.create') return { sender: '@owner:x', content: { room_version: '10' } } as T;
        reads += 1;
        if (fail) throw new Error('down');
        return { users: { '@mod:x': 50 }, users_default: 10 } as T;
      },
    }, { ttlMs: 1_000, now: () => now });
    expect(await cache.level(ROOM, '@mod:x')).toBe(50);
    expect(await cache.level(ROOM, '@other:x')).toBe(10);
    expect(reads).toBe(1);
    now = 1_000;
    fail = true;
    await expect(cache.level(ROOM, '@mod:x')).rejects.toThrow('down');
    fail = false;
    expect(await cache.level(ROOM, '@mod:x')).toBe(50);
    expect(reads).toBe(3);
  });

  it('gives a room version 12 creator unlimited power, though power_levels does not list it (MSC4289)', async () => {
    const cache = new PowerLevelCache({
      getStateEvent: async <T>(_room: string, type: string, _key?: string, options?: { format?: 'event' }) => (type === 'm.room.create'
        ? (options?.format === 'event' ? { sender: '@owner:x', content: { room_version: '12', additional_creators: ['@co:x'] } } : { room_version: '12' })
        : { users: { '@mod:x': 50 } }) as T,
    });
    expect(await cache.level(ROOM, '@owner:x')).toBe(Infinity);
    expect(await cache.level(ROOM, '@co:x')).toBe(Infinity);
    expect(await cache.level(ROOM, '@mod:x')).toBe(50);
    expect(await cache.level(ROOM, '@other:x')).toBe(0);
  });
});
