// The /sync token survives restarts: old commands are never answered twice, the first run skips the history.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { startVigie, startWorld, synced, tempFolder, type VigieRun, type World } from './harness.js';

let world: World;
let folder: Awaited<ReturnType<typeof tempFolder>>;
let vigie: VigieRun | undefined;

beforeEach(async () => {
  world = await startWorld();
  folder = await tempFolder();
});
afterEach(async () => {
  await vigie?.stop();
  vigie = undefined;
  await world.close();
  await folder.remove();
});

describe('restarts', () => {
  it('a first run ignores commands from before it; a restart answers what was said while down, and nothing twice', async () => {
    const dbPath = `${folder.path}/vigie.db`;
    const beforeVigie = await world.say('mod', '!vigie status');
    vigie = startVigie(world, { dbPath });
    await synced(vigie);
    const first = await world.say('mod', '!vigie help');
    await waitFor('the answer', () => world.repliesTo(first).length === 1);
    await vigie.stop();

    const whileDown = await world.say('mod', '!vigie status');
    vigie = startVigie(world, { dbPath });
    const after = await world.say('mod', '!vigie help');
    await waitFor('both answers', () => world.repliesTo(whileDown).length === 1 && world.repliesTo(after).length === 1);
    const ran = (run: VigieRun) => run.logs.lines.filter((l) => l.msg === 'command run').map((l) => l.eventId);
    expect(ran(vigie)).toEqual([whileDown, after]);
    await vigie.stop();

    vigie = startVigie(world, { dbPath });
    const last = await world.say('mod', '!vigie help');
    await waitFor('the answer', () => world.repliesTo(last).length === 1);
    expect(ran(vigie)).toEqual([last]);
    expect([beforeVigie, first, whileDown, after, last].map((id) => world.repliesTo(id).length)).toEqual([0, 1, 1, 1, 1]);
    expect(world.hs.messages(world.roomId).filter((m) => m.sender === world.people.bot)).toHaveLength(4);
  });
});
