import { describe, it, expect } from 'vitest';
import type { AlertEvent, EventStatus } from '../event.js';
import { compileTemplates } from './templates.js';

function event(status: EventStatus): AlertEvent {
  return {
    source: 'monitor', status, name: 'Site', hostnameOrURL: 'https://example.org', msg: 'm',
    time: new Date('2026-11-26T12:00:00Z'), tags: [], heartbeatJSON: null, monitorJSON: null,
  };
}

function render(template: string, status: EventStatus): string {
  return compileTemplates({ t: template }, { timezone: 'UTC' }).render('t', event(status)).body;
}

/** [status, Liquid literal, equal?] */
const EQUALITY: [EventStatus, string, boolean][] = [
  ['up', "'1'", true], ['up', '1', true], ['up', "'up'", true], ['up', "'UP'", true], ['up', "'Up'", true],
  ['up', "'✅ Up'", true], ['up', "'0'", false], ['up', '0', false], ['up', "'down'", false],
  ['up', "'🔴 Down'", false], ['up', "'test'", false], ['up', "''", false], ['up', 'nil', false], ['up', 'empty', false],
  ['down', "'0'", true], ['down', '0', true], ['down', "'down'", true], ['down', "'DOWN'", true],
  ['down', "'🔴 Down'", true], ['down', "'1'", false], ['down', '1', false], ['down', "'up'", false], ['down', "'✅ Up'", false],
  ['pending', '2', true], ['pending', "'2'", true], ['pending', "'pending'", true], ['pending', '1', false], ['pending', "'up'", false],
  ['maintenance', '3', true], ['maintenance', "'3'", true], ['maintenance', "'MAINTENANCE'", true], ['maintenance', '0', false],
  ['test', "'test'", true], ['test', "'⚠️ Test'", true], ['test', "'⚠ Test'", true], ['test', "'Test'", true],
  ['test', '1', false], ['test', '0', false], ['test', "'1'", false], ['test', "'up'", false], ['test', "''", false],
];

describe('status compares like a person means it', () => {
  it.each(EQUALITY)('%s: status == %s is %s, and != is the opposite, either side', (status, literal, equal) => {
    const yes = equal ? 'yes' : 'no';
    const no = equal ? 'no' : 'yes';
    expect(render(`{% if status == ${literal} %}yes{% else %}no{% endif %}`, status)).toBe(yes);
    expect(render(`{% if ${literal} == status %}yes{% else %}no{% endif %}`, status)).toBe(yes);
    expect(render(`{% if status != ${literal} %}yes{% else %}no{% endif %}`, status)).toBe(no);
    expect(render(`{% if STATUS == ${literal} %}yes{% else %}no{% endif %}`, status)).toBe(yes);
  });

  it.each([
    ['up', 'UP'], ['down', 'DOWN'], ['test', 'TEST'], ['pending', 'OTHER'], ['maintenance', 'OTHER'],
  ] as const)('case/when routes %s to %s', (status, expected) => {
    const template = "{% case status %}{% when '1' %}UP{% when 0 %}DOWN{% when 'test' %}TEST{% else %}OTHER{% endcase %}";
    expect(render(template, status)).toBe(expected);
  });

  it('case/when accepts several values in one branch', () => {
    const template = "{% case status %}{% when 'up', 'down' %}CHANGE{% else %}OTHER{% endcase %}";
    expect(render(template, 'down')).toBe('CHANGE');
    expect(render(template, 'test')).toBe('OTHER');
  });

  it.each([
    ['up', "'Up'", true], ['down', "'Up'", false], ['down', "'Down'", true], ['test', "'Test'", true], ['test', "'Up'", false],
  ] as const)('%s: status contains %s is %s (as on Kuma\'s label)', (status, literal, expected) => {
    expect(render(`{% if status contains ${literal} %}yes{% else %}no{% endif %}`, status)).toBe(expected ? 'yes' : 'no');
  });

  it.each([
    ['up', '1', 'no'], ['up', '0', 'yes'], ['down', '0', 'no'], ['test', '0', 'no'],
  ] as const)('%s: status > %s orders by code', (status, literal, expected) => {
    expect(render(`{% if status > ${literal} %}yes{% else %}no{% endif %}`, status)).toBe(expected);
  });
});

describe('status prints Kuma\'s label and filters treat it as that string', () => {
  it.each([
    ['{{ status }}', 'up', '✅ Up'], ['{{ status }}', 'down', '🔴 Down'], ['{{ status }}', 'test', '⚠️ Test'],
    ['{{ STATUS }}', 'down', '🔴 Down'], ['{{ status | upcase }}', 'up', '✅ UP'], ['{{ status | downcase }}', 'down', '🔴 down'],
    ['{{ status | append: "!" }}', 'up', '✅ Up!'], ['{{ "[" | append: status }}', 'up', '[✅ Up'],
    ['{{ status | size }}', 'up', '4'], ['{{ status.size }}', 'up', '4'], ['{{ status | json }}', 'down', '"🔴 Down"'],
    ['{{ status | replace: "Up", "OK" }}', 'up', '✅ OK'], ['{{ status | split: " " | last }}', 'down', 'Down'],
    ['{{ status | default: "none" }}', 'up', '✅ Up'],
    ['{% assign s = status | append: "" %}{% if s == "✅ Up" %}same{% endif %}', 'up', 'same'],
  ] as const)('%s for %s → %s', (template, status, expected) => {
    expect(render(template, status)).toBe(expected);
  });
});
