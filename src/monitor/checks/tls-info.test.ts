import { describe, expect, it } from 'vitest';
import { daysRemaining, dueExpiryWarning, expiryMessage } from './tls-info.js';

const now = new Date('2025-06-01T12:00:00Z');
const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000);

describe('daysRemaining', () => {
  it.each([[6, 6], [5.6, 6], [5.4, 5], [0.2, 0], [-2, -2]])('%s days ahead is %s', (ahead, expected) => {
    expect(daysRemaining(inDays(ahead), now)).toBe(expected);
  });
});

describe('expiryMessage', () => {
  it.each([
    [6, 'certificate expires in 6 days'], [1, 'certificate expires in 1 day'],
    [0, 'certificate expires today'], [-1, 'certificate expired 1 day ago'], [-3, 'certificate expired 3 days ago'],
  ])('%s days', (days, message) => {
    expect(expiryMessage({ validTo: inDays(days), daysRemaining: days })).toBe(message);
  });
});

describe('dueExpiryWarning', () => {
  it.each<[string, number, number[], number | undefined]>([
    ['far from every threshold', 30, [], undefined],
    ['first threshold crossed', 13, [], 14],
    ['already warned at 14', 10, [14], undefined],
    ['next threshold crossed', 6, [14], 7],
    ['first seen at 6 days: one warning, the tightest', 6, [], 7],
    ['warned at 7, not again at 5', 5, [14, 7], undefined],
    ['expired: the last threshold', -1, [14, 7], 1],
    ['expired and warned at 1', -1, [14, 7, 1], undefined],
  ])('%s', (_name, days, warned, expected) => {
    expect(dueExpiryWarning(days, [14, 7, 1], warned)).toBe(expected);
  });
});
