// Kuma's captured requests through the whole of Vigie: HTTP ingest → outbox → deliverer → the room.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logging.js';
import { writeConfig } from '../support/cli.js';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import { waitFor } from '../support/wait.js';
import { fixture } from './harness.js';

describe('Uptime Kuma through Vigie', () => {
  let hs: TestHomeserver;
  let app: App;
  let room: string;
  let yaml: string;
  let token: string;
  let bot: string;

  beforeEach(async () => {
    hs = await startHomeserver();
    bot = hs.registerUser('vigie', 'pw');
    room = hs.createRoom({ creator: hs.registerUser('alice', 'pw'), join: [bot] });
    yaml = `timezone: Europe/Paris
matrix: { homeserver: ${hs.url}, accessTokenFile: ./token }
rooms: { ops: "${room}" }
routes: [{ rooms: [ops], template: seed, groupWait: 0 }]
sources: { uptimeKuma: [{ name: kuma, token: syt_test, rooms: [ops] }] }
store: { path: ./vigie.db }
server: { listen: "127.0.0.1:0" }
`;
    token = hs.issueToken(bot);
    app = await createApp(await loadConfig(writeConfig(yaml, { token })), { logger: silentLogger(), server: true });
    await app.start();
  });
  afterEach(async () => {
    await app.stop();
    await hs.close();
  });

  /** Posts Kuma's DOWN webhook; returns the message it became in the room, once there. */
  async function postDown() {
    const down = fixture('webhook-json__down');
    const answer = await fetch(`${app.address}/ingest/uptime-kuma/syt_test`, {
      method: 'POST', headers: down.headers, body: JSON.stringify(down.body),
    });
    expect(answer.status).toBe(202);
    await waitFor('the alert in the room', () => hs.messages(room).length > 0);
    return hs.messages(room)[0]!;
  }

  it('delivers a webhook as the seed template meant it, after answering 202', async () => {
    const message = await postDown();
    expect(message.content.body).toMatch(/^🚨 ALERTE : SERVICE HORS LIGNE\n\n🖥️ Service : Local Target 9998\n🌐 Cible : http:\/\/127.0.0.1:9998\/health/);
    expect(message.content.body).toContain('⏰ Heure : 26/11/2026 13:09');
  });

  it('renders a webhook in the render worker exactly as on the main thread', async () => {
    expect(await app.renderWorkerReady()).toBe(true);
    const message = await postDown();
    app.outbox.flush();
    const rowId = app.db.prepare('SELECT id FROM outbox WHERE event_id = ?').pluck().get(message.event_id) as number;
    const stored = app.outbox.get(rowId)!;
    expect(message.content.body).toBe(app.templates.render('seed', stored.event!).body);
  });

  it('refuses a bad body read in the render worker with the same 400 and reason, and keeps taking webhooks', async () => {
    expect(await app.renderWorkerReady()).toBe(true);
    const form = new FormData();
    form.append('other', 'x');
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    const answer = await fetch(`${app.address}/ingest/uptime-kuma/syt_test`, {
      method: 'POST', headers: { 'content-type': request.headers.get('content-type')! }, body: await request.arrayBuffer(),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error: 'the form-data has no field "data" (Kuma sends its JSON in one field named data)' });
    expect((await postDown()).content.body).toMatch(/^🚨 ALERTE : SERVICE HORS LIGNE/);
  });

  it('renders with the new templates after a reload, in a new render worker', async () => {
    expect(await app.renderWorkerReady()).toBe(true);
    const edited = yaml.replace('routes: [{ rooms: [ops], template: seed, groupWait: 0 }]',
      'templates: { short: "{{ monitorJSON.name }} est {{ status }}" }\nroutes: [{ rooms: [ops], template: short, groupWait: 0 }]');
    app.reload(await loadConfig(writeConfig(edited, { token })));
    expect(await app.renderWorkerReady()).toBe(true);
    expect((await postDown()).content.body).toBe('Local Target 9998 est 🔴 Down');
    // What is read once at start-up is named, so the operator knows a restart is needed.
    const later = `${edited}\ncommands: { powerLevel: 100 }\nlog: { level: debug }\n`;
    expect(app.reload(await loadConfig(writeConfig(later, { token })))).toEqual(expect.arrayContaining(['commands', 'log']));
  });

  it('takes Kuma\'s Matrix notification for a room id changed by a reload', async () => {
    const moved = hs.createRoom({ creator: hs.registerUser('bob', 'pw'), join: [bot] });
    app.reload(await loadConfig(writeConfig(yaml.replace(`rooms: { ops: "${room}" }`, `rooms: { ops: "${moved}" }`), { token })));
    const down = fixture('matrix__down');
    const send = (roomId: string) => fetch(`${app.address}${down.path.replace(encodeURIComponent('!abc:localhost'), encodeURIComponent(roomId))}`,
      { method: 'PUT', headers: down.headers, body: JSON.stringify(down.body) });
    expect((await send(moved)).status).toBe(200);
    await waitFor('the alert in the new room', () => hs.messages(moved).length === 1);
    expect((await send(room)).status).toBe(403);
  });

  it('takes Kuma\'s own Matrix notification pointed at Vigie, once per txnId', async () => {
    const down = fixture('matrix__down');
    const path = down.path.replace(encodeURIComponent('!abc:localhost'), encodeURIComponent(room));
    const send = () => fetch(`${app.address}${path}`, { method: 'PUT', headers: down.headers, body: JSON.stringify(down.body) });
    const first = await send();
    expect(first.status).toBe(200);
    const { event_id } = await first.json() as { event_id: string };
    const again = await send();
    expect(await again.json()).toEqual({ event_id });
    await waitFor('the alert in the room', () => hs.messages(room).length > 0);
    const message = hs.messages(room)[0]!;
    expect(message.content.body).toMatch(/^🚨 ALERTE : SERVICE HORS LIGNE/);
    await app.deliverer!.whenIdle();
    expect(hs.messages(room)).toHaveLength(1);
  });
});
