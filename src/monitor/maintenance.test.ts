import { describe, expect, it } from 'vitest';
import { compileWindows, inMaintenance, instantOf, maintenanceSchema, type MaintenanceConfig } from './maintenance.js';

const SITE = { name: 'Site', tags: ['web'] };
const at = (iso: string) => new Date(iso);

function windows(config: Record<string, unknown>, timezone = 'Europe/Paris') {
  return compileWindows([maintenanceSchema.parse(config)], timezone);
}

describe('inMaintenance: a recurring window on the wall clock of its zone', () => {
  const nightly = windows({ from: '02:00', to: '03:30' });
  it.each<[string, string, boolean]>([
    ['winter, 02:00 CET: the start is in', '2025-01-15T01:00:00Z', true],
    ['winter, 03:29:59 CET', '2025-01-15T02:29:59Z', true],
    ['winter, 03:30 CET: the end is out', '2025-01-15T02:30:00Z', false],
    ['winter, 01:59 CET', '2025-01-15T00:59:00Z', false],
    ['summer, 02:00 CEST', '2025-07-15T00:00:00Z', true],
    ['summer, 03:30 CEST', '2025-07-15T01:30:00Z', false],
    ['spring forward: 01:59 CET, just before the gap', '2025-03-30T00:59:00Z', false],
    ['spring forward: 03:00 CEST, right after the gap (02:00-03:00 never happens)', '2025-03-30T01:00:00Z', true],
    ['spring forward: 03:30 CEST, the end', '2025-03-30T01:30:00Z', false],
    ['fall back: 01:59 CEST', '2025-10-25T23:59:00Z', false],
    ['fall back: the first 02:00 (CEST)', '2025-10-26T00:00:00Z', true],
    ['fall back: the second 02:00 (CET): still in', '2025-10-26T01:00:00Z', true],
    ['fall back: 03:29 CET', '2025-10-26T02:29:00Z', true],
    ['fall back: 03:30 CET, the end', '2025-10-26T02:30:00Z', false],
  ])('%s', (_name, instant, expected) => {
    expect(inMaintenance(nightly, SITE, at(instant))).toBe(expected);
  });
});

describe('inMaintenance: days, and windows crossing midnight', () => {
  const fridayNight = windows({ weekdays: ['fri'], from: '23:00', to: '01:00' });
  const firstOfMonth = windows({ daysOfMonth: [1], from: '00:00', to: '00:00' }, 'UTC');
  it.each<[string, ReturnType<typeof windows>, string, boolean]>([
    ['Friday 23:00', fridayNight, '2025-01-17T22:00:00Z', true],
    ['Saturday 00:30: the window began on Friday', fridayNight, '2025-01-17T23:30:00Z', true],
    ['Saturday 01:00: its end', fridayNight, '2025-01-18T00:00:00Z', false],
    ['Thursday 23:30', fridayNight, '2025-01-16T22:30:00Z', false],
    ['Saturday 23:30: Saturday is not a day it begins on', fridayNight, '2025-01-18T22:30:00Z', false],
    ['Sunday 00:30: the night after Saturday', fridayNight, '2025-01-18T23:30:00Z', false],
    ['from == to is a whole day: the 1st at noon', firstOfMonth, '2025-02-01T12:00:00Z', true],
    ['the 1st at 00:00', firstOfMonth, '2025-02-01T00:00:00Z', true],
    ['the 2nd at 00:00', firstOfMonth, '2025-02-02T00:00:00Z', false],
    ['the 31st at 23:59', firstOfMonth, '2025-01-31T23:59:00Z', false],
  ])('%s', (_name, compiled, instant, expected) => {
    expect(inMaintenance(compiled, SITE, at(instant))).toBe(expected);
  });
});

describe('inMaintenance: one-off windows', () => {
  const local = windows({ start: '2025-07-01 22:00', end: '2025-07-02 02:00' });
  const utc = windows({ start: '2025-07-01T22:00:00Z', end: '2025-07-02T01:00+01:00' });
  it.each<[string, ReturnType<typeof windows>, string, boolean]>([
    ['before, on the zone\'s clock', local, '2025-07-01T19:59:59Z', false],
    ['its start (22:00 CEST)', local, '2025-07-01T20:00:00Z', true],
    ['after midnight', local, '2025-07-01T23:59:00Z', true],
    ['its end (02:00 CEST) is out', local, '2025-07-02T00:00:00Z', false],
    ['with offsets, the zone does not matter', utc, '2025-07-01T21:59:00Z', false],
    ['with offsets: its start', utc, '2025-07-01T22:00:00Z', true],
    ['with offsets: its end (01:00+01:00)', utc, '2025-07-02T00:00:00Z', false],
  ])('%s', (_name, compiled, instant, expected) => {
    expect(inMaintenance(compiled, SITE, at(instant))).toBe(expected);
  });
});

describe('which monitors a window holds', () => {
  const always = { from: '00:00', to: '00:00' };
  it.each<[string, Partial<MaintenanceConfig>, boolean]>([
    ['no monitors and no tags: every monitor', {}, true],
    ['named', { monitors: ['Site'] }, true],
    ['another one named', { monitors: ['Other'] }, false],
    ['by tag', { tags: ['db', 'web'] }, true],
    ['by another tag', { tags: ['db'] }, false],
    ['by name or tag', { monitors: ['Other'], tags: ['web'] }, true],
  ])('%s', (_name, fields, expected) => {
    expect(inMaintenance(windows({ ...always, ...fields }), SITE, at('2025-01-01T12:00:00Z'))).toBe(expected);
  });
});

describe('instantOf', () => {
  it.each([
    ['2025-01-15 02:00', 'Europe/Paris', '2025-01-15T01:00:00.000Z'],
    ['2025-07-15T02:00:30', 'Europe/Paris', '2025-07-15T00:00:30.000Z'],
    ['2025-07-15 02:00+0530', 'Europe/Paris', '2025-07-14T20:30:00.000Z'],
    // In the spring gap, 02:30 does not exist: it is read as the instant after the gap it would have been.
    ['2025-03-30 02:30', 'Europe/Paris', '2025-03-30T01:30:00.000Z'],
    ['2025-03-09 02:30', 'America/New_York', '2025-03-09T07:30:00.000Z'],
    // Given twice when clocks go back: the first.
    ['2025-10-26 02:30', 'Europe/Paris', '2025-10-26T00:30:00.000Z'],
    ['2025-11-02 01:30', 'America/New_York', '2025-11-02T05:30:00.000Z'],
  ])('%s in %s is %s', (text, zone, iso) => {
    expect(new Date(instantOf(text, zone)).toISOString()).toBe(iso);
  });
});

describe('maintenanceSchema', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['both kinds', { start: '2025-01-01 00:00', end: '2025-01-02 00:00', from: '01:00', to: '02:00' }, 'from', 'not both'],
    ['a one-off without end', { start: '2025-01-01 00:00' }, 'end', 'needs end'],
    ['an end before start', { start: '2025-01-02 00:00', end: '2025-01-01 00:00' }, 'end', 'after start'],
    ['a recurring without to', { from: '01:00' }, 'to', 'needs to'],
    ['nothing', { monitors: ['Site'] }, 'start', 'start and end (one-off), or from and to'],
    ['a bad time', { from: '25:00', to: '02:00' }, 'from', 'like "02:00"'],
    ['a bad day', { from: '01:00', to: '02:00', weekdays: ['funday'] }, 'weekdays.0', 'like "mon"'],
    ['days on a one-off', { start: '2025-01-01 00:00', end: '2025-01-02 00:00', weekdays: ['mon'] }, 'weekdays', 'only a recurring'],
    ['an unknown field', { from: '01:00', to: '02:00', tz: 'UTC' }, '', 'tz'],
  ])('refuses %s', (_name, config, path, message) => {
    const result = maintenanceSchema.safeParse(config);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path.join('.')).toBe(path);
    const keys = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
    expect(`${issue?.message} ${keys}`).toContain(message);
  });
});
