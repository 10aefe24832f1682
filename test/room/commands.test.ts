// Commands typed in the room, against the test homeserver: answers, power levels, mutes that the engine obeys.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { monitor, startVigie, tempFolder, startWorld, switchableCheck, synced, type VigieRun, type World } from './harness.js';

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

const bodyOf = (entry: { content: Record<string, unknown> }) => entry.content.body as string;
const down = { status: 'down' as const, message: 'connection refused', ms: 1 };

describe('!vigie commands in the room', () => {
  it('a moderator asks for status and gets a notice replying to the command, listing what is down', async () => {
    const check = switchableCheck();
    check.answers.set('API', down);
    vigie = startVigie(world, { monitors: [monitor('API', ['prod']), monitor('Web', ['prod'])], check });
    await synced(vigie);
    await waitFor('API down', () => vigie!.engine!.snapshot().some((m) => m.name === 'API' && m.status === 'down'));
    const asked = await world.say('mod', '!vigie status');
    await waitFor('the answer', () => world.repliesTo(asked).length === 1);
    const [answer] = world.repliesTo(asked);
    expect(answer!.content.msgtype).toBe('m.notice');
    expect(bodyOf(answer!)).toMatch(/^🔴 API — down since \d\d:\d\d \(just now\): connection refused\n1 up, of 2\.$/);
    expect(answer!.content['m.mentions']).toEqual({ user_ids: [world.people.mod] });
  });

  it('a member below the power level gets one short refusal, and nothing is done', async () => {
    vigie = startVigie(world, { monitors: [monitor('API', ['prod'])], check: switchableCheck() });
    await synced(vigie);
    const first = await world.say('member', '!vigie mute prod 1h');
    await waitFor('the refusal', () => world.repliesTo(first).length === 1);
    expect(bodyOf(world.repliesTo(first)[0]!)).toBe('Sorry, commands need power level 50 in this room (you have 0).');
    expect(vigie.mutes.active()).toEqual([]);
    // A second try soon after is refused silently: a member cannot make the bot flood the room.
    const second = await world.say('member', '!vigie status');
    const marker = await world.say('mod', '!vigie help');
    await waitFor('the help', () => world.repliesTo(marker).length === 1);
    expect(world.repliesTo(second)).toEqual([]);
  });

  it('unknown commands get help; the bot\'s own messages and notices are never taken as commands', async () => {
    vigie = startVigie(world);
    await synced(vigie);
    const asked = await world.say('admin', '!vigie reboot');
    await waitFor('the help', () => world.repliesTo(asked).length === 1);
    expect(bodyOf(world.repliesTo(asked)[0]!)).toMatch(/^Sorry, unknown command "reboot"\.\nVigie understands:\n!vigie status/);
    const notice = (await world.clients.admin.sendEvent(world.roomId, 'm.room.message', 'n1', { msgtype: 'm.notice', body: '!vigie status' })).eventId;
    const own = await world.say('bot', '!vigie status');
    const marker = await world.say('admin', '!vigie help');
    await waitFor('the help', () => world.repliesTo(marker).length === 1);
    expect([...world.repliesTo(notice), ...world.repliesTo(own)]).toEqual([]);
  });

  it('!vigie mute <tag> 1h: the engine skips that tag\'s monitors and sends no alert; unmute restores them', async () => {
    const check = switchableCheck();
    vigie = startVigie(world, { monitors: [monitor('API', ['prod']), monitor('Web', ['www'])], check });
    await synced(vigie);
    await waitFor('both up', () => vigie!.engine!.snapshot().every((m) => m.status === 'up'));
    const mute = await world.say('mod', '!vigie mute prod 1h');
    await waitFor('the answer', () => world.repliesTo(mute).length === 1);
    // The date is shown when the hour ends on another day (within an hour of midnight).
    expect(bodyOf(world.repliesTo(mute)[0]!)).toMatch(/^🔇 Muted for 1h, until (\d{4}-\d\d-\d\d )?\d\d:\d\d: API\. Checks are skipped/);
    check.answers.set('API', down);
    check.answers.set('Web', down);
    const alerts = () => world.hs.messages(world.roomId).filter((m) => m.content.msgtype === 'm.text' && m.sender === world.people.bot).map(bodyOf);
    await waitFor('Web\'s alert', () => alerts().includes('🔴 Down Web'));
    await waitFor('API in maintenance', () => vigie!.engine!.snapshot().find((m) => m.name === 'API')?.status === 'maintenance');
    const runsOf = (name: string) => check.runs.filter((n) => n === name).length;
    const [apiRuns, webRuns] = [runsOf('API'), runsOf('Web')];
    await waitFor('three more checks of Web', () => runsOf('Web') >= webRuns + 3);
    expect(runsOf('API')).toBe(apiRuns);
    expect(alerts()).toEqual(['🔴 Down Web']);

    const unmute = await world.say('mod', '!vigie unmute prod');
    await waitFor('the answer', () => world.repliesTo(unmute).length === 1);
    expect(bodyOf(world.repliesTo(unmute)[0]!)).toBe('🔔 Unmuted: API. Checks and alerts resume from the next check.');
    await waitFor('API\'s alert', () => alerts().includes('🔴 Down API'));
  });

  it('a mute is kept across restarts', async () => {
    const folder = await tempFolder();
    try {
      const dbPath = `${folder.path}/vigie.db`;
      vigie = startVigie(world, { dbPath, monitors: [monitor('API', ['prod'])], check: switchableCheck() });
      await synced(vigie);
      const mute = await world.say('admin', '!vigie mute API 2h');
      await waitFor('the answer', () => world.repliesTo(mute).length === 1);
      await vigie.stop();
      vigie = startVigie(world, { dbPath, monitors: [monitor('API', ['prod'])], check: switchableCheck() });
      expect(vigie.mutes.active().map((m) => [m.target, m.by])).toEqual([['API', world.people.admin]]);
      await waitFor('API in maintenance', () => vigie!.engine!.snapshot()[0]?.status === 'maintenance');
    } finally {
      await vigie?.stop();
      vigie = undefined;
      await folder.remove();
    }
  });
});
