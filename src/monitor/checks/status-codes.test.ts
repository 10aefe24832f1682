import { describe, expect, it } from 'vitest';
import { STATUS_CODE_PATTERN, statusAccepted } from './status-codes.js';

describe('statusAccepted (Kuma\'s checkStatusCode)', () => {
  it.each<[number, string[], boolean]>([
    [200, ['200-299'], true], [299, ['200-299'], true], [300, ['200-299'], false],
    [301, ['200-299', '301'], true], [302, ['200-299', '301'], false], [500, [], false],
  ])('%s in %j is %s', (status, accepted, expected) => {
    expect(statusAccepted(status, accepted)).toBe(expected);
  });

  it('accepts "200" and "200-299" as entries, not "2xx"', () => {
    expect(['200', '200-299', ' 301 '].every((entry) => STATUS_CODE_PATTERN.test(entry))).toBe(true);
    expect(['2xx', '200-', '99', '200-299-300'].some((entry) => STATUS_CODE_PATTERN.test(entry))).toBe(false);
  });
});
