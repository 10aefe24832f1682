import { describe, it, expect } from 'vitest';
import { clockTime, statusText, type MonitorStatus } from './status-text.js';

const NOW = Date.parse('2025-06-02T12:40:00Z');
const at = (iso: string) => new Date(Date.parse(iso)).toISOString();
const m = (name: string, status: MonitorStatus['status'], since: string | null = null, message: string | null = null, maintenance: string | null = null): MonitorStatus =>
  ({ name, status, since, message, maintenance });

describe('statusText', () => {
  it('lists what is down, pending or in maintenance with since when, and counts the rest', () => {
    const text = statusText([
      m('API', 'down', at('2025-06-02T12:05:00Z'), 'connection refused'),
      m('Web', 'up', at('2025-06-01T08:00:00Z'), '200 - OK'),
      m('DB', 'pending', at('2025-06-02T12:39:30Z'), 'timeout after 5s'),
      m('Backup', 'maintenance', at('2025-06-01T22:00:00Z'), null, 'muted from Matrix by @alice:x'),
      m('New', null),
    ], [{ target: 'Backup', untilMs: Date.parse('2025-06-03T09:00:00Z'), by: '@alice:x', createdAt: 0 }], NOW, 'Europe/Paris');
    expect(text).toBe([
      '🔴 API — down since 14:05 (35m): connection refused',
      '🟠 DB — pending since 14:39 (just now): timeout after 5s',
      '🔧 Backup — maintenance since 00:00 (14h40m): muted from Matrix by @alice:x',
      '1 up, 1 not checked yet, of 5.',
      '🔇 Backup muted until 2025-06-03 11:00 by @alice:x',
    ].join('\n'));
  });

  it('lists the outages Uptime Kuma reported (their open incidents), with who acknowledged them', () => {
    const kuma = [
      { monitor: 'Shop', source: 'uptime-kuma:kuma', startedAt: Date.parse('2025-06-02T12:05:00Z'), ackedBy: '@alice:x' },
      { monitor: 'API', source: 'monitor', startedAt: Date.parse('2025-06-02T12:05:00Z'), ackedBy: null },
    ];
    expect(statusText([], [], NOW, 'Europe/Paris', kuma)).toBe('🔴 Shop — down since 14:05 (35m), from Uptime Kuma kuma, acknowledged by @alice:x');
    expect(statusText([m('API', 'down', at('2025-06-02T12:05:00Z'), 'refused')], [], NOW, 'Europe/Paris', kuma).split('\n'))
      .toEqual(['🔴 API — down since 14:05 (35m): refused', '0 up, of 1.', '🔴 Shop — down since 14:05 (35m), from Uptime Kuma kuma, acknowledged by @alice:x']);
  });

  it('says all is well, or that there is nothing to watch', () => {
    expect(statusText([m('API', 'up'), m('Web', 'up')], [], NOW, 'UTC')).toBe('✅ All 2 monitors are up.');
    expect(statusText([], [], NOW, 'UTC')).toBe('Vigie runs no monitors of its own here, and no outage reported to it is open in this room.');
  });

  it('writes times in the configured zone, with the date when not today', () => {
    expect(clockTime(NOW, NOW, 'America/New_York')).toBe('08:40');
    expect(clockTime(NOW - 86_400_000, NOW, 'UTC')).toBe('2025-06-01 12:40');
  });
});
