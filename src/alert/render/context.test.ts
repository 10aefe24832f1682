import { describe, it, expect } from 'vitest';
import type { AlertEvent } from '../event.js';
import { kumaContext, kumaHostnameOrURL } from './context.js';

describe('kumaHostnameOrURL follows Kuma\'s extractAddress', () => {
  it.each([
    [{ type: 'http', url: 'https://example.org/health' }, 'https://example.org/health'],
    [{ type: 'keyword', url: 'https://example.org' }, 'https://example.org'],
    [{ type: 'http', url: 'https://' }, ''],
    [{ type: 'http', url: 'http://' }, ''],
    [{ type: 'http', url: null }, ''],
    [{ type: 'port', hostname: 'db.lan', port: 5432 }, 'db.lan:5432'],
    [{ type: 'port', hostname: 'db.lan', port: null }, 'db.lan'],
    [{ type: 'dns', hostname: 'example.org', port: 53 }, 'example.org:53'],
    [{ type: 'steam', hostname: 'game.lan', port: 27015 }, 'game.lan:27015'],
    [{ type: 'ping', hostname: '10.0.0.1', port: 80 }, '10.0.0.1'],
    [{ type: 'ping', hostname: null }, ''],
    [{ type: 'push', url: 'https://example.org' }, 'Heartbeat'],
    [{ type: 'globalping', subtype: 'ping', hostname: 'a.example' }, 'a.example'],
    [{ type: 'globalping', subtype: 'http', url: 'https://b.example' }, 'https://b.example'],
    [{ type: 'globalping', subtype: 'mtr', hostname: 'a.example' }, ''],
  ])('%j → %j', (monitor, expected) => {
    expect(kumaHostnameOrURL(monitor)).toBe(expected);
  });

  it('is empty without a monitor', () => {
    expect(kumaHostnameOrURL(null)).toBe('');
  });
});

describe('kumaContext', () => {
  const base: AlertEvent = {
    source: 'uptime-kuma:kuma', status: 'down', name: 'Site', hostnameOrURL: 'https://example.org', msg: '[Site] [🔴 Down] 500',
    time: new Date('2026-11-26T12:00:00Z'), tags: [], heartbeatJSON: { status: 0 }, monitorJSON: { name: 'Site' },
  };

  it('has exactly Kuma\'s variables, legacy names included', () => {
    const ctx = kumaContext(base);
    expect(Object.keys(ctx).sort()).toEqual(
      ['HOSTNAME_OR_URL', 'NAME', 'STATUS', 'heartbeatJSON', 'hostnameOrURL', 'monitorJSON', 'msg', 'name', 'status'].sort());
    expect(ctx).toMatchObject({ NAME: 'Site', HOSTNAME_OR_URL: 'https://example.org', name: 'Site', msg: base.msg });
    expect(String(ctx.status)).toBe('🔴 Down');
    expect(ctx.heartbeatJSON).toBe(base.heartbeatJSON);
    expect(ctx.monitorJSON).toBe(base.monitorJSON);
  });

  it('gives a test event without name or target Kuma\'s placeholders', () => {
    const ctx = kumaContext({ ...base, status: 'test', name: '', hostnameOrURL: '', heartbeatJSON: null, monitorJSON: null });
    expect(ctx).toMatchObject({ name: 'Monitor Name not available', NAME: 'Monitor Name not available', hostnameOrURL: 'testing.hostname' });
    expect(String(ctx.status)).toBe('⚠️ Test');
  });

  it('keeps the name and target a test event brings (vigie send-test)', () => {
    const ctx = kumaContext({ ...base, status: 'test', name: 'Vigie', hostnameOrURL: 'https://vigie.example' });
    expect(ctx).toMatchObject({ name: 'Vigie', hostnameOrURL: 'https://vigie.example' });
  });

  it('keeps an empty target on a real event (Kuma prints nothing there)', () => {
    expect(kumaContext({ ...base, hostnameOrURL: '' }).hostnameOrURL).toBe('');
  });
});
