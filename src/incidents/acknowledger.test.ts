import { describe, expect, it } from 'vitest';
import { Outbox } from '../delivery/outbox.js';
import { openDatabase } from '../store/db.js';
import { incidentAcknowledger } from './acknowledger.js';
import { incidentKey } from './policy.js';
import { IncidentStore } from './store.js';

const ROOM = '!ops:x';

/** A room with an open incident (its root and a reply in its thread) and a resolved one, all sent. */
function setup() {
  const db = openDatabase(':memory:');
  const outbox = new Outbox(db);
  const store = new IncidentStore(db);
  const sent = (eventId: string, relatesToRow?: number): number => {
    const [row] = outbox.enqueue([{ roomId: ROOM, eventType: 'm.room.message', content: { body: eventId }, relatesToRow }]);
    outbox.markSent(row!.id, eventId);
    return row!.id;
  };
  const root = sent('$root');
  sent('$reply', root);
  store.start(incidentKey({ source: 'uptime-kuma:kuma', name: 'api' }), ROOM, root, 1);
  const oldRoot = sent('$old-root');
  store.resolve(store.start(incidentKey({ source: 'uptime-kuma:kuma', name: 'db' }), ROOM, oldRoot, 1).id, 2);
  sent('$unrelated');
  const queued: string[] = [];
  const acknowledger = incidentAcknowledger({
    store, outbox, resolveRoom: (ref) => Promise.resolve(ref), onQueued: (room) => queued.push(room),
  });
  return { acknowledger, queued, store };
}

describe('acknowledging by reaction', () => {
  it('a reaction on a reply in an open incident\'s thread acknowledges that incident, as one on its root does', async () => {
    const { acknowledger, queued } = setup();
    expect(await acknowledger.ackEvent(ROOM, '$reply', '@alice:x')).toEqual({ result: 'acked', monitors: ['api'] });
    expect(queued).toEqual([ROOM]);
    expect(await acknowledger.ackEvent(ROOM, '$root', '@bob:x')).toEqual({ result: 'already', by: '@alice:x' });
  });

  it('a reaction on a resolved incident\'s message, on a message of no incident or in another room acknowledges nothing', async () => {
    const { acknowledger, queued } = setup();
    for (const eventId of ['$old-root', '$unrelated', '$never-sent']) {
      expect(await acknowledger.ackEvent(ROOM, eventId, '@alice:x')).toEqual({ result: 'none' });
    }
    expect(await acknowledger.ackEvent('!elsewhere:x', '$root', '@alice:x')).toEqual({ result: 'none' });
    expect(queued).toEqual([]);
  });

  it('lists the room\'s open incidents for status, with their source', async () => {
    const { acknowledger } = setup();
    expect(await acknowledger.openIn!(ROOM)).toEqual([{ monitor: 'api', source: 'uptime-kuma:kuma', startedAt: 1, ackedBy: null }]);
    expect(await acknowledger.openIn!('!elsewhere:x')).toEqual([]);
  });
});

describe('taking an acknowledging reaction back', () => {
  it('withdraws the acknowledgement when no other reaction holds it, and hands it to one that does', async () => {
    const { acknowledger, queued, store } = setup();
    await acknowledger.ackEvent(ROOM, '$root', '@alice:x', '$a1');
    await acknowledger.ackEvent(ROOM, '$reply', '@bob:x', '$b1');
    expect(await acknowledger.withdrawReaction!(ROOM, '$a1', '@alice:x')).toEqual({ result: 'kept' });
    expect(store.openAll()[0]!.ackedBy).toBe('@bob:x');
    queued.length = 0;
    expect(await acknowledger.withdrawReaction!(ROOM, '$b1', '@carol:x')).toEqual({ result: 'withdrawn', monitors: ['api'] });
    expect(store.openAll()[0]).toMatchObject({ ackedBy: null, ackedAt: null });
    expect(queued).toEqual([ROOM]);
    // Acknowledged again, by a new reaction: the incident can be acknowledged as if never before.
    expect(await acknowledger.ackEvent(ROOM, '$root', '@alice:x', '$a2')).toEqual({ result: 'acked', monitors: ['api'] });
  });

  it('keeps an acknowledgement given by command, and ignores reactions it never counted', async () => {
    const { acknowledger, store } = setup();
    expect(await acknowledger.ackMonitor(ROOM, 'api', '@alice:x')).toEqual({ result: 'acked', monitors: ['api'] });
    await acknowledger.ackEvent(ROOM, '$root', '@bob:x', '$b1');
    expect(await acknowledger.withdrawReaction!(ROOM, '$b1', '@bob:x')).toEqual({ result: 'kept' });
    expect(store.openAll()[0]!.ackedBy).toBe('@alice:x');
    expect(await acknowledger.withdrawReaction!(ROOM, '$never-counted', '@bob:x')).toEqual({ result: 'none' });
  });
});
