import { describe, it, expect } from 'vitest';
import { isHomeserver, listenAddress, parseListenAddress, roomTarget, timeZoneField } from './fields.js';

describe('room targets', () => {
  it.each(['!abcxyz:example.org', '!abc:matrix.example.org:8448', '#ops:example.org', '!kUx3p5lXH-_u4RdWBFvVDTCnDpF2LvT2Yl8PqMNdQtw'])(
    'accepts %s',
    (room) => expect(roomTarget().safeParse(room).success).toBe(true),
  );
  it.each(['abcxyz:example.org', '#ops', '@bot:example.org', '! a:example.org', '', '#ops:'])('rejects %j', (room) => {
    expect(roomTarget().safeParse(room).success).toBe(false);
  });
});

describe('homeservers', () => {
  it.each(['https://matrix.example.org', 'http://127.0.0.1:8008', 'https://example.org/prefix', 'example.org', 'matrix.example.org:8448', 'localhost'])(
    'accepts %s',
    (value) => expect(isHomeserver(value)).toBe(true),
  );
  it.each(['ftp://example.org', 'https://', 'matrix example.org', '', '@bot:example.org', 'https//example.org'])('rejects %j', (value) => {
    expect(isHomeserver(value)).toBe(false);
  });
});

describe('listen addresses', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
  ])('%s is %j', (value, parts) => {
    expect(listenAddress().safeParse(value).success).toBe(true);
    expect(parseListenAddress(value)).toEqual(parts);
  });
  it.each(['8080', 'localhost', '::1:8080', '127.0.0.1:70000', '127.0.0.1:'])('rejects %j', (value) => {
    expect(listenAddress().safeParse(value).success).toBe(false);
    expect(() => parseListenAddress(value)).toThrow(/expected host:port like 127.0.0.1:8080/);
  });
});

describe('timezone', () => {
  it('defaults to the machine\'s zone and accepts IANA names', () => {
    expect(timeZoneField.parse(undefined)).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(timeZoneField.parse('Europe/Paris')).toBe('Europe/Paris');
    expect(timeZoneField.safeParse('Paris').success).toBe(false);
  });
});
