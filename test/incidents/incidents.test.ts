// Incidents and grouping against the test homeserver: what people in the room see, relations included.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it, expect } from 'vitest';
import { createDispatch, type Dispatch } from '../../src/alert/dispatch.js';
import type { AlertEvent } from '../../src/alert/event.js';
import { compileTemplates } from '../../src/alert/render/templates.js';
import type { IncidentMode } from '../../src/alert/router.js';
import { Deliverer } from '../../src/delivery/deliverer.js';
import { Outbox } from '../../src/delivery/outbox.js';
import { createGrouping } from '../../src/incidents/grouping.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { RoomSender } from '../../src/matrix/room-sender.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { startBotHomeserver, type BotHomeserver } from '../e2e/support/harness.js';
import { captureLogger } from '../support/delivery.js';
import type { TimelineEntry } from '../support/homeserver.js';
import { waitFor } from '../support/wait.js';

interface Vigie { dispatch: Dispatch; deliverer: Deliverer; outbox: Outbox; db: Database; stop(): Promise<void> }

/** Vigie's alert path as app.ts wires it: dispatch with incidents, deliverer with grouping as its beforeSend step. */
function startVigie(setup: BotHomeserver, path: string, route: { incidents?: IncidentMode; groupWait?: number }): Vigie {
  const db = openDatabase(path);
  const outbox = new Outbox(db);
  const store = new IncidentStore(db);
  const { logger } = captureLogger('warn');
  const templates = compileTemplates({}, { timezone: 'UTC' });
  const sender = new RoomSender({ homeserver: setup.hs.url, accessToken: setup.token, timeoutMs: 5_000 });
  const deliverer = new Deliverer({ outbox, sender, logger, maxBackoffMs: 200, beforeSend: createGrouping({ outbox, store, templates, logger }) });
  const dispatch = createDispatch({
    rules: [{ rooms: ['ops'], template: 'default', ...route }], rooms: setup.rooms, templates, msgtype: 'm.text', outbox, logger,
    onQueued: (rooms) => rooms.forEach((room) => deliverer.wake(room)), incidents: { outbox, store },
  });
  deliverer.start();
  return { dispatch, deliverer, outbox, db, async stop() { await deliverer.stop(); db.close(); } };
}

function event(name: string, status: 'down' | 'up', time = new Date()): AlertEvent {
  const msg = status === 'down' ? 'connect ECONNREFUSED' : '200 - OK';
  return {
    source: 'monitor', status, name, hostnameOrURL: `https://${name}.example`, msg: `[${name}] [${status.toUpperCase()}] ${msg}`, time, tags: [],
    heartbeatJSON: { status: status === 'down' ? 0 : 1, msg }, monitorJSON: { name, type: 'http' },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The homeserver's clock, which a test can stop: stopped while Vigie spends the burst, the limiter sees the burst spent
 * at one instant, so the outage starts with the bucket exactly empty however long those sends took on this machine.
 */
function stoppableClock() {
  let stoppedAt: number | undefined;
  let lost = 0;
  return {
    now: () => (stoppedAt ?? Date.now()) - lost,
    stop() { stoppedAt = Date.now(); },
    start() { lost += Date.now() - stoppedAt!; stoppedAt = undefined; },
  };
}

/** Spends the homeserver's burst of 10 with test messages (never grouped) while its clock stands still. */
async function spendBurst(t: { vigie: Vigie }, clock: ReturnType<typeof stoppableClock>): Promise<void> {
  clock.stop();
  for (let i = 0; i < 10; i++) t.vigie.dispatch({ ...event(`warm-up ${i}`, 'down'), status: 'test' });
  await t.vigie.deliverer.whenIdle();
  clock.start();
}

/** Dispatches the DOWN of service-00 … service-49 evenly over `spreadMs`, as checks on the same interval find them. */
async function outageOver(t: { vigie: Vigie }, spreadMs: number): Promise<void> {
  const t0 = Date.now();
  for (let i = 0; i < 50; i++) {
    while (Date.now() < t0 + (i * spreadMs) / 50) await sleep(1);
    t.vigie.dispatch(event(`service-${String(i).padStart(2, '0')}`, 'down'));
  }
}
const relation = (m: TimelineEntry) => m.content['m.relates_to'] as { rel_type?: string; event_id?: string; 'm.in_reply_to'?: { event_id: string } } | undefined;
const dbPath = () => join(mkdtempSync(join(tmpdir(), 'vigie-incidents-')), 'vigie.db');

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function setUp(route: { incidents?: IncidentMode; groupWait?: number }, options: Parameters<typeof startBotHomeserver>[1] = {}) {
  const setup = await startBotHomeserver(['ops'], options);
  const path = dbPath();
  const vigie = startVigie(setup, path, route);
  cleanups.push(() => setup.hs.close(), () => vigie.stop());
  const room = setup.rooms.ops!;
  return { setup, vigie, room, path, messages: () => setup.hs.messages(room) };
}

describe('grouping', () => {
  it('a service that goes DOWN, UP and DOWN again within the window reads as one resolved outage, then one DOWN', async () => {
    const t = await setUp({ groupWait: 1_000 });
    t.vigie.dispatch(event('api', 'down'));
    t.vigie.dispatch(event('api', 'up'));
    t.vigie.dispatch(event('api', 'down'));
    await waitFor('both messages', () => t.messages().length >= 2);
    await t.vigie.deliverer.whenIdle();
    const bodies = t.messages().map((m) => String(m.content.body));
    // Not one group listing api DOWN twice, with a reply and an edit saying "1 of 2 resolved".
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toMatch(/^✅ Resolved after \d+ s\n\n🔴 \*\*DOWN — api\*\*/);
    expect(bodies[1]).toMatch(/^🔴 \*\*DOWN — api\*\*/);
    expect(t.messages().map(relation)).toEqual([undefined, undefined]);
  });

  it('two alerts within the window reach the room as one message listing both', async () => {
    const t = await setUp({ groupWait: 1_000 });
    t.vigie.dispatch(event('api', 'down'));
    await sleep(100);
    t.vigie.dispatch(event('web', 'down'));
    await waitFor('the group message', () => t.messages().length >= 1);
    await t.vigie.deliverer.whenIdle();
    const [message] = t.messages();
    expect(t.messages()).toHaveLength(1);
    expect(message!.content.body).toMatch(/^🔴 \*\*2 services DOWN\*\*/);
    expect(message!.content.body).toContain('**api** — https://api.example: connect ECONNREFUSED');
    expect(message!.content.formatted_body).toContain('<strong>web</strong>');
  });

  it('an outage of 50 monitors under Synapse\'s limit shape (burst 10, already spent) reaches the room as at most 3 messages', async () => {
    // Synapse's 0.2 msg/s with a burst of 10, 10 times faster: the 10 s window becomes 1 s, the outage's 15 s 1.5 s.
    // Two messages (one per window); a fourth would take this machine stretching the 1.5 s outage past 3 s.
    const clock = stoppableClock();
    const t = await setUp({ groupWait: 1_000 }, { messageRateLimit: { perSecond: 2, burst: 10 }, now: clock.now });
    await spendBurst(t, clock);
    const before = t.messages().length;
    await outageOver(t, 1_500);
    await waitFor('every alert delivered', () => t.vigie.outbox.depth().total === 0);
    const outage = t.messages().slice(before);
    expect(outage.length).toBeLessThanOrEqual(3);
    const text = outage.map((m) => String(m.content.body)).join('\n');
    for (let i = 0; i < 50; i++) expect(text).toContain(`**service-${String(i).padStart(2, '0')}**`);
  });

  it('with a window far shorter than the outage, the same outage under the exhausted limit is merged behind the 429s', async () => {
    // A 50 ms window against an outage of 400 ms: by the window alone, several messages. The limit (1/s, burst spent)
    // refuses the first, and what arrives while the room is held back goes out merged: two messages (the first
    // window's, then the rest); a fourth would take this machine stretching the 400 ms outage past 2 s.
    const clock = stoppableClock();
    const t = await setUp({ groupWait: 50 }, { messageRateLimit: { perSecond: 1, burst: 10 }, now: clock.now });
    await spendBurst(t, clock);
    const before = t.messages().length;
    await outageOver(t, 400);
    await waitFor('every alert delivered', () => t.vigie.outbox.depth().total === 0);
    const outage = t.messages().slice(before);
    expect(t.setup.hs.requests.some((r) => r.method === 'PUT' && r.status === 429)).toBe(true);
    expect(outage.length).toBeLessThanOrEqual(3);
    expect(outage.map((m) => String(m.content.body)).join('\n').match(/service-\d+\*\*/g)).toHaveLength(50);
  });

  it('alerts arriving behind a 429 are merged into one message instead of going one by one', async () => {
    const t = await setUp({ groupWait: 50, incidents: 'off' });
    t.setup.hs.failNext(1, { status: 429, errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retryAfterMs: 300 });
    t.vigie.dispatch(event('a', 'down'));
    await waitFor('the room to be held back', () => t.setup.hs.requests.some((r) => r.method === 'PUT' && r.status === 429));
    for (const name of ['b', 'c', 'd', 'e']) t.vigie.dispatch(event(name, 'down'));
    await waitFor('every alert delivered', () => t.vigie.outbox.depth().total === 0);
    const bodies = t.messages().map((m) => String(m.content.body));
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toContain('DOWN — a');
    expect(bodies[1]).toMatch(/4 services DOWN/);
  });
});

describe('incidents', () => {
  it('a resend and the recovery go in the root\'s thread, and the root is edited to read resolved with the duration', async () => {
    const t = await setUp({ groupWait: 0 });
    const start = Date.now() - 12 * 60_000;
    t.vigie.dispatch(event('api', 'down', new Date(start)));
    t.vigie.dispatch(event('api', 'down', new Date(start + 60_000)));
    t.vigie.dispatch(event('api', 'up', new Date(start + 12 * 60_000)));
    await waitFor('root, resend, recovery, edit', () => t.messages().length === 4);
    const [root, resend, recovery, edit] = t.messages();
    expect(relation(root!)).toBeUndefined();
    for (const reply of [resend!, recovery!]) {
      expect(relation(reply)).toEqual({ rel_type: 'm.thread', event_id: root!.event_id, is_falling_back: true, 'm.in_reply_to': { event_id: root!.event_id } });
    }
    expect(recovery!.content.body).toMatch(/^✅ \*\*UP — api\*\*/);
    expect(relation(edit!)).toEqual({ rel_type: 'm.replace', event_id: root!.event_id });
    const replaced = edit!.content['m.new_content'] as Record<string, string>;
    expect(replaced.body).toBe(`✅ Resolved after 12 min\n\n${String(root!.content.body)}`);
    expect(replaced.formatted_body).toMatch(/^<p><strong>✅ Resolved after 12 min<\/strong><\/p>\n<p>🔴 <strong>DOWN — api<\/strong>/);
    // The fallback, for clients without edits, is the first line only: the whole text twice could pass 64 KiB.
    expect(edit!.content.body).toBe('* ✅ Resolved after 12 min');
    expect(edit!.content.formatted_body).toBeUndefined();
    expect(edit!.content['m.mentions']).toEqual({});
  });

  it('an outage after a recovery nobody was told of (out of maintenance) gets its own message, even after an acknowledgement', async () => {
    const t = await setUp({ groupWait: 0 });
    const important = (e: AlertEvent): AlertEvent => ({ ...e, heartbeatJSON: { ...e.heartbeatJSON, important: true } });
    const [root] = t.vigie.dispatch(important(event('api', 'down')));
    await waitFor('the first outage', () => t.messages().length === 1);
    const store = new IncidentStore(t.vigie.db);
    store.ack(store.byRoot(root!.id)[0]!.id, '@alice:localhost');
    // DOWN → MAINTENANCE → UP sends nothing (Kuma's rules); the next change to DOWN is a new outage.
    t.vigie.dispatch(important(event('api', 'down')));
    await waitFor('the second outage', () => t.messages().length === 2);
    const second = t.messages()[1]!;
    expect(relation(second)).toBeUndefined();
    expect(second.content.body).toMatch(/^🔴 \*\*DOWN — api\*\*/);
    expect(store.openAll().map((i) => i.rootRowId)).not.toContain(root!.id);
  });

  it('a recovery after a restart still lands in the thread and edits the root', async () => {
    const t = await setUp({ groupWait: 0 });
    t.vigie.dispatch(event('api', 'down', new Date(Date.now() - 5 * 60_000)));
    await waitFor('the root', () => t.messages().length === 1);
    await t.vigie.stop();
    const again = startVigie(t.setup, t.path, { groupWait: 0 });
    cleanups.push(() => again.stop());
    again.dispatch(event('api', 'up'));
    await waitFor('recovery and edit', () => t.messages().length === 3);
    const [root, recovery, edit] = t.messages();
    expect(relation(recovery!)).toMatchObject({ rel_type: 'm.thread', event_id: root!.event_id });
    expect(relation(edit!)).toEqual({ rel_type: 'm.replace', event_id: root!.event_id });
    expect((edit!.content['m.new_content'] as { body: string }).body).toMatch(/^✅ Resolved after 5 min/);
  });

  it('edit mode edits the root without a reply; thread mode replies without an edit', async () => {
    for (const [mode, expected] of [['edit', ['m.replace']], ['thread', ['m.thread']]] as const) {
      const t = await setUp({ groupWait: 0, incidents: mode });
      t.vigie.dispatch(event('api', 'down'));
      t.vigie.dispatch(event('api', 'up'));
      await waitFor(`${mode}: two messages`, () => t.vigie.outbox.depth().total === 0 && t.messages().length === 2);
      expect(t.messages().map((m) => relation(m)?.rel_type ?? null)).toEqual([null, ...expected]);
    }
  });

  it('incidents: off keeps plain messages, no relations', async () => {
    const t = await setUp({ groupWait: 0, incidents: 'off' });
    t.vigie.dispatch(event('api', 'down'));
    t.vigie.dispatch(event('api', 'up'));
    await waitFor('two messages', () => t.messages().length === 2);
    await t.vigie.deliverer.whenIdle();
    expect(t.messages().map((m) => relation(m))).toEqual([undefined, undefined]);
    expect(t.messages().map((m) => String(m.content.body).split('\n')[0])).toEqual(['🔴 **DOWN — api**', '✅ **UP — api**']);
  });

  it('a rejected root does not block its incident: the recovery goes out as a plain message', async () => {
    const t = await setUp({ groupWait: 0, incidents: 'both' });
    t.setup.hs.failNext(1, { status: 413, errcode: 'M_TOO_LARGE', error: 'event too large' });
    t.vigie.dispatch(event('api', 'down'));
    t.vigie.dispatch(event('api', 'up'));
    await waitFor('every row settled', () => t.vigie.outbox.depth().total === 0);
    const messages = t.messages();
    expect(messages.map((m) => relation(m))).toEqual([undefined, undefined]);
    expect(messages.map((m) => String(m.content.body).split('\n')[0])).toEqual(['✅ **UP — api**', '✅ Resolved after 0 s']);
  });

  it('resends of an alert merged in the same window go, grouped, in the thread of the group message', async () => {
    const t = await setUp({ groupWait: 300 });
    // a goes down, is reported down twice more (Kuma's resends: replies in its thread), and b goes down, all in one window.
    for (const name of ['a', 'a', 'a', 'b']) t.vigie.dispatch(event(name, 'down'));
    await waitFor('everything sent', () => t.vigie.outbox.depth().total === 0 && t.messages().length === 2);
    const [root, replies] = t.messages();
    expect(root!.content.body).toMatch(/^🔴 \*\*2 services DOWN\*\*/);
    expect(relation(replies!)).toMatchObject({ rel_type: 'm.thread', event_id: root!.event_id });
    expect(replies!.content.body).toMatch(/^🔴 \*\*2 services DOWN\*\*/);
  });

  it('recoveries of a grouped outage share the group\'s thread: one reply and one edit', async () => {
    const t = await setUp({ groupWait: 200 });
    for (const name of ['a', 'b', 'c']) t.vigie.dispatch(event(name, 'down', new Date(Date.now() - 3 * 60_000)));
    await waitFor('the group root', () => t.messages().length === 1);
    for (const name of ['a', 'b', 'c']) t.vigie.dispatch(event(name, 'up'));
    await waitFor('one reply and one edit', () => t.vigie.outbox.depth().total === 0 && t.messages().length === 3);
    const [root, reply, edit] = t.messages();
    expect(relation(reply!)).toMatchObject({ rel_type: 'm.thread', event_id: root!.event_id });
    expect(reply!.content.body).toMatch(/^✅ \*\*3 services UP\*\*/);
    expect(relation(edit!)).toEqual({ rel_type: 'm.replace', event_id: root!.event_id });
    expect((edit!.content['m.new_content'] as { body: string }).body).toMatch(/^✅ All 3 resolved \(after 3 min\)\n\n🔴 \*\*3 services DOWN\*\*/);
  });
});
