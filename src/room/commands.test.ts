import { describe, it, expect } from 'vitest';
import { parseCommand, type Command } from './commands.js';

describe('parseCommand', () => {
  const cases: Array<[string, Command | undefined]> = [
    ['hello everyone', undefined],
    ['vigie status', undefined],
    ['!vigieX status', undefined],
    ['!vigie', { kind: 'help' }],
    ['!vigie help', { kind: 'help' }],
    ['!VIGIE Status', { kind: 'status' }],
    ['  !vigie   status  ', { kind: 'status' }],
    ['!vigie status\n> quoted text below', { kind: 'status' }],
    // A reply with the (older) fallback: the quoted lines and the blank line come first.
    ['> <@vigie:x> 🔴 **DOWN — api**\n> Target: https://api\n\n!vigie ack api', { kind: 'ack', monitor: 'api' }],
    ['> <@vigie:x> 🔴 **DOWN — api**\n\nthanks', undefined],
    ['!vigie ack Site web', { kind: 'ack', monitor: 'Site web' }],
    ['!vigie ack "Site web"', { kind: 'ack', monitor: 'Site web' }],
    ['!vigie ack', { kind: 'help', problem: 'ack needs a monitor name, e.g. !vigie ack Site web' }],
    ['!vigie mute prod 2h', { kind: 'mute', target: 'prod', durationMs: 7_200_000 }],
    ['!vigie mute Site web 1h30m', { kind: 'mute', target: 'Site web', durationMs: 5_400_000 }],
    ['!vigie mute prod', { kind: 'help', problem: 'mute needs a monitor or a tag and a duration, e.g. !vigie mute prod 2h' }],
    ['!vigie mute prod soon', { kind: 'help', problem: '"soon" is not a duration: write it like 30m, 2h or 1d' }],
    ['!vigie mute prod 0s', { kind: 'help', problem: 'a mute needs a duration above zero, e.g. 30m' }],
    ['!vigie unmute prod', { kind: 'unmute', target: 'prod' }],
    ['!vigie unmute', { kind: 'help', problem: 'unmute needs a monitor or a tag, e.g. !vigie unmute prod' }],
    ['!vigie reboot', { kind: 'help', problem: 'unknown command "reboot"' }],
  ];
  it.each(cases)('%j', (body, expected) => {
    expect(parseCommand(body)).toEqual(expected);
  });
});
