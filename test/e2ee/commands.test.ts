// Commands in an encrypted room, through the whole of Vigie as `vigie run` builds it: a member's encrypted
// `!vigie status` is decrypted and answered, encrypted; encryption reads its to-device messages from the room
// service's /sync, so the bot's device has one /sync reader and loses none of them.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logging.js';
import { writeConfig } from '../support/cli.js';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import { startJsSdkClient, type JsSdkClient } from '../support/js-sdk-client.js';
import { waitFor } from '../support/wait.js';

let hs: TestHomeserver;
let app: App | undefined;
let alice: JsSdkClient | undefined;
afterEach(async () => {
  alice?.stop();
  await app?.stop();
  await hs.close();
});

describe('commands in an encrypted room', () => {
  it('decrypts a member\'s command and answers it encrypted, with a single /sync reader for the bot\'s device', async () => {
    hs = await startHomeserver({ messageRateLimit: false });
    const bot = hs.registerUser('vigie', 'pw');
    const aliceId = hs.registerUser('alice', 'pw');
    const room = hs.createRoom({ creator: aliceId, join: [bot], encrypted: true });
    const yaml = `matrix: { homeserver: ${hs.url}, accessTokenFile: ./token, encryption: { storePassphraseFile: ./e2ee-key } }
rooms: { ops: "${room}" }
store: { path: ./vigie.db }
server: { listen: "127.0.0.1:0" }
`;
    const config = writeConfig(yaml, { token: hs.issueToken(bot, 'VIGIEDEV'), 'e2ee-key': 'a-long-store-passphrase' });
    app = await createApp(await loadConfig(config), { logger: silentLogger(), server: true });
    await app.start();
    // The first /sync answer opens the encryption, which publishes the device's keys for members to encrypt to.
    await waitFor('the bot\'s device keys', () => hs.hasDeviceKeys(bot, 'VIGIEDEV'));

    alice = await startJsSdkClient(hs.url, aliceId, 'ALICEPHONE', hs.issueToken(aliceId, 'ALICEPHONE'));
    const { event_id: command } = await alice.client.sendTextMessage(room, '!vigie status');
    expect(hs.messages(room).find((m) => m.event_id === command)?.type).toBe('m.room.encrypted');

    await waitFor('the bot\'s answer', () => hs.messages(room).some((m) => m.sender === bot));
    const answer = hs.messages(room).find((m) => m.sender === bot)!;
    expect(answer.type).toBe('m.room.encrypted');
    const clear = await alice.decrypted(answer.event_id);
    expect(clear.msgtype).toBe('m.notice');
    expect(clear['m.relates_to']).toMatchObject({ 'm.in_reply_to': { event_id: command } });

    const botSyncs = hs.requests.filter((r) => r.path.endsWith('/sync') && r.userId === bot);
    expect(botSyncs.length).toBeGreaterThan(0);
    // Every one of them is the room service's (its filter asks for encrypted messages): encryption made none of its own.
    expect(botSyncs.every((r) => r.query.filter?.includes('m.room.encrypted'))).toBe(true);
  });
});
