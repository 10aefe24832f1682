// End to end: a revoked token parks every room with one warning that says what to do; a new token and a restart deliver all.
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { captureLogger } from '../support/delivery.js';
import { alert } from './support/alerts.js';
import { within } from '../support/wait.js';
import { expectRoomHolds, startBotHomeserver, writeE2eConfig, writeToken, type BotHomeserver } from './support/harness.js';

let setup: BotHomeserver | undefined;
let app: App | undefined;

afterEach(async () => {
  await app?.stop(0);
  app = undefined;
  await setup?.hs.close();
  setup = undefined;
});

/** Builds and starts Vigie on the config as it is on disk now, holding the database lock like `vigie run`. */
async function startVigie(configPath: string): Promise<{ vigie: App; log: ReturnType<typeof captureLogger> }> {
  const log = captureLogger('info');
  app = await createApp(await loadConfig(configPath), { logger: log.logger, lock: true });
  await app.start();
  return { vigie: app, log };
}

describe('a revoked access token', () => {
  it('parks every room, keeps every alert, says once how to fix it; with a new token and a restart each alert arrives once', async () => {
    setup = await startBotHomeserver(['a', 'b']);
    const { hs, rooms, bot } = setup;
    const config = writeE2eConfig(setup);
    const { vigie, log } = await startVigie(config);
    vigie.dispatch(alert('a', 'a before'));
    vigie.dispatch(alert('b', 'b before'));
    await within('the first alerts, with the working token', vigie.deliverer!.whenIdle());

    hs.revokeToken(setup.token);
    const parked = once(vigie.deliverer!, 'parked');
    for (const n of [1, 2, 3]) for (const room of ['a', 'b']) vigie.dispatch(alert(room, `${room} after ${n}`));
    await within('the deliverer to park', parked);

    expect(vigie.deliverer!.parked().map((p) => p.roomId).sort()).toEqual([rooms.a, rooms.b].sort());
    expect(vigie.outbox.depth()).toEqual({ total: 6, byRoom: { [rooms.a!]: 3, [rooms.b!]: 3 } });
    // The dead token is met once per room at most: both rooms' first requests can be on the wire before the first
    // 401 comes back, and after it neither room uses the token again (only one room probes, every parkedRetry: the
    // deliverer's unit tests count those probes on fake time).
    const refused = (roomId: string) => hs.requests.filter((r) => r.status === 401 && r.path.includes(encodeURIComponent(roomId))).length;
    expect(refused(rooms.a!) + refused(rooms.b!)).toBeGreaterThanOrEqual(1);
    expect([refused(rooms.a!), refused(rooms.b!)].every((n) => n <= 1)).toBe(true);
    expect(hs.requests.filter((r) => r.status === 401)).toHaveLength(refused(rooms.a!) + refused(rooms.b!));
    const warnings = log.at('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ component: 'deliverer', errcode: 'M_UNKNOWN_TOKEN', scope: 'all' });
    expect(warnings[0]!.msg).toContain('M_UNKNOWN_TOKEN');
    expect(warnings[0]!.msg).toContain('Run `vigie login`, update the token, and restart Vigie');
    expect(warnings[0]!.msg).toContain('the 6 pending alerts are kept');
    expect(JSON.stringify(log.lines)).not.toContain(setup.token);
    expectRoomHolds(hs, rooms.a!, ['a before']);
    expectRoomHolds(hs, rooms.b!, ['b before']);
    await vigie.stop(0);

    // What a person does: `vigie login` (a new session), the new token in the file, restart.
    const fresh = hs.issueToken(bot, 'NEWSESSION');
    writeToken(config, fresh);
    const restarted = await startVigie(config);
    await within('delivery with the new token', restarted.vigie.deliverer!.whenIdle());
    expect(restarted.vigie.outbox.depth().total).toBe(0);
    expect(restarted.vigie.deliverer!.parked()).toEqual([]);
    expectRoomHolds(hs, rooms.a!, ['a before', 'a after 1', 'a after 2', 'a after 3']);
    expectRoomHolds(hs, rooms.b!, ['b before', 'b after 1', 'b after 2', 'b after 3']);
    expect(restarted.log.at('warn')).toEqual([]);
    expect(JSON.stringify([...log.lines, ...restarted.log.lines])).not.toContain(fresh);
  });
});
