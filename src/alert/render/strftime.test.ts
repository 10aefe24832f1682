import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { strftime } from './strftime.js';
import { zoneClock } from './zone-clock.js';

const at = (iso: string): number => Date.parse(iso);

describe('strftime directives (UTC, Thursday 2026-03-05 09:05:03.007)', () => {
  const morning = at('2026-03-05T09:05:03.007Z');
  const utc = zoneClock('UTC');
  it.each([
    ['%a', 'Thu'], ['%A', 'Thursday'], ['%b', 'Mar'], ['%h', 'Mar'], ['%B', 'March'],
    ['%c', 'Thu Mar  5 09:05:03 2026'], ['%C', '20'], ['%d', '05'], ['%e', ' 5'], ['%H', '09'],
    ['%I', '09'], ['%j', '064'], ['%k', ' 9'], ['%l', ' 9'], ['%L', '007'], ['%m', '03'], ['%M', '05'],
    ['%N', '007000000'], ['%3N', '007'], ['%p', 'AM'], ['%P', 'am'], ['%q', 'th'], ['%s', '1772701503'], ['%S', '03'],
    ['%u', '4'], ['%w', '4'], ['%x', '03/05/26'], ['%X', '09:05:03'], ['%y', '26'], ['%Y', '2026'],
    ['%z', '+0000'], ['%:z', '+00:00'], ['%Z', 'UTC'], ['%%', '%'], ['%t|%n', '\t|\n'],
    ['%-d/%-m %-H:%M', '5/3 9:05'], ['%^B %^a', 'MARCH THU'], ['%#p', 'am'], ['%_m', ' 3'], ['%010d', '0000000005'],
    ['%5Y', '02026'], ['%-5d', '5'], ['%Q stays', '%Q stays'], ['trailing %', 'trailing %'], ['no directive', 'no directive'],
  ])('%s → %j', (format, expected) => {
    expect(strftime(morning, format, utc)).toBe(expected);
  });

  it.each([
    ['2026-03-05T21:05:00Z', '%I %l %-l %p %P', '09  9 9 PM pm'],
    ['2026-03-05T00:30:00Z', '%I %l', '12 12'],
    ['2026-03-01T00:00:00Z', '%-d%q', '1st'], ['2026-03-02T00:00:00Z', '%-d%q', '2nd'],
    ['2026-03-03T00:00:00Z', '%-d%q', '3rd'], ['2026-03-11T00:00:00Z', '%-d%q', '11th'],
    ['2026-03-12T00:00:00Z', '%-d%q', '12th'], ['2026-03-13T00:00:00Z', '%-d%q', '13th'],
    ['2026-03-22T00:00:00Z', '%-d%q', '22nd'], ['2026-03-08T00:00:00Z', '%u %w', '7 0'],
    ['2024-12-31T00:00:00Z', '%j', '366'], ['2026-01-04T00:00:00Z', '%U %W', '01 00'],
  ])('%s with %j → %j', (iso, format, expected) => {
    expect(strftime(at(iso), format, utc)).toBe(expected);
  });
});

describe('strftime across DST changes and odd offsets', () => {
  const format = '%Y-%m-%d %H:%M:%S %z';
  it.each([
    // Europe/Paris, spring forward on 2026-03-29 at 01:00 UTC (02:00 CET → 03:00 CEST).
    ['Europe/Paris', '2026-03-29T00:59:59Z', '2026-03-29 01:59:59 +0100'],
    ['Europe/Paris', '2026-03-29T01:00:00Z', '2026-03-29 03:00:00 +0200'],
    // Europe/Paris, fall back on 2026-10-25 at 01:00 UTC: 02:30 happens twice.
    ['Europe/Paris', '2026-10-25T00:30:00Z', '2026-10-25 02:30:00 +0200'],
    ['Europe/Paris', '2026-10-25T00:59:59Z', '2026-10-25 02:59:59 +0200'],
    ['Europe/Paris', '2026-10-25T01:00:00Z', '2026-10-25 02:00:00 +0100'],
    ['Europe/Paris', '2026-10-25T01:30:00Z', '2026-10-25 02:30:00 +0100'],
    ['America/New_York', '2026-03-08T06:59:59Z', '2026-03-08 01:59:59 -0500'],
    ['America/New_York', '2026-03-08T07:00:00Z', '2026-03-08 03:00:00 -0400'],
    ['Asia/Kolkata', '2026-01-01T00:00:00Z', '2026-01-01 05:30:00 +0530'],
    ['Asia/Kathmandu', '2026-01-01T00:00:00Z', '2026-01-01 05:45:00 +0545'],
    // Chatham: +13:45 → +12:45; Lord Howe changes by 30 minutes, at half past a UTC hour.
    ['Pacific/Chatham', '2026-04-04T13:59:59Z', '2026-04-05 03:44:59 +1345'],
    ['Pacific/Chatham', '2026-04-04T14:00:00Z', '2026-04-05 02:45:00 +1245'],
    ['Australia/Lord_Howe', '2026-10-03T15:29:59Z', '2026-10-04 01:59:59 +1030'],
    ['Australia/Lord_Howe', '2026-10-03T15:30:00Z', '2026-10-04 02:30:00 +1100'],
    ['+05:30', '2026-01-01T00:00:00Z', '2026-01-01 05:30:00 +0530'],
    ['-0800', '2026-01-01T00:00:00Z', '2025-12-31 16:00:00 -0800'],
  ])('%s at %s → %s', (zone, iso, expected) => {
    expect(strftime(at(iso), format, zoneClock(zone))).toBe(expected);
  });

  it('agrees with Intl for any instant in 1970–2100, in zones with DST, :30 and :45 offsets', () => {
    const zones = ['Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Sao_Paulo'];
    const reference = new Map(zones.map((zone) => [zone, new Intl.DateTimeFormat('sv-SE', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    })]));
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constantFrom(...zones), (ms, zone) => {
      expect(strftime(ms, '%Y-%m-%d %H:%M:%S', zoneClock(zone))).toBe(reference.get(zone)!.format(ms));
    }), { numRuns: 2000 });
  });

  it('refuses an unknown zone with a message naming it', () => {
    expect(() => zoneClock('Mars/Olympus_Mons')).toThrow(/unknown time zone "Mars\/Olympus_Mons".*Europe\/Paris/);
  });
});
