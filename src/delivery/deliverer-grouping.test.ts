import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import { captureLogger, fail, FakeSender } from '../../test/support/delivery.js';
import { openDatabase } from '../store/db.js';
import { Deliverer, type BeforeSend } from './deliverer.js';
import { Outbox, type OutboxMessage } from './outbox.js';

const ROOM = '!a:x';
const msg = (body: string, extra: Partial<OutboxMessage> = {}): OutboxMessage => ({ roomId: ROOM, eventType: 'm.room.message', content: { msgtype: 'm.text', body }, ...extra });

function setup(beforeSend?: BeforeSend) {
  const outbox = new Outbox(openDatabase(':memory:'));
  const sender = new FakeSender();
  const deliverer = new Deliverer({ outbox, sender, logger: captureLogger().logger, random: () => 0.5, beforeSend });
  return { outbox, sender, deliverer };
}

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('Deliverer and grouping', () => {
  it('does not send a row before its notBefore, and sends it then', async () => {
    const t = setup();
    t.outbox.enqueue([msg('later', { notBefore: Date.now() + 10_000 })]);
    t.deliverer.wake(ROOM);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(t.sender.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sender.bodies(ROOM)).toEqual(['later']);
    await t.deliverer.stop();
  });

  it('stop() ends the wait for a notBefore at once, the row staying queued', async () => {
    const t = setup();
    const [row] = t.outbox.enqueue([msg('later', { notBefore: Date.now() + 3_600_000 })]);
    t.deliverer.wake(ROOM);
    await vi.advanceTimersByTimeAsync(10);
    await t.deliverer.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(t.outbox.get(row!.id)?.state).toBe('pending');
  });

  it('calls beforeSend before each attempt, saying whether the room was held back', async () => {
    const calls: Array<{ roomId: string; heldBack: boolean }> = [];
    const t = setup((roomId, { heldBack }) => calls.push({ roomId, heldBack }));
    t.sender.answerNext(fail.rateLimited(1_000));
    t.outbox.enqueue([msg('one'), msg('two')]);
    t.deliverer.wake(ROOM);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(t.sender.bodies(ROOM)).toEqual(['one', 'two']);
    expect(calls.map((c) => c.heldBack)).toEqual([false, true, false]);
    await t.deliverer.stop();
  });

  it('sends what beforeSend left at the head (a group row taking the place of the originals)', async () => {
    const holder: { outbox?: Outbox } = {};
    const t = setup((roomId) => {
      const waiting = holder.outbox!.unattempted(roomId);
      if (waiting.length < 2) return;
      holder.outbox!.replaceWithGroup({ ...msg(`group of ${waiting.length}`), originals: waiting.map((r) => r.id) });
    });
    holder.outbox = t.outbox;
    const rows = t.outbox.enqueue([msg('a'), msg('b'), msg('c')]);
    t.deliverer.wake(ROOM);
    await vi.advanceTimersByTimeAsync(100);
    expect(t.sender.bodies(ROOM)).toEqual(['group of 3']);
    expect(rows.map((r) => t.outbox.get(r.id)?.state)).toEqual(['merged', 'merged', 'merged']);
    await t.deliverer.stop();
  });

  it('fills a reply\'s relation with the related row\'s event id, and sends it plain when that row was rejected', async () => {
    const t = setup();
    t.sender.answerNext(undefined, undefined, fail.matrix('M_TOO_LARGE', 413));
    const relation = { rel_type: 'm.thread', event_id: '', is_falling_back: true, 'm.in_reply_to': { event_id: '' } };
    const [root] = t.outbox.enqueue([msg('root')]);
    t.outbox.enqueue([msg('reply', { kind: 'reply', relatesToRow: root!.id, content: { msgtype: 'm.text', body: 'reply', 'm.relates_to': relation } })]);
    const [rejected] = t.outbox.enqueue([msg('too large')]);
    t.outbox.enqueue([msg('orphan', { kind: 'reply', relatesToRow: rejected!.id, content: { msgtype: 'm.text', body: 'orphan', 'm.relates_to': relation } })]);
    t.deliverer.wake(ROOM);
    await vi.advanceTimersByTimeAsync(100);
    const sent = t.sender.accepted.map((c) => c.content as Record<string, unknown>);
    const rootEventId = t.outbox.get(root!.id)!.eventId;
    expect(sent[1]).toMatchObject({ body: 'reply', 'm.relates_to': { event_id: rootEventId, 'm.in_reply_to': { event_id: rootEventId } } });
    expect(sent[2]).toEqual({ msgtype: 'm.text', body: 'orphan' });
    await t.deliverer.stop();
  });
});
