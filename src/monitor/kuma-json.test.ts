import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kumaHostnameOrURL } from '../alert/render/context.js';
import { heartbeatJSON, kumaTime, kumaType, monitorJSON, type MonitorFields } from './kuma-json.js';
import { DOWN, UP } from './state.js';

const fixture = (name: string) => (JSON.parse(readFileSync(new URL(`../../test/fixtures/uptime-kuma/${name}`, import.meta.url), 'utf8')) as {
  body: { heartbeat: Record<string, unknown>; monitor: Record<string, unknown> };
}).body;

const COMMON = { interval: 20_000, retryInterval: 20_000, maxretries: 0, resendInterval: 0, tags: [], upsideDown: false, timeout: 16_000 };
const HTTP: MonitorFields = {
  ...COMMON, name: 'Local Target 9998', type: 'http', url: 'http://127.0.0.1:9998/health', method: 'GET',
  acceptedStatusCodes: ['200-299'], maxRedirects: 10, ignoreTls: false, invertKeyword: false, expiryNotification: false,
};

describe('monitorJSON', () => {
  it('has every field of Kuma 2.5\'s monitor object, with the same types', () => {
    const kuma = fixture('webhook-json__down.json').monitor;
    const ours = monitorJSON(HTTP, 1);
    for (const [key, value] of Object.entries(kuma)) {
      expect(ours, key).toHaveProperty(key);
      if (value !== null) expect(typeof ours[key], key).toBe(typeof value);
    }
  });

  it('says what Kuma says for the same http monitor', () => {
    const kuma = fixture('webhook-json__down.json').monitor;
    const ours = monitorJSON(HTTP, 1);
    for (const key of ['id', 'name', 'url', 'method', 'hostname', 'port', 'type', 'timeout', 'interval', 'retryInterval',
      'maxretries', 'resendInterval', 'upsideDown', 'accepted_statuscodes', 'maxredirects', 'tags', 'keyword', 'jsonPath']) {
      expect(ours[key], key).toEqual(kuma[key]);
    }
  });

  it.each<[string, Partial<MonitorFields>, string, string]>([
    ['http', {}, 'http', 'http://127.0.0.1:9998/health'],
    ['http with a keyword', { keyword: 'OK' }, 'keyword', 'http://127.0.0.1:9998/health'],
    ['http with a JSON query', { jsonQuery: 'status', expectedValue: 'ok', jsonPathOperator: '==' }, 'json-query', 'http://127.0.0.1:9998/health'],
    ['tcp', { type: 'tcp', hostname: 'db.example.org', port: 5432 }, 'port', 'db.example.org:5432'],
    ['dns', { type: 'dns', hostname: 'example.org', recordType: 'A' }, 'dns', 'example.org'],
    ['ping', { type: 'ping', hostname: '10.0.0.1', count: 1 }, 'ping', '10.0.0.1'],
    ['push', { type: 'push', token: 'secret-token-1234' }, 'push', 'Heartbeat'],
  ])('%s is Kuma\'s type %s, and Kuma\'s address rule reads it as the check does', (_name, fields, type, address) => {
    const monitor: MonitorFields = { ...HTTP, ...fields };
    expect(kumaType(monitor)).toBe(type);
    expect(kumaHostnameOrURL(monitorJSON(monitor, 7))).toBe(address);
  });

  it('never carries headers, a body or a push token', () => {
    const text = JSON.stringify(monitorJSON({ ...HTTP, headers: { authorization: 'Bearer s3cret' }, body: 's3cret', token: 's3cret' }, 1));
    expect(text).not.toContain('s3cret');
  });

  it('writes tags as Kuma\'s tag objects', () => {
    expect(monitorJSON({ ...HTTP, tags: ['prod', 'env:eu'] }, 1).tags).toEqual([{ name: 'prod', value: '' }, { name: 'env', value: 'eu' }]);
  });
});

describe('heartbeatJSON', () => {
  const beat = { monitorId: 1, time: Date.parse('2026-11-26T12:09:41.399Z'), status: DOWN, msg: 'Request failed with status code 500', important: true, retries: 1 } as const;

  it('has Kuma\'s fields and Kuma\'s way of writing times', () => {
    const kuma = fixture('webhook-json__down.json').heartbeat;
    const ours = heartbeatJSON(beat, 'UTC');
    for (const key of Object.keys(kuma).filter((k) => k !== 'response')) expect(ours[key], key).toEqual(kuma[key]);
    expect(ours.ping).toBeNull();
  });

  it('gives the local time and offset of the configured zone', () => {
    expect(heartbeatJSON({ ...beat, status: UP, ping: 4 }, 'Europe/Paris')).toMatchObject({
      status: 1, ping: 4, time: '2026-11-26 12:09:41.399', timezone: 'Europe/Paris', timezoneOffset: '+01:00', localDateTime: '2026-11-26 13:09:41',
    });
    expect(heartbeatJSON(beat, 'America/St_Johns')).toMatchObject({ timezoneOffset: '-03:30', localDateTime: '2026-11-26 08:39:41' });
  });
});

describe('kumaTime', () => {
  it('writes a time as Kuma does: UTC, no zone, milliseconds', () => {
    expect(kumaTime(new Date('2026-01-02T03:04:05.006Z').getTime())).toBe('2026-01-02 03:04:05.006');
  });
});
