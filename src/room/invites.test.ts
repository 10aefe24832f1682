import { describe, it, expect } from 'vitest';
import { inviterAllowed } from './invites.js';

describe('inviterAllowed', () => {
  const cases: Array<[string, string[], boolean]> = [
    ['@alice:example.org', ['@alice:example.org'], true],
    ['@alice:example.org', ['@bob:example.org'], false],
    ['@alice:example.org', ['*:example.org'], true],
    ['@alice:evil.example.org', ['*:example.org'], false],
    ['@alice:example.org.evil', ['*:example.org'], false],
    ['@alice:example.org', [], false],
    ['@alice:example.org', ['*'], false],
  ];
  it.each(cases)('%s with %j → %s', (user, patterns, allowed) => {
    expect(inviterAllowed(user, patterns)).toBe(allowed);
  });
});
