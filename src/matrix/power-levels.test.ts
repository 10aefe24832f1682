import { describe, expect, it } from 'vitest';
import { roomCreators, sendPermission, userPowerLevel, type PowerLevels } from './power-levels.js';

const bot = '@vigie:example.org';

describe('sendPermission', () => {
  it.each<[string, PowerLevels | null, boolean, number, number]>([
    ['no power_levels event: everyone may post', null, true, 0, 0],
    ['default room: users 0, messages 0', { users_default: 0, events_default: 0 }, true, 0, 0],
    ['announcement room: messages need 50', { users_default: 0, events_default: 50 }, false, 0, 50],
    ['the bot raised to 50', { users: { [bot]: 50 }, events_default: 50 }, true, 50, 50],
    ['m.room.message set apart', { events: { 'm.room.message': 75 }, events_default: 0, users: { [bot]: 50 } }, false, 50, 75],
    ['levels written as strings', { users_default: '10' as unknown as number, events_default: '10' as unknown as number }, true, 10, 10],
  ])('%s', (_name, levels, allowed, userLevel, requiredLevel) => {
    expect(sendPermission(levels, bot, 'm.room.message')).toEqual({ allowed, userLevel, requiredLevel });
  });
});

describe('creators', () => {
  it('have unlimited power from room version 12, and 100 in an older room without power levels', () => {
    const v12 = roomCreators({ sender: bot, content: { room_version: '12', additional_creators: ['@co:example.org'] } });
    expect(v12).toEqual({ ids: [bot, '@co:example.org'], unlimited: true });
    expect(sendPermission({ events_default: 100, users: {} }, bot, 'm.room.message', v12)).toMatchObject({ allowed: true, userLevel: Infinity });
    const v10 = roomCreators({ sender: bot, content: { creator: bot, room_version: '10', additional_creators: ['@co:example.org'] } });
    expect(v10).toEqual({ ids: [bot], unlimited: false });
    expect(userPowerLevel(null, bot, v10)).toBe(100);
    expect(userPowerLevel({ users_default: 0 }, bot, v10)).toBe(0);
    // A server answering the content alone (no format=event): only content.creator is known.
    expect(roomCreators({ creator: bot, room_version: '9' }).ids).toEqual([bot]);
  });
});
