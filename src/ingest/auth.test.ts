import { describe, it, expect } from 'vitest';
import { bearerToken, redactTokens, sourceLookup } from './auth.js';

const SOURCES = [
  { name: 'a', token: 'token-a', rooms: ['ops'] },
  { name: 'b', token: 'token-b' },
  { name: 'empty', token: undefined },
  { name: 'blank', token: '' },
];

describe('sourceLookup', () => {
  const lookup = sourceLookup(SOURCES);
  it.each([
    ['token-a', 'a'],
    ['token-b', 'b'],
    ['token-', undefined],
    ['token-aa', undefined],
    ['TOKEN-A', undefined],
    ['', undefined],
    [undefined, undefined],
    ['undefined', undefined],
  ])('%j → %s', (presented, expected) => {
    expect(lookup(presented)?.name).toBe(expected);
  });

  it('gives the first source when two share a token', () => {
    expect(sourceLookup([{ name: 'x', token: 't' }, { name: 'y', token: 't' }])('t')?.name).toBe('x');
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer  abc ', 'abc'],
    ['Basic YWxhZGRpbjpvcGVuc2VzYW1l', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
    [['Bearer a', 'Bearer b'], undefined],
  ])('%j → %s', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});

describe('redactTokens', () => {
  it.each([
    ['/ingest/uptime-kuma/s3cret', '/ingest/uptime-kuma/[redacted]'],
    ['/ingest/uptime-kuma/s3cret?msg=x', '/ingest/uptime-kuma/[redacted]?msg=x'],
    ['/_matrix/client/r0/rooms/!a/send/m.room.message/t?access_token=s3cret&x=1', '/_matrix/client/r0/rooms/!a/send/m.room.message/t?access_token=[redacted]&x=1'],
    ['/healthz', '/healthz'],
  ])('%s', (url, expected) => {
    expect(redactTokens(url)).toBe(expected);
  });
});
