// Acknowledging from the room, through the whole of Vigie as `vigie run` builds it: a 👍 on an outage's message
// by a moderator stops its reminders, and the outage's thread says who acknowledged.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import type { AlertEvent } from '../../src/alert/event.js';
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

const down = (msg: string, name = 'api'): AlertEvent => ({
  source: 'uptime-kuma:kuma', status: 'down', name, hostnameOrURL: 'https://api.example.org', msg, time: new Date(),
  tags: [], heartbeatJSON: { status: 0, msg }, monitorJSON: null,
});

/**
 * Vigie as `vigie run` builds it, posting to `room` as `bot`, following the room; resolves with the first outage's
 * message in the room (monitor api).
 */
async function startVigieWithOutage(bot: string, room: string) {
  const yaml = `matrix: { homeserver: ${hs.url}, accessTokenFile: ./token }
rooms: { ops: "${room}" }
routes: [{ rooms: [ops], groupWait: 0 }]
sources: { uptimeKuma: [{ name: kuma, token: kuma-token-1234 }] }
store: { path: ./vigie.db }
server: { listen: "127.0.0.1:0" }
`;
  app = await createApp(await loadConfig(writeConfig(yaml, { token: hs.issueToken(bot) })), { logger: silentLogger(), server: true });
  await app.start();
  // The loop's first /sync only sets where it starts; the second is the long-poll that will see the reactions.
  await waitFor('the room to be followed', () => hs.requests.filter((r) => r.path.includes('/sync')).length >= 2);
  app.dispatch(down('first'));
  await waitFor('the outage\'s message', () => hs.messages(room).length === 1);
  return { app, root: hs.messages(room)[0]! };
}

describe('acknowledging an outage from the room', () => {
  it('a moderator\'s 👍 on the alert acknowledges it: the thread says who, and the next reminder is not posted', async () => {
    hs = await startHomeserver({ messageRateLimit: false });
    const bot = hs.registerUser('vigie', 'pw');
    const alice = hs.registerUser('alice', 'pw');
    const room = hs.createRoom({ creator: alice, join: [bot] });
    const { app, root } = await startVigieWithOutage(bot, room);
    const aliceClient = new MatrixClient({ baseUrl: hs.url, accessToken: hs.issueToken(alice) });
    await aliceClient.sendEvent(room, 'm.reaction', 'react-1', { 'm.relates_to': { rel_type: 'm.annotation', event_id: root.event_id, key: '👍️' } });

    await waitFor('the acknowledgement in the thread', () => hs.messages(room).length === 2);
    const note = hs.messages(room)[1]!;
    expect(note.content.body).toBe('👍 Acknowledged by @alice:localhost: no more reminders for api');
    expect(note.content['m.relates_to']).toMatchObject({ rel_type: 'm.thread', event_id: root.event_id });

    app.dispatch(down('still down'));
    await app.deliverer!.whenIdle();
    expect(hs.messages(room)).toHaveLength(2);

    // The same by command, for another outage: the answer replies to the command, the note goes in that thread.
    app.dispatch(down('db down', 'db'));
    await waitFor('the second outage\'s message', () => hs.messages(room).length === 3);
    const dbRoot = hs.messages(room)[2]!;
    await aliceClient.sendEvent(room, 'm.room.message', 'cmd-1', { msgtype: 'm.text', body: '!vigie ack db' });
    await waitFor('the note and the answer', () => hs.messages(room).length === 6);
    const [, dbNote, answer] = hs.messages(room).slice(3);
    expect(dbNote!.content).toMatchObject({ body: '👍 Acknowledged by @alice:localhost: no more reminders for db', 'm.relates_to': { rel_type: 'm.thread', event_id: dbRoot.event_id } });
    expect(answer!.content.msgtype).toBe('m.notice');
  });

  it('taking a 👍 back withdraws the acknowledgement once no other holds it: the thread says so and reminders resume', async () => {
    hs = await startHomeserver({ messageRateLimit: false });
    const bot = hs.registerUser('vigie', 'pw');
    const alice = hs.registerUser('alice', 'pw');
    const bob = hs.registerUser('bob', 'pw');
    const room = hs.createRoom({ creator: alice, join: [bot, bob], powerLevels: { users: { [alice]: 100, [bob]: 50 } } });
    const { app, root } = await startVigieWithOutage(bot, room);
    const as = (user: string) => {
      const token = hs.issueToken(user);
      const client = new MatrixClient({ baseUrl: hs.url, accessToken: token });
      return {
        react: (txnId: string) => client.sendEvent(room, 'm.reaction', txnId, { 'm.relates_to': { rel_type: 'm.annotation', event_id: root.event_id, key: '👍' } }),
        takeBack: async (eventId: string, txnId: string) => {
          const url = `${hs.url}/_matrix/client/v3/rooms/${encodeURIComponent(room)}/redact/${encodeURIComponent(eventId)}/${txnId}`;
          const res = await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: '{}' });
          expect(res.status).toBe(200);
        },
      };
    };
    const [aliceSays, bobSays] = [as(alice), as(bob)];
    const first = await aliceSays.react('r1');
    await waitFor('the acknowledgement', () => hs.messages(room).length === 2);
    // Bob agrees; then Alice takes hers back: Bob's still holds it, so nothing is said and reminders stay quiet.
    const second = await bobSays.react('r2');
    await waitFor('Bob\'s 👍 to be kept', () => app.db.prepare('SELECT count(*) FROM incident_ack_reactions').pluck().get() === 2);
    await aliceSays.takeBack(first.eventId, 't1');
    await waitFor('Bob to hold the acknowledgement', () => app.db.prepare('SELECT acked_by FROM incidents').pluck().get() === bob);
    app.dispatch(down('still down'));
    await app.deliverer!.whenIdle();
    expect(hs.messages(room)).toHaveLength(2);

    await bobSays.takeBack(second.eventId, 't2');
    await waitFor('the note that it was taken back', () => hs.messages(room).length === 3);
    expect(hs.messages(room)[2]!.content).toMatchObject({
      body: '↩️ @bob:localhost took the acknowledgement back: reminders for api resume', 'm.relates_to': { rel_type: 'm.thread', event_id: root.event_id },
    });
    app.dispatch(down('down again'));
    await waitFor('the reminder', () => hs.messages(room).length === 4);
    expect(hs.messages(room)[3]!.content.body).toContain('down again');
  });
});
