// A command said while Vigie was stopped, then pushed out of the next sync's timeline by a busy room: Vigie reads the
// room's history back to where it left off, and answers it.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logging.js';
import { MatrixClient } from '../../src/matrix/client.js';
import { writeConfig } from '../support/cli.js';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import { waitFor } from '../support/wait.js';

let hs: TestHomeserver;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  await hs.close();
});

describe('a busy room while Vigie was stopped', () => {
  it('a command buried under more messages than one sync carries is still answered after the restart', async () => {
    hs = await startHomeserver({ messageRateLimit: false });
    const bot = hs.registerUser('vigie', 'pw');
    const alice = hs.registerUser('alice', 'pw');
    const room = hs.createRoom({ creator: alice, join: [bot] });
    const config = writeConfig(`matrix: { homeserver: ${hs.url}, accessTokenFile: ./token }
rooms: { ops: "${room}" }
routes: [{ rooms: [ops], groupWait: 0 }]
store: { path: ./vigie.db }
server: { listen: "127.0.0.1:0" }
`, { token: hs.issueToken(bot) });
    const start = async (): Promise<App> => {
      const started = await createApp(await loadConfig(config), { logger: silentLogger(), server: true });
      await started.start();
      return started;
    };
    app = await start();
    await waitFor('the room to be followed', () => hs.requests.filter((r) => r.path.includes('/sync')).length >= 2);
    await app.stop();
    app = undefined;

    const aliceClient = new MatrixClient({ baseUrl: hs.url, accessToken: hs.issueToken(alice) });
    const { eventId: command } = await aliceClient.sendEvent(room, 'm.room.message', 'cmd', { msgtype: 'm.text', body: '!vigie status' });
    for (let i = 0; i < 120; i++) await aliceClient.sendEvent(room, 'm.room.message', `chat-${i}`, { msgtype: 'm.text', body: `chatter ${i}` });

    app = await start();
    const answers = () => hs.messages(room).filter((m) => m.sender === bot);
    await waitFor('the answer to the buried command', () => answers().length === 1);
    const reply = answers()[0]!.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined;
    expect(reply?.['m.in_reply_to']?.event_id).toBe(command);
    expect(hs.requests.some((r) => r.path.endsWith('/messages'))).toBe(true);
  });
});
