// A message whose first attempt may have reached the room, retried after the homeserver forgot its txnId (Synapse
// keeps one for 24 hours): it is looked for in the room first, so it shows once.
import { afterEach, describe, expect, it } from 'vitest';
import { Deliverer, TXN_MEMORY_MS } from '../../src/delivery/deliverer.js';
import { Outbox } from '../../src/delivery/outbox.js';
import { RoomSender } from '../../src/matrix/room-sender.js';
import { openDatabase } from '../../src/store/db.js';
import type { Database } from '../../src/store/db.js';
import { captureLogger } from '../support/delivery.js';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import type { FailAnswer } from '../support/homeserver/serve.js';
import { waitFor } from '../support/wait.js';

const DAY_AND_HOUR = 25 * 60 * 60 * 1000;
let hs: TestHomeserver;
afterEach(async () => { await hs.close(); });

/**
 * Sends one alert whose first attempt meets `fault`, stops Vigie there, lets a day and an hour pass (the homeserver's
 * clock, and the doubt's age in the database), then starts a new deliverer on the same outbox.
 */
async function retriedADayLater(fault: FailAnswer, options: { lookupRefused?: boolean } = {}) {
  let clock = Date.now();
  hs = await startHomeserver({ messageRateLimit: false, now: () => clock });
  const bot = hs.registerUser('vigie', 'pw');
  const room = hs.createRoom({ creator: bot });
  const db: Database = openDatabase(':memory:');
  const outbox = new Outbox(db);
  const sender = new RoomSender({ homeserver: hs.url, accessToken: hs.issueToken(bot), timeoutMs: 5_000 });
  const [row] = outbox.enqueue([{ roomId: room, eventType: 'm.room.message', content: { msgtype: 'm.text', body: 'DOWN api' } }]);
  hs.failNext(1, fault);
  const first = new Deliverer({ outbox, sender, logger: captureLogger().logger });
  const retried = new Promise<void>((done) => first.once('retry', () => done()));
  first.wake(room);
  await retried;
  await first.stop(0);

  clock += DAY_AND_HOUR;
  db.prepare('UPDATE outbox SET doubt_since = doubt_since - ? WHERE id = ?').run(DAY_AND_HOUR, row!.id);
  // A homeserver from before spec v1.3 wants `from` on /messages: the lookup is refused.
  if (options.lookupRefused) hs.failNext(1, { status: 400, errcode: 'M_MISSING_PARAM', error: 'Missing string query parameter \'from\'' }, '/messages');
  const log = captureLogger();
  const second = new Deliverer({ outbox, sender, logger: log.logger });
  second.start();
  await waitFor('the alert to be delivered', () => outbox.get(row!.id)?.state === 'sent');
  await second.stop(0);
  return { room, row: outbox.get(row!.id)!, log, lookups: hs.requests.filter((r) => r.path.endsWith('/messages')).length };
}

describe('a message in doubt for longer than the homeserver remembers its txnId', () => {
  it('is found in the room and not sent again when its first attempt had arrived (the connection cut after sending)', async () => {
    const { room, row, lookups } = await retriedADayLater('reset-after-send');
    const messages = hs.messages(room).filter((m) => m.content.body === 'DOWN api');
    expect(messages).toHaveLength(1);
    expect(row.eventId).toBe(messages[0]!.event_id);
    expect(lookups).toBeGreaterThan(0);
  });

  it('is sent when the earlier attempt never got in (a proxy\'s 502), once', async () => {
    const { room, row, lookups } = await retriedADayLater({ status: 502 });
    const messages = hs.messages(room).filter((m) => m.content.body === 'DOWN api');
    expect(messages).toHaveLength(1);
    expect(row.eventId).toBe(messages[0]!.event_id);
    expect(lookups).toBeGreaterThan(0);
  });

  it('is sent again, saying it may show twice, when the homeserver refuses the lookup (an old server)', async () => {
    const { row, log } = await retriedADayLater({ status: 502 }, { lookupRefused: true });
    expect(row.state).toBe('sent');
    expect(log.lines.some((l) => String(l.msg).includes('which may show it twice'))).toBe(true);
  });

  it('is not looked for while the homeserver still remembers the txnId', async () => {
    expect(TXN_MEMORY_MS).toBeLessThan(24 * 60 * 60 * 1000);
    let clock = Date.now();
    hs = await startHomeserver({ messageRateLimit: false, now: () => clock });
    const bot = hs.registerUser('vigie', 'pw');
    const room = hs.createRoom({ creator: bot });
    const outbox = new Outbox(openDatabase(':memory:'));
    const sender = new RoomSender({ homeserver: hs.url, accessToken: hs.issueToken(bot), timeoutMs: 5_000 });
    const [row] = outbox.enqueue([{ roomId: room, eventType: 'm.room.message', content: { msgtype: 'm.text', body: 'DOWN api' } }]);
    hs.failNext(1, 'reset-after-send');
    const deliverer = new Deliverer({ outbox, sender, logger: captureLogger().logger });
    deliverer.wake(room);
    await waitFor('the alert to be delivered', () => outbox.get(row!.id)?.state === 'sent');
    await deliverer.stop(0);
    clock += 1;
    expect(hs.messages(room)).toHaveLength(1);
    expect(hs.requests.filter((r) => r.path.endsWith('/messages'))).toEqual([]);
  });
});
