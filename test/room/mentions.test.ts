// Mentions through the whole pipeline to the test homeserver: a route's users are pinged, monitors' text pings nobody.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatch } from '../../src/alert/dispatch.js';
import type { AlertEvent } from '../../src/alert/event.js';
import { compileTemplates } from '../../src/alert/render/templates.js';
import type { RouteRule } from '../../src/alert/router.js';
import { Deliverer } from '../../src/delivery/deliverer.js';
import { Outbox } from '../../src/delivery/outbox.js';
import { silentLogger } from '../../src/logging.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { waitFor } from '../support/wait.js';
import { startWorld, type World } from './harness.js';

let world: World;
let db: Database;
let deliverer: Deliverer;

beforeEach(async () => {
  world = await startWorld();
  db = openDatabase(':memory:');
});
afterEach(async () => {
  await deliverer.stop(1_000);
  db.close();
  await world.close();
});

/** An alert whose monitor name and message try to ping: `@room` and a user id. */
const sneaky: AlertEvent = {
  source: 'monitor', status: 'down', name: 'API @room', hostnameOrURL: 'https://api.example', time: new Date(),
  msg: 'ask @bob:localhost', tags: ['prod'], heartbeatJSON: null, monitorJSON: null,
};

/** Dispatches `event` by `rules` and waits for the room to receive it. */
async function deliver(event: AlertEvent, rules: RouteRule[], template = '{{ name }}: {{ msg }}') {
  const outbox = new Outbox(db);
  deliverer = new Deliverer({ outbox, sender: world.clients.bot, logger: silentLogger() });
  deliverer.start();
  const dispatch = createDispatch({
    rules, rooms: { ops: world.roomId }, templates: compileTemplates({ t: template }, { timezone: 'UTC' }), msgtype: 'm.text', outbox,
    logger: silentLogger(), onQueued: (rooms) => rooms.forEach((r) => deliverer.wake(r)),
  });
  dispatch(event);
  await waitFor('the alert', () => world.hs.messages(world.roomId).some((m) => m.sender === world.people.bot));
  return world.hs.messages(world.roomId).find((m) => m.sender === world.people.bot)!.content;
}

describe('mentions', () => {
  it('a route with mentions pings its users: m.mentions.user_ids, the name in front, a pill in the HTML', async () => {
    const content = await deliver(sneaky, [{ rooms: ['ops'], template: 't', mentions: [world.people.admin] }]);
    expect(content['m.mentions']).toEqual({ user_ids: [world.people.admin] });
    expect(content.body).toBe(`${world.people.admin}: API @room: ask @bob:localhost`);
    expect(content.formatted_body).toBe(`<a href="https://matrix.to/#/${world.people.admin}">${world.people.admin}</a>: API @room: ask @bob:localhost`);
  });

  it('@room only when the route says atRoom', async () => {
    const content = await deliver(sneaky, [{ rooms: ['ops'], template: 't', atRoom: true }]);
    expect(content['m.mentions']).toEqual({ room: true });
    expect(content.body).toBe('@room: API @room: ask @bob:localhost');
  });

  it('a monitor\'s name or message holding @room or a user id pings nobody, and its HTML is escaped', async () => {
    const content = await deliver({ ...sneaky, msg: '<a href="https://matrix.to/#/@bob:localhost">@bob</a> **look**' },
      [{ rooms: ['ops'], template: 't' }], '**{{ name }}**: {{ msg }}');
    expect(content['m.mentions']).toEqual({});
    expect(content.formatted_body).not.toContain('<a href');
    expect(content.formatted_body).toContain('&lt;a href=');
  });
});
