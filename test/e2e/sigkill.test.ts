// End to end: Vigie killed with SIGKILL in the middle of a send, then restarted, posts every alert exactly once.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import type { OutboxRow } from '../../src/delivery/outbox.js';
import { captureLogger } from '../support/delivery.js';
import { expectedSeries } from './support/alerts.js';
import { startChildApp, type ChildApp } from './support/child.js';
import {
  databasePath, expectRoomHolds, sendRequests, startBotHomeserver, writeE2eConfig, type BotHomeserver,
} from './support/harness.js';
import { PROCESS_START_MS, WAIT_MS, waitFor, within } from '../support/wait.js';

let setup: BotHomeserver | undefined;
const children: ChildApp[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
  await setup?.hs.close();
  setup = undefined;
});

/** Send requests that the homeserver stored but never answered (the 'hang-after-send' fault): the ones caught mid-send. */
function hungAfterStoring(s: BotHomeserver): string[] {
  const stored = new Set(Object.values(s.rooms).flatMap((roomId) => s.hs.messages(roomId).map((m) => m.txnId)));
  return sendRequests(s.hs)
    .filter((r) => r.status === 0)
    .map((r) => decodeURIComponent(r.path.slice(r.path.lastIndexOf('/') + 1)))
    .filter((txnId) => stored.has(txnId));
}

async function killHard(child: ChildApp): Promise<void> {
  child.process.kill('SIGKILL');
  expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
}

describe('SIGKILL in the middle of a send', () => {
  it('the alert the homeserver had stored is re-sent with its txnId after a restart, and is in the room once', async () => {
    setup = await startBotHomeserver(['ops']);
    const { hs } = setup;
    const roomId = setup.rooms.ops!;
    const config = writeE2eConfig(setup);
    hs.failNext(1, 'hang-after-send');
    const first = startChildApp(config, { count: 5, prefix: 'kill', tags: ['ops'] });
    children.push(first);
    const { pid } = await first.waitFor('started');
    await first.waitFor('dispatched');
    await waitFor('the homeserver to store the first alert without answering', () => hungAfterStoring(setup!).length === 1);
    const [stored] = hs.messages(roomId);
    await killHard(first);

    // Vigie never heard back: for it the alert was not sent; the homeserver has it, under the txnId of the outbox row.
    expect(first.reports.filter((r) => r.type === 'sent')).toEqual([]);
    expect(stored?.txnId).toBe(first.queued()[0]?.txnId);
    expect(readFileSync(`${databasePath(config)}.lock`, 'utf8')).toBe(`${pid}\n`);

    const log = captureLogger('info');
    const app = await createApp(await loadConfig(config), { logger: log.logger, lock: true }); // takes the dead pid's lock over
    const sent: Array<{ row: OutboxRow; eventId: string }> = [];
    app.deliverer!.on('sent', (e) => sent.push(e));
    await app.start();
    await within('the restarted Vigie to deliver the queue', app.deliverer!.whenIdle());
    expect(app.outbox.depth().total).toBe(0);
    await app.stop();

    expectRoomHolds(hs, roomId, expectedSeries('kill', ['ops'], 5, 'ops'));
    // The re-send got the event the homeserver already had: same txnId, same event id, nothing new posted.
    expect(sent[0]).toMatchObject({ eventId: stored!.event_id, row: { txnId: stored!.txnId } });
    expect(sendRequests(hs, stored!.txnId)).toHaveLength(2);
    expect(log.lines.map((l) => l.msg)).toContain('resuming delivery of queued alerts');
  });

  it('killed with hundreds of alerts still queued in two rooms and a send in flight in each, a new Vigie process delivers all of them once, in order', async () => {
    setup = await startBotHomeserver(['a', 'b']);
    const { hs, rooms } = setup;
    const config = writeE2eConfig(setup);
    const count = 1_000;
    const first = startChildApp(config, { count, prefix: 'burst', tags: ['a', 'b'] });
    children.push(first);
    await first.waitFor('dispatched');
    const delivered = (): number => hs.messages(rooms.a!).length + hs.messages(rooms.b!).length;
    await waitFor('the first 20 alerts in the rooms', () => delivered() >= 20);
    // Each room has one send in flight at a time, so the next two sends are one per room.
    hs.failNext(2, 'hang-after-send');
    await waitFor('a send caught mid-way in each room', () => hungAfterStoring(setup!).length === 2);
    const hung = hungAfterStoring(setup);
    await killHard(first);
    const deliveredBeforeKill = delivered();
    const inRoomsBeforeKill = new Set([...hs.messages(rooms.a!), ...hs.messages(rooms.b!)].map((m) => m.txnId));
    expect(deliveredBeforeKill).toBeLessThan(count / 2);

    const second = startChildApp(config); // a second process on the same database: takes the stale lock over, resumes
    children.push(second);
    await second.waitFor('idle', PROCESS_START_MS + WAIT_MS); // started, then ~1,000 alerts delivered
    expect(await second.stop()).toEqual({ code: 0, signal: null });

    expectRoomHolds(hs, rooms.a!, expectedSeries('burst', ['a', 'b'], count, 'a'));
    expectRoomHolds(hs, rooms.b!, expectedSeries('burst', ['a', 'b'], count, 'b'));
    // Every committed row is in the room under the txnId stored at enqueue; the two caught mid-send were asked twice.
    const txnIds = new Set([...hs.messages(rooms.a!), ...hs.messages(rooms.b!)].map((m) => m.txnId));
    expect(first.queued().every((row) => txnIds.has(row.txnId))).toBe(true);
    for (const txnId of hung) expect(sendRequests(hs, txnId)).toHaveLength(2);
    const resent = second.reports.filter((r) => r.type === 'sent');
    // Sent marks are written in batches: besides the two caught mid-send, rows accepted just before the kill may
    // still be pending on disk. They go again with their txnId, and the homeserver answers with the event it has.
    const again = resent.filter((r) => inRoomsBeforeKill.has(r.txnId));
    expect(resent.length - again.length).toBe(count - deliveredBeforeKill);
    expect(again.map((r) => r.txnId)).toEqual(expect.arrayContaining(hung));
    expect(again.length).toBeLessThanOrEqual(hung.length + 256);
  }, 120_000); // two Vigie processes started one after the other (PROCESS_START_MS each)
});
