// An encrypted room and a Vigie killed with SIGKILL in the middle of a send: after a restart every alert is in the
// room once, and a member's own client decrypts every one of them, the one caught mid-send included.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { captureLogger } from '../support/delivery.js';
import { startJsSdkClient, type JsSdkClient } from '../support/js-sdk-client.js';
import { expectedSeries } from '../e2e/support/alerts.js';
import { startChildApp, type ChildApp } from '../e2e/support/child.js';
import { waitFor, within } from '../support/wait.js';
import { sendRequests, startBotHomeserver, writeE2eConfig, type BotHomeserver } from '../e2e/support/harness.js';

let setup: BotHomeserver | undefined;
let owner: JsSdkClient | undefined;
const children: ChildApp[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
  owner?.stop();
  await setup?.hs.close();
  setup = undefined;
});

describe('SIGKILL in the middle of an encrypted send', () => {
  it('the re-send after a restart is encrypted again under the same txnId: the room has each alert once, all readable', async () => {
    setup = await startBotHomeserver(['ops'], {}, { encrypted: true });
    const { hs } = setup;
    const roomId = setup.rooms.ops!;
    const ownerId = '@owner:localhost';
    owner = await startJsSdkClient(hs.url, ownerId, 'OWNERPHONE', hs.issueToken(ownerId, 'OWNERPHONE'));
    const config = writeE2eConfig(setup, { storePassphrase: 'a-long-store-passphrase' });

    hs.failNext(1, 'hang-after-send');
    const first = startChildApp(config, { count: 5, prefix: 'kill', tags: ['ops'] });
    children.push(first);
    await first.waitFor('dispatched');
    // The homeserver stored the first encrypted alert and never answered; Vigie is killed while it waits.
    await waitFor('the first alert stored, unanswered', () => hs.messages(roomId).length === 1 && sendRequests(hs).some((r) => r.status === 0));
    const [stored] = hs.messages(roomId);
    first.process.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(stored!.type).toBe('m.room.encrypted');

    const log = captureLogger('warn');
    const app = await createApp(await loadConfig(config), { logger: log.logger, lock: true });
    await app.start();
    await within('the restarted Vigie to deliver the queue', app.deliverer!.whenIdle(), 30_000);
    await app.stop();

    const messages = hs.messages(roomId);
    expect(messages.every((m) => m.type === 'm.room.encrypted')).toBe(true);
    expect(new Set(messages.map((m) => m.txnId)).size).toBe(messages.length);
    expect(messages[0]!.event_id).toBe(stored!.event_id);
    expect(sendRequests(hs, stored!.txnId)).toHaveLength(2);
    const clear = await Promise.all(messages.map((m) => owner!.decrypted(m.event_id)));
    expect(clear.map((c) => c.body)).toEqual(expectedSeries('kill', ['ops'], 5, 'ops'));
    expect(log.lines.filter((l) => l.level >= 50)).toEqual([]);
  }, 120_000); // a Vigie process (PROCESS_START_MS), then a restart in this one that opens the encryption store
});
