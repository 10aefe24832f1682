import { describe, it, expect } from 'vitest';
import type { AlertEvent } from '../alert/event.js';
import { openDatabase } from '../store/db.js';
import { DEFAULT_RETENTION_MS, newTxnId, Outbox } from './outbox.js';
import { prepareStatements } from './outbox-rows.js';

const DAY = 24 * 3600 * 1000;

function setup(start = 1_700_000_000_000) {
  const clock = { now: start };
  const db = openDatabase(':memory:');
  const outbox = new Outbox(db, { now: () => clock.now });
  const msg = (roomId: string, body: string, dedupeKey?: string) => ({ roomId, eventType: 'm.room.message', content: { msgtype: 'm.text', body }, dedupeKey });
  return { db, outbox, clock, msg };
}

describe('Outbox.enqueue', () => {
  it('stores each message pending, with its own random txnId fixed before any attempt', () => {
    const { outbox, msg } = setup();
    const rows = outbox.enqueue([msg('!a:x', 'one'), msg('!b:x', 'two')]);
    expect(rows.map((r) => [r.roomId, r.state, r.attempts, r.content])).toEqual([
      ['!a:x', 'pending', 0, { msgtype: 'm.text', body: 'one' }],
      ['!b:x', 'pending', 0, { msgtype: 'm.text', body: 'two' }],
    ]);
    for (const row of rows) expect(row.txnId).toMatch(/^vigie\.[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(rows.map((r) => r.txnId)).size).toBe(2);
    expect(outbox.get(rows[0]!.id)).toEqual(rows[0]);
  });

  it('makes txnIds that sort in time order (UUIDv7), and unique within the same millisecond', () => {
    const ids = [newTxnId(1_700_000_000_000), newTxnId(1_700_000_000_001), newTxnId(1_800_000_000_000)];
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^vigie\.018bcfe5-6800-7/);
    const same = Array.from({ length: 1000 }, () => newTxnId(1_700_000_000_000));
    expect(new Set(same).size).toBe(1000);
  });

  it('returns each row as it is stored, every field of the message included', () => {
    const { outbox, msg, clock } = setup();
    const event: AlertEvent = { source: 'test', status: 'down', name: 'web', hostnameOrURL: 'x', msg: 'm', time: new Date(clock.now), tags: ['a'], heartbeatJSON: { status: 0 }, monitorJSON: null };
    const [root] = outbox.enqueue([{ ...msg('!a:x', 'root', 'k1'), event, template: 'seed', notBefore: clock.now + 5000 }]);
    const [reply] = outbox.enqueue([{ ...msg('!a:x', 'reply'), kind: 'reply', relatesToRow: root!.id, incidentId: 7 }]);
    expect(outbox.get(root!.id)).toEqual(root);
    expect(outbox.get(reply!.id)).toEqual(reply);
    expect(root).toMatchObject({ event, template: 'seed', notBefore: clock.now + 5000, dedupeKey: 'k1', kind: 'alert' });
  });

  it('never reuses a txnId, even in a fresh database (a reset must not collide with what the homeserver saw)', () => {
    const a = setup().outbox.enqueue([setup().msg('!a:x', 'same')]);
    const b = setup().outbox.enqueue([setup().msg('!a:x', 'same')]);
    expect(a[0]!.id).toBe(b[0]!.id);
    expect(a[0]!.txnId).not.toBe(b[0]!.txnId);
  });

  it('is all-or-nothing: one bad message in a batch stores none of them', () => {
    const { outbox, msg } = setup();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => outbox.enqueue([msg('!a:x', 'ok'), { roomId: '!b:x', eventType: 'm.room.message', content: circular }]))
      .toThrow(/message for room !b:x cannot be queued: its content is not serialisable as JSON/);
    expect(outbox.depth().total).toBe(0);
  });

  it('returns the existing row for a known dedupeKey and inserts nothing', () => {
    const { outbox, msg } = setup();
    const [first] = outbox.enqueue([msg('!a:x', 'from kuma', 'kuma:txn1')]);
    const again = outbox.enqueue([msg('!a:x', 'from kuma, retried', 'kuma:txn1'), msg('!a:x', 'other', 'kuma:txn2')]);
    expect(again[0]).toEqual(first);
    expect(outbox.depth().total).toBe(2);
    outbox.markSent(first!.id, '$e1');
    expect(outbox.enqueue([msg('!a:x', 'late retry', 'kuma:txn1')])[0]!.state).toBe('sent');
    expect(outbox.depth().total).toBe(1);
  });
});

describe('Outbox queue reads', () => {
  it('gives the oldest pending row of each room, and the rooms that have some', () => {
    const { outbox, msg } = setup();
    const [a1, b1, a2] = outbox.enqueue([msg('!a:x', 'a1'), msg('!b:x', 'b1'), msg('!a:x', 'a2')]);
    expect(outbox.head('!a:x')?.id).toBe(a1!.id);
    outbox.markSent(a1!.id, '$e');
    expect(outbox.head('!a:x')?.id).toBe(a2!.id);
    outbox.markRejected(a2!.id, 'too large');
    expect(outbox.head('!a:x')).toBeUndefined();
    expect(outbox.pendingRooms()).toEqual(['!b:x']);
    expect(outbox.head('!b:x')?.id).toBe(b1!.id);
    expect(outbox.head('!nobody:x')).toBeUndefined();
  });

  it('counts pending rows in total and per room', () => {
    const { outbox, msg } = setup();
    const [a1] = outbox.enqueue([msg('!a:x', '1'), msg('!a:x', '2'), msg('!b:x', '3')]);
    outbox.markSent(a1!.id, '$e');
    expect(outbox.depth()).toEqual({ total: 2, byRoom: { '!a:x': 1, '!b:x': 1 } });
  });
});

describe('Outbox outcomes', () => {
  it('records attempts, then the event id and time when sent', () => {
    const { outbox, msg, clock } = setup();
    const [row] = outbox.enqueue([msg('!a:x', 'x')]);
    outbox.recordAttempt(row!.id, 'M_LIMIT_EXCEEDED (HTTP 429): Too Many Requests', clock.now + 5000);
    expect(outbox.get(row!.id)).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: clock.now + 5000, lastError: /M_LIMIT_EXCEEDED/ });
    clock.now += 5000;
    outbox.markSent(row!.id, '$sent');
    expect(outbox.get(row!.id)).toMatchObject({ state: 'sent', attempts: 2, eventId: '$sent', sentAt: clock.now, lastError: null, txnId: row!.txnId });
  });

  it('keeps a rejected row with its reason', () => {
    const { outbox, msg } = setup();
    const [row] = outbox.enqueue([msg('!a:x', 'x')]);
    outbox.markRejected(row!.id, 'M_TOO_LARGE');
    expect(outbox.get(row!.id)).toMatchObject({ state: 'rejected', attempts: 1, lastError: 'M_TOO_LARGE' });
  });

  it('refuses to change a row that is no longer pending, saying which and why', () => {
    const { outbox, msg } = setup();
    const [row] = outbox.enqueue([msg('!a:x', 'x')]);
    outbox.markSent(row!.id, '$1');
    expect(() => outbox.markSent(row!.id, '$2')).toThrow(`outbox row ${row!.id}: cannot mark it sent, it is 'sent'`);
    expect(() => outbox.recordAttempt(9999, 'e', 0)).toThrow('outbox row 9999: cannot record an attempt, it does not exist');
    expect(outbox.get(row!.id)?.eventId).toBe('$1');
  });
});

describe('Outbox.prune', () => {
  it('deletes finished rows past the retention (7 days by default) and never pending ones', () => {
    const { outbox, msg, clock } = setup();
    const [oldSent, oldRejected, oldPending] = outbox.enqueue([msg('!a:x', 's'), msg('!a:x', 'r'), msg('!b:x', 'p')]);
    outbox.markSent(oldSent!.id, '$1');
    outbox.markRejected(oldRejected!.id, 'too large');
    clock.now += DEFAULT_RETENTION_MS - 1000;
    const [recent] = outbox.enqueue([msg('!c:x', 'recent')]);
    outbox.markSent(recent!.id, '$2');
    clock.now += 2000;
    expect(outbox.prune()).toBe(2);
    expect(outbox.get(oldSent!.id)).toBeUndefined();
    expect(outbox.get(oldRejected!.id)).toBeUndefined();
    expect(outbox.get(oldPending!.id)?.state).toBe('pending');
    expect(outbox.get(recent!.id)?.state).toBe('sent');
    expect(outbox.prune(clock.now + 30 * DAY)).toBe(1);
    expect(outbox.get(oldPending!.id)?.state).toBe('pending');
  });
});

describe('Outbox.replaceWithGroup', () => {
  it('puts one group row at the place of its first original: the originals merged, later rows relating to them re-pointed', () => {
    const { db, outbox, msg } = setup();
    const [, a, b, c] = outbox.enqueue([msg('!a:x', 'before'), msg('!a:x', 'a'), msg('!a:x', 'b'), msg('!a:x', 'c')]);
    const [reply] = outbox.enqueue([{ ...msg('!a:x', 'reply to b'), kind: 'reply', relatesToRow: b!.id }]);
    const group = db.transaction(() => outbox.replaceWithGroup({ ...msg('!a:x', 'a, b'), originals: [a!.id, b!.id] }))();
    expect([a, b].map((r) => outbox.get(r!.id)?.state)).toEqual(['merged', 'merged']);
    expect(outbox.get(reply!.id)?.relatesToRow).toBe(group.id);
    const order: string[] = [];
    for (let row = outbox.head('!a:x'); row; row = outbox.head('!a:x')) {
      order.push((row.content as { body: string }).body);
      outbox.markSent(row.id, `$${row.id}`);
    }
    expect(order).toEqual(['before', 'a, b', 'c', 'reply to b']);
    expect(c!.id).toBeLessThan(group.id);
  });

  it('refuses originals that are no longer pending and unattempted, and its caller\'s transaction keeps everything as it was', () => {
    const { db, outbox, msg } = setup();
    const [a, b] = outbox.enqueue([msg('!a:x', 'a'), msg('!a:x', 'b')]);
    outbox.recordAttempt(b!.id, 'HTTP 502', 0);
    expect(() => db.transaction(() => outbox.replaceWithGroup({ ...msg('!a:x', 'a, b'), originals: [a!.id, b!.id] }))())
      .toThrow(/cannot merge them, 1 no longer pending and unattempted/);
    expect([a, b].map((r) => outbox.get(r!.id)?.state)).toEqual(['pending', 'pending']);
    expect(outbox.depth().total).toBe(2);
  });
});

describe('query plans', () => {
  const planOf = (db: ReturnType<typeof openDatabase>, sql: string, ...params: unknown[]): string =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((p) => p.detail).join(' | ');

  it('grouping candidates are read through their partial index, so a long backlog that does not group costs nothing per send', () => {
    const db = openDatabase(':memory:');
    const plan = planOf(db, prepareStatements(db).groupCandidates(10).source, '!r');
    expect(plan).toContain('outbox_group_candidates');
    expect(plan).not.toContain('TEMP B-TREE');
  });

  it('a group\'s originals are merged by their ids and re-pointed through the relations index, each in one statement', () => {
    const db = openDatabase(':memory:');
    const stmts = prepareStatements(db);
    expect(planOf(db, stmts.markAllMerged.source, '[1,2]')).toContain('USING INTEGER PRIMARY KEY');
    expect(planOf(db, stmts.firstPosition.source, '[1,2]')).toContain('USING INTEGER PRIMARY KEY');
    expect(planOf(db, stmts.repointAll.source, 3, '[1,2]')).toContain('USING INDEX outbox_relates');
  });

  it('a message reacted to is looked for among threads by their roots\' ids and the relations index, not by its event id', () => {
    const db = openDatabase(':memory:');
    const plan = planOf(db, prepareStatements(db).inThreadsByEventId.source, '$e', '[1]', '[1]');
    expect(plan).toContain('SEARCH o USING INTEGER PRIMARY KEY');
    expect(plan).toContain('SEARCH o USING INDEX outbox_relates');
    expect(plan).not.toMatch(/SCAN o\b/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%event_id%'").all()).toEqual([]);
  });

  it('queue heads seek the pending index in queue order, and join each payload by its id', () => {
    const db = openDatabase(':memory:');
    const plan = planOf(db, prepareStatements(db).heads(64).source, '!r', 0, 0, 0);
    expect(plan).toContain('outbox_pending_by_room');
    expect(plan).toContain('SEARCH p USING INTEGER PRIMARY KEY');
    expect(plan).not.toContain('TEMP B-TREE');
  });
});

describe('Outbox in memory: queue heads read ahead, sent marks written in batches', () => {
  const stateOnDisk = (db: ReturnType<typeof openDatabase>, id: number): unknown => db.prepare('SELECT state FROM outbox WHERE id = ?').pluck().get(id);

  it('takes a sent row out of the queue at once, and marks it on disk at flush(), which every other read does first', () => {
    const { db, outbox, msg } = setup();
    const [a1, a2] = outbox.enqueue([msg('!a:x', 'a1'), msg('!a:x', 'a2', 'key-a2')]);
    expect(outbox.head('!a:x')).toEqual(a1);
    outbox.markSent(a1!.id, '$1');
    expect(outbox.head('!a:x')).toEqual(a2);
    expect(stateOnDisk(db, a1!.id)).toBe('pending');
    expect(outbox.get(a1!.id)).toMatchObject({ state: 'sent', eventId: '$1', attempts: 1 });
    expect(stateOnDisk(db, a1!.id)).toBe('sent');
    outbox.markSent(a2!.id, '$2');
    outbox.flush();
    expect(stateOnDisk(db, a2!.id)).toBe('sent');
  });

  it('writes marks inside a caller\'s transaction for its reads, and again after it if that transaction rolled back', () => {
    const { db, outbox, msg } = setup();
    const [a1] = outbox.enqueue([msg('!a:x', 'a1'), msg('!a:x', 'a2')]);
    outbox.head('!a:x');
    outbox.markSent(a1!.id, '$1');
    expect(() => db.transaction(() => {
      expect(outbox.get(a1!.id)?.eventId).toBe('$1');
      expect(stateOnDisk(db, a1!.id)).toBe('sent');
      throw new Error('the caller fails');
    })()).toThrow('the caller fails');
    expect(stateOnDisk(db, a1!.id)).toBe('pending');
    outbox.flush();
    expect(stateOnDisk(db, a1!.id)).toBe('sent');
    // Written in a transaction that committed, then once more on its own: no error, nothing changes.
    const [b1] = outbox.enqueue([msg('!b:x', 'b1')]);
    outbox.head('!b:x');
    outbox.markSent(b1!.id, '$b');
    db.transaction(() => outbox.depth())();
    outbox.flush();
    expect(outbox.get(b1!.id)).toMatchObject({ state: 'sent', eventId: '$b', attempts: 1 });
  });

  it('gives every row in queue order past the read-ahead, with rows enqueued meanwhile and a failed attempt between', () => {
    const { outbox, msg } = setup();
    const bodies = (n: number, from: number) => Array.from({ length: n }, (_, i) => msg('!a:x', `m${from + i}`));
    outbox.enqueue(bodies(100, 0));
    const seen: string[] = [];
    let m70 = 0;
    for (let row = outbox.head('!a:x'); row; row = outbox.head('!a:x')) {
      const body = (row.content as { body: string }).body;
      if (body === 'm70' && row.attempts === 0) {
        m70 = row.id;
        outbox.recordAttempt(row.id, 'HTTP 502', 0);
        continue;
      }
      seen.push(body);
      outbox.markSent(row.id, `$${body}`);
      if (body === 'm10') outbox.enqueue(bodies(50, 100));
    }
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => `m${i}`));
    expect(outbox.depth().total).toBe(0);
    expect(outbox.get(m70)).toMatchObject({ state: 'sent', eventId: '$m70', attempts: 2 });
  });

  it('reads the next rows ahead while the last one in memory is being sent, in queue order', () => {
    const { outbox, msg } = setup();
    outbox.enqueue(Array.from({ length: 130 }, (_, i) => msg('!a:x', `m${i}`)));
    outbox.readAheadOf('!a:x'); // nothing read yet: nothing to do
    const seen: string[] = [];
    for (let row = outbox.head('!a:x'); row; row = outbox.head('!a:x')) {
      outbox.readAheadOf('!a:x');
      seen.push((row.content as { body: string }).body);
      outbox.markSent(row.id, `$${row.id}`);
    }
    expect(seen).toEqual(Array.from({ length: 130 }, (_, i) => `m${i}`));
  });

  it('finds grouping candidates of rows queued before it was built, and of rows queued since', () => {
    const { db, outbox, msg, clock } = setup();
    const event: AlertEvent = { source: 'test', status: 'down', name: 'web', hostnameOrURL: 'x', msg: '', time: new Date(), tags: [], heartbeatJSON: null, monitorJSON: null };
    const windowed = (roomId: string) => ({ ...msg(roomId, 'w'), event, notBefore: clock.now + 10_000 });
    outbox.enqueue([msg('!a:x', 'plain'), windowed('!b:x')]);
    expect(outbox.groupCandidates('!a:x')).toEqual([]);
    expect(outbox.groupCandidates('!b:x')).toHaveLength(1);
    outbox.enqueue([windowed('!a:x')]);
    expect(outbox.groupCandidates('!a:x')).toHaveLength(1);
    expect(new Outbox(db).groupCandidates('!b:x')).toHaveLength(1);
  });

  it('gives grouping candidates without their payload, and loads whole rows by id in queue order', () => {
    const { outbox, msg, clock } = setup();
    const event: AlertEvent = { source: 'test', status: 'down', name: 'web', hostnameOrURL: 'x', msg: '', time: new Date(0), tags: [], heartbeatJSON: null, monitorJSON: null };
    const rows = outbox.enqueue(['one', 'two', 'three'].map((body) => ({ ...msg('!a:x', body), event, notBefore: clock.now + 10_000 })));
    expect(outbox.groupCandidates('!a:x')).toEqual(rows.map((r) => ({
      id: r.id, kind: 'alert', relatesToRow: null, notBefore: clock.now + 10_000, createdAt: clock.now, hasEvent: true,
    })));
    const loaded = outbox.byIds([rows[2]!.id, rows[0]!.id, 9_999]);
    expect(loaded.map((r) => (r.content as { body: string }).body)).toEqual(['one', 'three']);
    expect(loaded[0]!.event).toEqual(event);
  });
});
