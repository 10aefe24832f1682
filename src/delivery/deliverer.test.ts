import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import { captureLogger, fail, FakeSender, rateLimiter } from '../../test/support/delivery.js';
import { openDatabase } from '../store/db.js';
import { Deliverer, type DelivererEvents, type DelivererOptions } from './deliverer.js';
import { Outbox, type OutboxRow } from './outbox.js';

function setup(options: Partial<DelivererOptions> = {}) {
  const outbox = new Outbox(openDatabase(':memory:'));
  const sender = new FakeSender();
  const log = captureLogger();
  const deliverer = new Deliverer({ outbox, sender, logger: log.logger, random: () => 0.5, ...options });
  const events: { [K in keyof DelivererEvents]: Array<DelivererEvents[K][0]> } = { sent: [], retry: [], parked: [], resumed: [], rejected: [] };
  deliverer.on('sent', (e) => events.sent.push(e));
  deliverer.on('retry', (e) => events.retry.push(e));
  deliverer.on('parked', (e) => events.parked.push(e));
  deliverer.on('resumed', (e) => events.resumed.push(e));
  deliverer.on('rejected', (e) => events.rejected.push(e));
  /** Enqueues bodies to a room and wakes it, as the pipeline will. */
  const send = (roomId: string, ...bodies: string[]): OutboxRow[] => {
    const rows = outbox.enqueue(bodies.map((body) => ({ roomId, eventType: 'm.room.message', content: { msgtype: 'm.text', body } })));
    deliverer.wake(roomId);
    return rows;
  };
  return { outbox, sender, log, deliverer, events, send };
}

/** Advances fake time until the deliverer is idle; returns the time it took. */
async function runUntilIdle(deliverer: Deliverer, stepMs = 100, limitMs = 3_600_000): Promise<number> {
  const start = Date.now();
  let idle = false;
  deliverer.whenIdle().then(() => { idle = true; }, () => {});
  while (!idle) {
    if (Date.now() - start > limitMs) throw new Error(`the deliverer was still busy after ${limitMs} ms`);
    await vi.advanceTimersByTimeAsync(stepMs);
  }
  return Date.now() - start;
}

const gaps = (calls: Array<{ at: number }>): number[] => calls.slice(1).map((c, i) => c.at - calls[i]!.at);

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('Deliverer ordering', () => {
  it('sends each room strictly in order, one at a time, with rooms in parallel', async () => {
    const t = setup();
    t.sender.script = () => new Promise((resolve) => setTimeout(() => resolve(undefined), 100));
    const t0 = Date.now();
    t.send('!a:x', 'a1', 'a2', 'a3');
    t.send('!b:x', 'b1', 'b2');
    await runUntilIdle(t.deliverer, 10);
    const times = (room: string) => t.sender.calls.filter((c) => c.roomId === room).map((c) => c.at - t0);
    expect(times('!a:x')).toEqual([0, 100, 200]);
    expect(times('!b:x')).toEqual([0, 100]);
    expect(t.sender.bodies('!a:x')).toEqual(['a1', 'a2', 'a3']);
    expect(t.sender.bodies('!b:x')).toEqual(['b1', 'b2']);
    expect(t.events.sent.map((e) => e.row.state)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    await t.deliverer.stop();
  });

  it('never sends row N+1 before row N is accepted, however long row N fails', async () => {
    const t = setup();
    t.sender.answerNext(fail.server(), fail.network(), fail.server(503));
    t.send('!a:x', 'first');
    await vi.advanceTimersByTimeAsync(0);
    t.send('!a:x', 'second'); // a wake while the worker is busy: picked up after 'first'
    await runUntilIdle(t.deliverer);
    expect(t.sender.calls.map((c) => c.content.body)).toEqual(['first', 'first', 'first', 'first', 'second']);
    await t.deliverer.stop();
  });

  it('delivers a row enqueued at any instant while the room worker winds down (no lost wake-up)', async () => {
    for (let depth = 0; depth < 20; depth++) {
      const t = setup();
      let late: OutboxRow[] = [];
      const later = (n: number): void => {
        if (n === 0) late = t.send('!a:x', 'late');
        else queueMicrotask(() => later(n - 1));
      };
      t.deliverer.once('sent', () => later(depth));
      t.send('!a:x', 'first');
      await vi.advanceTimersByTimeAsync(1000);
      expect({ depth, state: t.outbox.get(late[0]!.id)?.state }).toEqual({ depth, state: 'sent' });
      await t.deliverer.stop();
    }
  });

  it('resumes rooms that already had pending rows when started', async () => {
    const t = setup();
    t.outbox.enqueue([{ roomId: '!a:x', eventType: 'm.room.message', content: { body: 'queued earlier' } }]);
    t.deliverer.start();
    await runUntilIdle(t.deliverer);
    expect(t.sender.bodies('!a:x')).toEqual(['queued earlier']);
    await t.deliverer.stop();
  });
});

describe('Deliverer retries', () => {
  it('after a 429 waits retry_after_ms (+2 ms for clock granularity), then re-sends with the same txnId', async () => {
    const t = setup();
    t.sender.answerNext(fail.rateLimited(4423));
    const [row] = t.send('!a:x', 'hello');
    await vi.advanceTimersByTimeAsync(0);
    expect(t.sender.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(4424);
    expect(t.sender.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sender.calls.map((c) => c.txnId)).toEqual([row!.txnId, row!.txnId]);
    expect(t.outbox.get(row!.id)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(t.events.retry).toMatchObject([{ kind: 'rate-limit', delayMs: 4425 }]);
    await t.deliverer.stop();
  });

  it('delivers a burst of 50 through a 10-message rate limit: each once, in order, none lost', async () => {
    const t = setup();
    t.sender.script = rateLimiter({ burst: 10, perSecond: 0.2 });
    const bodies = Array.from({ length: 50 }, (_, i) => `alert ${i + 1}`);
    const rows = t.send('!ops:x', ...bodies);
    const took = await runUntilIdle(t.deliverer, 1000);
    expect(t.sender.bodies('!ops:x')).toEqual(bodies);
    expect(new Set(t.sender.accepted.map((c) => c.txnId)).size).toBe(50);
    expect(rows.every((r) => t.outbox.get(r.id)?.state === 'sent')).toBe(true);
    expect(t.events.retry.every((e) => e.kind === 'rate-limit')).toBe(true);
    expect(t.sender.calls.length - 50).toBe(t.events.retry.length);
    // 40 messages past the burst at 0.2/s: about 200 s, not backoff-inflated.
    expect(took).toBeGreaterThanOrEqual(195_000);
    expect(took).toBeLessThanOrEqual(210_000);
    await t.deliverer.stop();
  });

  it('backs off on 5xx and network errors, doubling up to maxBackoffMs', async () => {
    const t = setup({ maxBackoffMs: 8000 });
    t.sender.answerNext(fail.server(), fail.network(), fail.server(503), fail.network(), fail.server(), fail.server(), fail.network());
    const [row] = t.send('!a:x', 'x');
    await runUntilIdle(t.deliverer);
    expect(gaps(t.sender.calls)).toEqual([1000, 2000, 4000, 8000, 8000, 8000, 8000]);
    expect(new Set(t.sender.calls.map((c) => c.txnId))).toEqual(new Set([row!.txnId]));
    expect(t.outbox.get(row!.id)).toMatchObject({ state: 'sent', attempts: 8 });
    await t.deliverer.stop();
  });

  it('does not count rate limits as failures for the backoff', async () => {
    const t = setup();
    t.sender.answerNext(fail.server(), fail.rateLimited(3000), fail.server(), fail.server());
    t.send('!a:x', 'x');
    await runUntilIdle(t.deliverer);
    expect(gaps(t.sender.calls)).toEqual([1000, 3002, 2000, 4000]);
    await t.deliverer.stop();
  });

  it('applies jitter from the injected random source', async () => {
    const t = setup({ random: () => 0 });
    t.sender.answerNext(fail.server(), fail.server());
    t.send('!a:x', 'x');
    await runUntilIdle(t.deliverer);
    expect(gaps(t.sender.calls)).toEqual([800, 1600]);
    await t.deliverer.stop();
  });

  it('keeps one txnId for every attempt of a row, whatever the failures', async () => {
    const t = setup();
    t.sender.answerNext(fail.rateLimited(100), fail.server(), fail.network(), new TypeError('boom'));
    const [row] = t.send('!a:x', 'x');
    await runUntilIdle(t.deliverer);
    expect(t.sender.calls.map((c) => c.txnId)).toEqual(Array(5).fill(row!.txnId));
    expect(t.sender.accepted).toHaveLength(1);
    expect(t.log.at('error').some((l) => l.kind === 'bug')).toBe(true);
    await t.deliverer.stop();
  });
});

describe('Deliverer parking', () => {
  it('on M_UNKNOWN_TOKEN parks every room, keeps every row, warns once, and resumes when a probe succeeds', async () => {
    const t = setup();
    let revoked = true;
    t.sender.script = () => (revoked ? fail.matrix('M_UNKNOWN_TOKEN', 401, 'Invalid access token passed.') : undefined);
    const rows = [...t.send('!a:x', 'a1', 'a2'), ...t.send('!b:x', 'b1'), ...t.send('!c:x', 'c1', 'c2')];
    await vi.advanceTimersByTimeAsync(0);
    expect(t.sender.calls).toHaveLength(3);
    expect(t.deliverer.parked().map((p) => p.roomId)).toEqual(['!a:x', '!b:x', '!c:x']);
    const warnings = t.log.at('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ component: 'deliverer', roomId: '!a:x', scope: 'all', errcode: 'M_UNKNOWN_TOKEN', pending: 5 });
    expect(warnings[0]!.msg).toMatch(/^the access token was refused \(M_UNKNOWN_TOKEN\).*`vigie login`.*the 5 pending alerts are kept/);
    expect(t.events.parked).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(300_000); // one probe, still refused: no new warning
    expect(t.sender.calls).toHaveLength(4);
    expect(t.log.at('warn')).toHaveLength(1);
    expect(t.outbox.depth().total).toBe(5);

    revoked = false;
    await vi.advanceTimersByTimeAsync(300_000);
    await runUntilIdle(t.deliverer);
    expect(t.sender.bodies('!a:x')).toEqual(['a1', 'a2']);
    expect(t.sender.bodies('!b:x')).toEqual(['b1']);
    expect(t.sender.bodies('!c:x')).toEqual(['c1', 'c2']);
    for (const row of rows) expect(t.outbox.get(row.id)).toMatchObject({ state: 'sent', txnId: row.txnId });
    expect(t.log.at('info').filter((l) => l.msg === 'delivery resumed')).toHaveLength(1);
    expect(t.events.resumed).toMatchObject([{ scope: 'all', parkedMs: 600_000 }]);
    expect(t.deliverer.parked()).toEqual([]);
    await t.deliverer.stop();
  });

  it('on M_FORBIDDEN parks only that room while the others go on, then resumes it', async () => {
    const t = setup();
    let forbidden = true;
    t.sender.script = (c) => (forbidden && c.roomId === '!a:x' ? fail.matrix('M_FORBIDDEN', 403, 'User @bot:x not in room') : undefined);
    t.send('!a:x', 'a1', 'a2');
    t.send('!b:x', 'b1', 'b2');
    await vi.advanceTimersByTimeAsync(0);
    expect(t.sender.bodies('!b:x')).toEqual(['b1', 'b2']);
    expect(t.sender.bodies('!a:x')).toEqual([]);
    const parked = t.deliverer.parked();
    expect(parked).toMatchObject([{ roomId: '!a:x', reason: expect.stringMatching(/not allowed to post in room !a:x.*vigie doctor --fix/) as unknown }]);
    expect(t.log.at('warn')).toMatchObject([{ roomId: '!a:x', scope: 'room', errcode: 'M_FORBIDDEN', pending: 2 }]);

    await vi.advanceTimersByTimeAsync(300_000);
    expect(t.log.at('warn')).toHaveLength(1);
    forbidden = false;
    await vi.advanceTimersByTimeAsync(300_000);
    await runUntilIdle(t.deliverer);
    expect(t.sender.bodies('!a:x')).toEqual(['a1', 'a2']);
    expect(t.events.resumed).toMatchObject([{ roomId: '!a:x', scope: 'room' }]);
    expect(t.deliverer.parked()).toEqual([]);
    await t.deliverer.stop();
  });

  it('on M_TOO_LARGE rejects only that row, logs an error, and the room goes on', async () => {
    const t = setup();
    t.sender.script = (c) => (c.content.body === 'huge' ? fail.matrix('M_TOO_LARGE', 413, 'event too large') : undefined);
    const [, huge] = t.send('!a:x', 'a1', 'huge', 'a3');
    await runUntilIdle(t.deliverer);
    expect(t.sender.bodies('!a:x')).toEqual(['a1', 'a3']);
    expect(t.sender.calls).toHaveLength(3);
    expect(t.outbox.get(huge!.id)).toMatchObject({ state: 'rejected', lastError: expect.stringMatching(/M_TOO_LARGE/) as unknown });
    expect(t.events.rejected).toMatchObject([{ row: { id: huge!.id, state: 'rejected' } }]);
    expect(t.log.at('error')).toMatchObject([{ rowId: huge!.id, errcode: 'M_TOO_LARGE' }]);
    await t.deliverer.stop();
  });
});

describe('Deliverer stop and idle', () => {
  it('aborts a send still in flight when the grace period ends, leaving its row pending', async () => {
    const t = setup();
    t.sender.answerNext('hang');
    const [row] = t.send('!a:x', 'x');
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    void t.deliverer.stop(1000).then(() => { stopped = true; });
    await vi.advanceTimersByTimeAsync(999);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(stopped).toBe(true);
    expect(t.sender.calls[0]!.signal?.aborted).toBe(true);
    expect(t.outbox.get(row!.id)).toMatchObject({ state: 'pending', attempts: 0, txnId: row!.txnId });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not wait past the grace period for a sender that ignores its abort signal', async () => {
    const t = setup();
    t.sender.script = () => new Promise<undefined>(() => {});
    const [row] = t.send('!a:x', 'x');
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    void t.deliverer.stop(2000).then(() => { stopped = true; });
    await vi.advanceTimersByTimeAsync(2000);
    expect(stopped).toBe(true);
    expect(t.outbox.get(row!.id)?.state).toBe('pending');
  });

  it('lets a send that answers within the grace period finish and records it, taking no new rows', async () => {
    const t = setup();
    t.sender.script = () => new Promise((resolve) => setTimeout(() => resolve(undefined), 500));
    const [first, second] = t.send('!a:x', 'first', 'second');
    await vi.advanceTimersByTimeAsync(0);
    const stopped = t.deliverer.stop(10_000);
    await vi.advanceTimersByTimeAsync(500);
    await stopped;
    expect(t.outbox.get(first!.id)?.state).toBe('sent');
    expect(t.outbox.get(second!.id)?.state).toBe('pending');
    expect(t.sender.calls).toHaveLength(1);
    t.deliverer.wake('!a:x');
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.sender.calls).toHaveLength(1);
  });

  it('clears every timer on stop, parked rooms and backoffs included', async () => {
    const t = setup();
    t.sender.script = (c) => (c.roomId === '!a:x' ? fail.matrix('M_FORBIDDEN', 403) : fail.server());
    t.send('!a:x', 'a');
    t.send('!b:x', 'b');
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(2);
    const idle = t.deliverer.whenIdle();
    await t.deliverer.stop();
    await expect(idle).rejects.toThrow('the deliverer stopped with 2 alert(s) still queued; they will be sent on the next start');
    expect(vi.getTimerCount()).toBe(0);
    await expect(t.deliverer.whenIdle()).rejects.toThrow('stopped with 2 alert(s) still queued');
  });

  it('holds no timer and makes no call while idle', async () => {
    const t = setup();
    t.send('!a:x', 'x');
    await runUntilIdle(t.deliverer);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(t.sender.calls).toHaveLength(1);
    await expect(t.deliverer.whenIdle()).resolves.toBeUndefined();
    await t.deliverer.stop();
  });

  it('writes what it sent to the database a moment later, or at stop, without waiting for anyone to read it', async () => {
    const db = openDatabase(':memory:');
    const outbox = new Outbox(db);
    const deliverer = new Deliverer({ outbox, sender: new FakeSender(), logger: captureLogger().logger });
    const stateOnDisk = (id: number): unknown => db.prepare('SELECT state FROM outbox WHERE id = ?').pluck().get(id);
    const [first] = outbox.enqueue([{ roomId: '!a:x', eventType: 'm.room.message', content: { body: 'first' } }]);
    deliverer.wake('!a:x');
    await vi.advanceTimersByTimeAsync(0);
    expect(stateOnDisk(first!.id)).toBe('pending');
    await vi.advanceTimersByTimeAsync(50);
    expect(stateOnDisk(first!.id)).toBe('sent');
    const [second] = outbox.enqueue([{ roomId: '!a:x', eventType: 'm.room.message', content: { body: 'second' } }]);
    deliverer.wake('!a:x');
    await vi.advanceTimersByTimeAsync(0);
    await deliverer.stop();
    expect(stateOnDisk(second!.id)).toBe('sent');
  });
});
