import { describe, it, expect } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1m500ms', 60_500],
    ['1.5s', 1500],
    ['2d', 172_800_000],
    [' 20s ', 20_000],
    ['45', 45_000],
    [60, 60_000],
    [0.25, 250],
    [0, 0],
  ] as const)('%j is %i ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '5 min', '1h 30m', 'm5', '-5s', '5sec', '1y', 'soon', '1.s'])(
    'rejects %j with a message showing the expected form',
    (input) => {
      expect(() => parseDuration(input)).toThrow(`expected a duration like 30s, 5m or 1h, got ${JSON.stringify(input)}`);
    },
  );

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (input) => {
    expect(() => parseDuration(input)).toThrow(/expected a duration like 30s, 5m or 1h/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [30_000, '30s'],
    [5_400_000, '1h30m'],
    [90_061_001, '1d1h1m1s1ms'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
