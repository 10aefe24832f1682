import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inMaintenance } from '../monitor/maintenance.js';
import { openDatabase, type Database } from '../store/db.js';
import { kvValue } from './kv.js';
import { MuteStore } from './mutes.js';

let db: Database;
let now: number;
beforeEach(() => {
  db = openDatabase(':memory:');
  now = 1_000_000;
});
afterEach(() => db.close());

describe('MuteStore', () => {
  it('holds the monitor of that name and the monitors with that tag until it ends', () => {
    const mutes = new MuteStore(db, { now: () => now });
    mutes.mute('prod', now + 3_600_000, '@alice:x');
    const windows = mutes.windows();
    expect(inMaintenance(windows, { name: 'API', tags: ['prod'] }, now)).toBe(true);
    expect(inMaintenance(windows, { name: 'prod', tags: [] }, now)).toBe(true);
    expect(inMaintenance(windows, { name: 'Web', tags: ['www'] }, now)).toBe(false);
    expect(inMaintenance(windows, { name: 'API', tags: ['prod'] }, now + 3_600_000)).toBe(false);
    now += 3_600_000;
    expect(mutes.active()).toEqual([]);
  });

  it('is kept in the database; a new mute of the same target replaces it; unmute ends it', () => {
    new MuteStore(db, { now: () => now }).mute('API', now + 60_000, '@alice:x');
    const again = new MuteStore(db, { now: () => now });
    expect(again.active()).toEqual([{ target: 'API', untilMs: now + 60_000, by: '@alice:x', createdAt: now }]);
    again.mute('API', now + 120_000, '@bob:x');
    expect(again.active().map((m) => [m.untilMs, m.by])).toEqual([[now + 120_000, '@bob:x']]);
    expect(again.unmute('API')).toBe(true);
    expect(again.unmute('API')).toBe(false);
    expect(new MuteStore(db).active()).toEqual([]);
  });
});

describe('kvValue', () => {
  it('reads back what was written, by key', () => {
    const a = kvValue(db, 'a');
    expect(a.get()).toBeUndefined();
    a.set('s1');
    a.set('s2');
    expect(kvValue(db, 'a').get()).toBe('s2');
    expect(kvValue(db, 'b').get()).toBeUndefined();
  });
});
