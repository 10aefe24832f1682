import { describe, it, expect } from 'vitest';
import { Liquid } from 'liquidjs';
import type { AlertEvent } from '../event.js';
import { compileTemplates } from './templates.js';

/** A DOWN event at 2026-11-26 12:09:41.399 UTC (13:09:41 in Paris). */
function event(overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    source: 'monitor', status: 'down', name: 'Site', hostnameOrURL: 'https://example.org', msg: 'down',
    time: new Date('2026-11-26T12:09:41.399Z'), tags: [], heartbeatJSON: null, monitorJSON: null, ...overrides,
  };
}

function render(template: string, ev: AlertEvent = event(), timezone = 'Europe/Paris'): string {
  return compileTemplates({ t: template }, { timezone }).render('t', ev).body;
}

describe('date filter inputs', () => {
  it.each([
    ['{{ "now" | date: "%d/%m/%Y %H:%M" }}', '26/11/2026 13:09'],
    ['{{ "today" | date: "%Y-%m-%d %H:%M:%S" }}', '2026-11-26 13:09:41'],
    ['{{ 1700000000 | date: "%Y-%m-%d %H:%M" }}', '2023-11-14 23:13'],
    ['{{ "1700000000" | date: "%Y-%m-%d %H:%M" }}', '2023-11-14 23:13'],
    // Kuma's heartbeatJSON.time has no zone and is UTC.
    ['{{ "2026-11-26 12:09:41.399" | date: "%H:%M:%S.%L" }}', '13:09:41.399'],
    ['{{ "2026-07-01T12:00:00" | date: "%H:%M %z" }}', '14:00 +0200'],
    ['{{ "2026-11-26T12:09:41Z" | date: "%H:%M" }}', '13:09'],
    ['{{ "2026-11-26T12:09:41+05:00" | date: "%H:%M" }}', '08:09'],
    ['{{ "2026-11-26" | date: "%d %B %H:%M" }}', '26 November 01:00'],
    ['{{ "not a date" | date: "%H:%M" }}', 'not a date'],
    ['[{{ nothing | date: "%H:%M" }}]', '[]'],
    ['{{ "now" | date }}', 'Thursday, November 26, 2026 at 1:09 pm +0100'],
    ['{{ "now" | date: "%H:%M %Z", "America/New_York" }}', '07:09 America/New_York'],
    ['{{ "now" | date: "%H:%M %z", "+05:30" }}', '17:39 +0530'],
    ['{{ "now" | date_to_xmlschema }}', '2026-11-26T13:09:41+01:00'],
    ['{{ "now" | date_to_rfc822 }}', 'Thu, 26 Nov 2026 13:09:41 +0100'],
    ['{{ "now" | date_to_string }}', '26 Nov 2026'],
    ['{{ "now" | date_to_long_string: "ordinal" }}', '26th November 2026'],
    ['{{ "now" | date_to_string: "ordinal", "US" }}', 'Nov 26th, 2026'],
  ])('%s → %s', (template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('reads the heartbeat time of a Kuma event as UTC', () => {
    const ev = event({ heartbeatJSON: { status: 0, time: '2026-11-26 12:09:41.399' } });
    expect(render('{{ heartbeatJSON.time | date: "%H:%M" }}', ev)).toBe('13:09');
  });

  it('reads the heartbeat\'s local time with its offset, so it shows the same instant as its UTC time', () => {
    const heartbeatJSON = { status: 0, time: '2026-11-26 12:09:41.399', localDateTime: '2026-11-26 13:09:41', timezone: 'Europe/Paris', timezoneOffset: '+01:00' };
    expect(render('{{ heartbeatJSON.localDateTime | date: "%H:%M" }} {{ heartbeatJSON.time | date: "%H:%M" }}', event({ heartbeatJSON }))).toBe('13:09 13:09');
    // In another configured zone too: the instant, shown where the messages are read.
    expect(render('{{ heartbeatJSON.localDateTime | date: "%H:%M" }}', event({ heartbeatJSON }), 'UTC')).toBe('12:09');
  });

  it('formats Date values as they are', () => {
    const ev = event({ monitorJSON: { since: new Date('2026-01-15T08:00:00Z') } });
    expect(render('{{ monitorJSON.since | date: "%d/%m %H:%M" }}', ev)).toBe('15/01 09:00');
  });

  it('shows the time the alert is about, not the time it is rendered, so a delayed message tells when it happened', () => {
    const old = event({ time: new Date('2020-02-29T23:30:00Z') });
    expect(render('{{ "now" | date: "%d/%m/%Y %H:%M" }}', old)).toBe('01/03/2020 00:30');
  });

  it('uses summer time in summer and winter time in winter', () => {
    const template = '{{ "now" | date: "%H:%M %z" }}';
    expect(render(template, event({ time: new Date('2026-07-14T10:00:00Z') }))).toBe('12:00 +0200');
    expect(render(template, event({ time: new Date('2026-01-14T10:00:00Z') }))).toBe('11:00 +0100');
    expect(render(template, event({ time: new Date('2026-01-14T10:00:00Z') }), 'UTC')).toBe('10:00 +0000');
  });

  it('fails a render that names an unknown zone, saying which', () => {
    expect(() => render('{{ "now" | date: "%H", "Nowhere/Land" }}')).toThrow(/template "t".*unknown time zone "Nowhere\/Land"/);
  });

  it('refuses an unknown configured timezone at compile time', () => {
    expect(() => compileTemplates({}, { timezone: 'Europe/Pariss' })).toThrow(/unknown time zone "Europe\/Pariss"/);
  });
});

describe('date filter matches LiquidJS directive by directive (UTC, en-US)', () => {
  const liquid = new Liquid({ timezoneOffset: 0, locale: 'en-US' });
  const formats = ['%a', '%A', '%b', '%B', '%C', '%d', '%e', '%H', '%I', '%j', '%k', '%l', '%L', '%m', '%M', '%p', '%P',
    '%q', '%s', '%S', '%u', '%U', '%w', '%W', '%y', '%Y', '%z', '%:z', '%%', '%-d', '%-I', '%_H', '%^a', '%#B', '%05e', '%3N'];
  const instants = ['2026-03-05T09:05:03.007Z', '2026-12-31T23:59:59.999Z', '2024-02-29T12:00:00.000Z', '2026-01-01T00:00:00.000Z'];
  it.each(instants)('at %s', (iso) => {
    const seconds = Date.parse(iso) / 1000;
    for (const format of formats) {
      const theirs = liquid.parseAndRenderSync(`{{ t | date: f }}`, { t: seconds, f: format }) as string;
      expect(render(`{{ ${seconds} | date: "${format}" }}`, event(), 'UTC'), format).toBe(theirs);
    }
  });
});
