import { describe, expect, it } from 'vitest';
import { sendPermission, type PowerLevels } from './power-levels.js';

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
