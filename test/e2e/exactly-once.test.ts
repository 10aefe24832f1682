// End to end through the real app, Matrix client and test homeserver: outages and a 429 burst end with each alert once, in order.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import type { RetryKind } from '../../src/delivery/retry-policy.js';
import type { DownMode } from '../support/homeserver.js';
import { captureLogger } from '../support/delivery.js';
import { alert, expectedSeries, seriesBody } from './support/alerts.js';
import { waitFor, within } from '../support/wait.js';
import { expectRoomHolds, sendRequests, startBotHomeserver, writeE2eConfig, type BotHomeserver } from './support/harness.js';

let setup: BotHomeserver | undefined;
let app: App | undefined;

afterEach(async () => {
  await app?.stop(0);
  app = undefined;
  await setup?.hs.close();
  setup = undefined;
});

/** Builds and starts Vigie in this process on a config pointing at the homeserver (no HTTP server, no lock needed). */
async function startVigie(s: BotHomeserver): Promise<App> {
  app = await createApp(await loadConfig(writeE2eConfig(s, { maxBackoff: '1s' })), { logger: captureLogger().logger });
  await app.start();
  return app;
}

/** Dispatches `count` alerts spread over `tags`, as a burst of monitors going down at once would. */
function raise(vigie: App, prefix: string, tags: readonly string[], count: number): void {
  for (let i = 0; i < count; i++) {
    const tag = tags[i % tags.length]!;
    vigie.dispatch(alert(tag, seriesBody(prefix, tag, i)));
  }
}

describe('exactly once, end to end', () => {
  it.each<[string, DownMode, RetryKind]>([
    ['refuses connections', 'refuse', 'network'],
    ['is behind a proxy answering 502', 502, 'server'],
  ])('the homeserver %s while 20 alerts go to 2 rooms: once it is back, each alert is in its room once, in order', async (_, mode, kind) => {
    setup = await startBotHomeserver(['a', 'b']);
    const { hs, rooms } = setup;
    const vigie = await startVigie(setup);
    const retries: Array<{ roomId: string; kind: RetryKind; delayMs: number }> = [];
    vigie.deliverer!.on('retry', ({ row, kind: k, delayMs }) => retries.push({ roomId: row.roomId, kind: k, delayMs }));

    await hs.setDown(mode);
    raise(vigie, 'outage', ['a', 'b'], 20);
    // Down long enough for both rooms to fail repeatedly at the longest backoff (1 s here, 5 min by default).
    const failuresIn = (roomId: string): number => retries.filter((r) => r.roomId === roomId).length;
    await waitFor('three failed attempts in each room', () => failuresIn(rooms.a!) >= 3 && failuresIn(rooms.b!) >= 3);
    expect(vigie.outbox.depth()).toEqual({ total: 20, byRoom: { [rooms.a!]: 10, [rooms.b!]: 10 } });
    expect(new Set(retries.map((r) => r.kind))).toEqual(new Set([kind]));
    expect(Math.max(...retries.map((r) => r.delayMs))).toBeLessThanOrEqual(1_000);

    await hs.setDown(false);
    await within('delivery after the outage', vigie.deliverer!.whenIdle());
    expectRoomHolds(hs, rooms.a!, expectedSeries('outage', ['a', 'b'], 20, 'a'));
    expectRoomHolds(hs, rooms.b!, expectedSeries('outage', ['a', 'b'], 20, 'b'));
    expect(vigie.outbox.depth().total).toBe(0);
  });

  it('a burst of 50 alerts against Synapse\'s rate limiter: the homeserver answers 429, and all 50 are in the room once, in order', async () => {
    // Synapse's shape (a burst, then a steady rate), ten times faster than its 0.2/s so the test lasts seconds.
    setup = await startBotHomeserver(['ops'], { messageRateLimit: { perSecond: 10, burst: 10 } });
    const { hs, rooms } = setup;
    const vigie = await startVigie(setup);
    const waits: number[] = [];
    vigie.deliverer!.on('retry', ({ kind, delayMs }) => { if (kind === 'rate-limit') waits.push(delayMs); });
    const started = Date.now();

    raise(vigie, 'burst', ['ops'], 50);
    await within('delivery of the burst', vigie.deliverer!.whenIdle(), 30_000);
    const elapsedMs = Date.now() - started;

    expectRoomHolds(hs, rooms.ops!, expectedSeries('burst', ['ops'], 50, 'ops'));
    expect(vigie.outbox.depth().total).toBe(0);
    const limited = sendRequests(hs).filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(waits).toHaveLength(limited.length);
    // Vigie waits what each 429 asks instead of hammering: about one refusal per message beyond the burst, at most.
    expect(limited.length).toBeLessThanOrEqual(50 - 10);
    // 40 messages beyond the burst at 10/s: nothing goes faster than the homeserver allows. (No upper bound: a
    // `retry_after_ms: 0` answer, which Synapse's arithmetic can give too, makes Vigie wait its 5 s fallback.)
    expect(elapsedMs).toBeGreaterThanOrEqual(3_500);
  });
});
