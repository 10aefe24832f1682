// Reactions and invites, against the test homeserver: who may acknowledge with 👍/✅, whose invites are accepted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Acknowledger, AckOutcome } from '../../src/room/acknowledger.js';
import { waitFor } from '../support/wait.js';
import { startVigie, startWorld, synced, type VigieRun, type World } from './harness.js';

let world: World;
let vigie: VigieRun | undefined;

beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await vigie?.stop();
  vigie = undefined;
  await world.close();
});

/** Records what is acknowledged; the alert message is the only incident. */
function recordingAcknowledger(incidentEvent: () => string) {
  const calls: string[][] = [];
  const acknowledger: Acknowledger = {
    ackEvent: (roomId, eventId, by): AckOutcome => {
      calls.push(['event', roomId, eventId, by]);
      return eventId === incidentEvent() ? { result: 'acked', monitors: ['API'] } : { result: 'none' };
    },
    ackMonitor: (roomId, monitor, by): AckOutcome => {
      calls.push(['monitor', roomId, monitor, by]);
      return monitor === 'API' ? { result: 'acked', monitors: ['API'] } : { result: 'none' };
    },
  };
  return { acknowledger, calls };
}

describe('acknowledging from the room', () => {
  it('a 👍 by a moderator on an alert acknowledges that message\'s incident; other reactions and members do not', async () => {
    let alert = '';
    const ack = recordingAcknowledger(() => alert);
    vigie = startVigie(world, { acknowledger: ack.acknowledger });
    await synced(vigie);
    alert = await world.say('bot', '🔴 Down API');
    await world.react('member', alert, '👍');
    await world.react('mod', alert, '🎉');
    await world.react('mod', alert, '👍\uFE0F');
    await world.react('admin', alert, '✅');
    await waitFor('two acknowledgements', () => ack.calls.length === 2);
    await vigie.service.handler.idle();
    expect(ack.calls).toEqual([
      ['event', world.roomId, alert, world.people.mod],
      ['event', world.roomId, alert, world.people.admin],
    ]);
  });

  it('!vigie ack <monitor> answers what was acknowledged, or that nothing was open', async () => {
    const ack = recordingAcknowledger(() => '');
    vigie = startVigie(world, { acknowledger: ack.acknowledger });
    await synced(vigie);
    const yes = await world.say('mod', '!vigie ack API');
    const no = await world.say('mod', '!vigie ack "Site web"');
    await waitFor('both answers', () => world.repliesTo(yes).length === 1 && world.repliesTo(no).length === 1);
    expect(world.repliesTo(yes)[0]!.content.body).toBe('👍 Acknowledged: API. Resends stop until it recovers.');
    expect(world.repliesTo(no)[0]!.content.body).toBe('Site web has no open incident here.');
    expect(ack.calls).toEqual([['monitor', world.roomId, 'API', world.people.mod], ['monitor', world.roomId, 'Site web', world.people.mod]]);
  });

  it('without incidents (the default acknowledger) an ack says there is no open incident', async () => {
    vigie = startVigie(world);
    await synced(vigie);
    const asked = await world.say('mod', '!vigie ack API');
    await waitFor('the answer', () => world.repliesTo(asked).length === 1);
    expect(world.repliesTo(asked)[0]!.content.body).toBe('API has no open incident here.');
  });
});

describe('invites', () => {
  it('joins rooms when the inviter is allowed (by id or by server) or the room is configured; ignores others with one log line', async () => {
    const { hs, people } = world;
    const fromFriend = hs.createRoom({ creator: people.friend, invite: [people.bot] });
    const fromStranger = hs.createRoom({ creator: people.stranger, invite: [people.bot] });
    const configured = hs.createRoom({ creator: people.stranger });
    vigie = startVigie(world, { allowInvitesFrom: [people.friend], rooms: { other: configured } });
    await synced(vigie);
    hs.invite(people.stranger, people.bot, configured);
    const membership = (roomId: string) => hs.timeline(roomId).filter((e) => e.type === 'm.room.member' && e.state_key === people.bot).at(-1)?.content.membership;
    await waitFor('both joins', () => membership(fromFriend) === 'join' && membership(configured) === 'join');
    await waitFor('the ignored invite logged', () => vigie!.logs.lines.some((l) => l.roomId === fromStranger && /invite ignored/.test(l.msg)));
    expect(membership(fromStranger)).toBe('invite');
    expect(vigie.logs.lines.filter((l) => /invite ignored/.test(l.msg)).map((l) => [l.roomId, l.inviter])).toEqual([[fromStranger, people.stranger]]);
  });

  it('"*:server" allows every user of that server', async () => {
    const { hs, people } = world;
    const room = hs.createRoom({ creator: people.stranger, invite: [people.bot] });
    vigie = startVigie(world, { allowInvitesFrom: [`*:${hs.serverName}`] });
    await waitFor('the join', () => hs.timeline(room).some((e) => e.state_key === people.bot && e.content.membership === 'join'));
  });
});
