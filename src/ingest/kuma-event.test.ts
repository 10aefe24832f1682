import { describe, it, expect } from 'vitest';
import { hasKumaShape, kumaEventFromPayload, kumaEventFromText, kumaTime, PayloadError } from './kuma-event.js';

const NOW = new Date('2026-11-26T12:30:00.000Z');
const OPTIONS = { source: 'uptime-kuma:k', now: NOW };
const MONITOR = { name: 'DNS', type: 'dns', hostname: 'example.org', port: 53, tags: [{ name: 'prod', value: '' }, 'edge', 3] };

describe('kumaEventFromPayload', () => {
  it.each([
    [0, 'down'], [1, 'up'], [2, 'pending'], [3, 'maintenance'], ['1', 'up'], [' 0 ', 'down'],
  ])('heartbeat.status %j is %s', (code, status) => {
    expect(kumaEventFromPayload({ heartbeat: { status: code }, monitor: MONITOR, msg: 'm' }, OPTIONS).status).toBe(status);
  });

  it.each([[''], [' '], [4], [null], [true], ['up'], [undefined]])('refuses heartbeat.status %j, naming it', (code) => {
    expect(() => kumaEventFromPayload({ heartbeat: { status: code }, monitor: null, msg: '' }, OPTIONS)).toThrow(PayloadError);
    expect(() => kumaEventFromPayload({ heartbeat: { status: code }, monitor: null, msg: '' }, OPTIONS)).toThrow(/heartbeat\.status must be/);
  });

  it('reads name, Kuma\'s address, tag names and the UTC time', () => {
    const event = kumaEventFromPayload({ heartbeat: { status: 0, time: '2026-11-26 12:09:41.399' }, monitor: MONITOR, msg: 'm' }, OPTIONS);
    expect(event).toMatchObject({ name: 'DNS', hostnameOrURL: 'example.org:53', tags: ['prod', 'edge'], msg: 'm' });
    expect(event.time.toISOString()).toBe('2026-11-26T12:09:41.399Z');
  });

  it('reads a test notification as a test timed now', () => {
    expect(kumaEventFromPayload({ heartbeat: null, monitor: null, msg: 'K Testing' }, OPTIONS))
      .toMatchObject({ status: 'test', name: '', msg: 'K Testing', time: NOW, heartbeatJSON: null, monitorJSON: null });
  });

  it('makes Kuma\'s certificate warning a certificate event with its monitor name and URL', () => {
    const msg = '[Site][https://example.org] server certificate example.org will expire in 14 days';
    expect(kumaEventFromPayload({ heartbeat: null, monitor: null, msg }, OPTIONS))
      .toMatchObject({ status: 'certificate', name: 'Site', hostnameOrURL: 'https://example.org', msg });
  });

  it.each([
    [null, /JSON object/], [[], /JSON object/], [{}, /at least one/], [{ heartbeat: 'x', msg: 'a' }, /heartbeat must be an object/],
    [{ monitor: [1], msg: 'a' }, /monitor must be an object/],
  ])('refuses %j', (payload, reason) => {
    expect(() => kumaEventFromPayload(payload, OPTIONS)).toThrow(reason);
  });
});

describe('hasKumaShape', () => {
  it.each([
    [{ heartbeat: null, monitor: null, msg: 'x' }, true],
    [{ heartbeat: {}, msg: 'x' }, true],
    [{ monitor: {} }, true],
    [{ msg: 'x' }, false],
    [{ heartbeat: 'down', msg: 'x' }, false],
    [{ heartbeat: null, msg: 3 }, false],
    ['x', false],
    [[{ heartbeat: null }], false],
  ])('%j → %s', (value, expected) => {
    expect(hasKumaShape(value)).toBe(expected);
  });
});

describe('kumaEventFromText', () => {
  it('makes a real event of Kuma\'s line, with a minimal heartbeat', () => {
    const { event, recognised } = kumaEventFromText('[Site] [✅ Up] 200 - OK', OPTIONS);
    expect(recognised).toBe(true);
    expect(event).toMatchObject({
      status: 'up', name: 'Site', msg: '[Site] [✅ Up] 200 - OK', hostnameOrURL: '', time: NOW, monitorJSON: null,
      heartbeatJSON: { status: 1, msg: '200 - OK', time: '2026-11-26 12:30:00.000' },
    });
  });

  it('looks for the line in the candidates (the string values of a JSON body)', () => {
    const text = '{"text":"[Site] [🔴 Down] boom"}';
    expect(kumaEventFromText(text, OPTIONS, ['[Site] [🔴 Down] boom']).event).toMatchObject({ status: 'down', msg: '[Site] [🔴 Down] boom' });
  });

  it('keeps an unreadable text as it is, as a down alert', () => {
    expect(kumaEventFromText('  Backup failed  ', OPTIONS)).toEqual({
      recognised: false,
      event: { source: 'uptime-kuma:k', status: 'down', name: '', hostnameOrURL: '', msg: 'Backup failed', time: NOW, tags: [], heartbeatJSON: null, monitorJSON: null },
    });
  });

  it('reads a Kuma test message as a test, and a certificate warning as a certificate event', () => {
    expect(kumaEventFromText('Hook Testing', OPTIONS).event.status).toBe('test');
    expect(kumaEventFromText('[S][http://s] server certificate s will expire in 3 days', OPTIONS).event).toMatchObject({ status: 'certificate', name: 'S' });
  });
});

describe('Kuma times', () => {
  it.each([
    ['2026-11-26 12:09:41.399', '2026-11-26T12:09:41.399Z'],
    ['2026-11-26T12:09:41+02:00', '2026-11-26T10:09:41.000Z'],
    ['2026-11-26 12:09:41Z', '2026-11-26T12:09:41.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(kumaTime(text)?.toISOString()).toBe(iso);
  });

  it.each([['yesterday'], [42], [null]])('%j is no time', (value) => {
    expect(kumaTime(value)).toBeUndefined();
  });
});

describe('Kuma group monitors', () => {
  it('takes the group from the monitor\'s path, for routes', () => {
    const payload = { heartbeat: { status: 0, msg: 'down', time: '2026-11-26 12:00:00' }, monitor: { name: 'pg', type: 'port', path: ['Databases', 'pg'] }, msg: 'x' };
    expect(kumaEventFromPayload(payload, { source: 'uptime-kuma:k', now: new Date() }).group).toBe('Databases');
    const alone = { ...payload, monitor: { ...payload.monitor, path: ['pg'] } };
    expect(kumaEventFromPayload(alone, { source: 'uptime-kuma:k', now: new Date() }).group).toBeUndefined();
  });
});
