import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertEvent, EventStatus } from '../event.js';
import { BUILTIN_TEMPLATES } from './builtin.js';
import { oneRenderSuffices } from './one-pass.js';
import { compileTemplates } from './templates.js';
import { compiledBothWays } from '../../../test/support/templates.js';

/** Markdown templates exercising outputs in text, emphasis, code spans and fences, links, lists, raw, echo, cycle, loops. */
const TEMPLATES: Record<string, string> = {
  default: BUILTIN_TEMPLATES.default!,
  inline: '**{{ name }}** is _{{ status }}_: {{ msg }}\n> {{ heartbeatJSON.msg | default: "none" }}',
  code: 'target `{{ hostnameOrURL }}` and ``{{ name }}``\n```\n{{ msg }}\n{{ name | upcase }}\n```\n**{{ name }}**',
  link: '[{{ name }}]({{ hostnameOrURL }}) — *{{ msg | truncate: 20 }}*',
  list: '# {{ name }}\n- {{ msg }}\n- {{ name | size }} {{ name | raw }}\n1. {{ hostnameOrURL }}',
  tags: '**{{ name }}**{% for t in monitorJSON.tags %}\n- {{ t }}{% cycle "", " (again)" %}{% endfor %}\n{% echo msg | downcase %}',
  raw: '**{{ name }}** {{ msg | raw }} `{{ hostnameOrURL }}`',
  logic: "{% if name contains '*' %}**starred {{ name }}**{% else %}_plain {{ name }}_{% endif %}\n{% assign n = msg | split: ' ' %}{{ n | first }} `{{ n | last }}`",
};

const { fast: once, slow: twice } = compiledBothWays(TEMPLATES, 'Europe/Paris');

/** Text a monitor might send, Markdown, HTML and the private-use marker characters included. */
const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '7', ' ', '\n', '*', '_', '`', '#', '-', '+', '>', '[', ']', '(', ')', '<', '&', ';', '|', '~', '\\', '.', '!', '\uE000', '\uE001', '\uE002', '\uE003', '🔴'), maxLength: 40 });

const eventArb = fc.record({
  status: fc.constantFrom<EventStatus>('down', 'up', 'pending', 'maintenance', 'test', 'certificate'),
  name: text, msg: text, hostnameOrURL: text, heartbeatMsg: fc.option(text), tags: fc.array(text, { maxLength: 3 }),
}).map(({ status, name, msg, hostnameOrURL, heartbeatMsg, tags }): AlertEvent => ({
  source: 'uptime-kuma:test', status, name, msg, hostnameOrURL, time: new Date('2026-11-26T12:10:01Z'), tags: [],
  heartbeatJSON: heartbeatMsg === null ? null : { status: 0, msg: heartbeatMsg }, monitorJSON: { tags },
}));

describe('one render for both texts of a Markdown template', () => {
  it('gives exactly what two renders give, for any values', () => {
    fc.assert(fc.property(fc.constantFrom(...Object.keys(TEMPLATES)), eventArb, (name, event) => {
      expect(once.render(name, event)).toEqual(twice.render(name, event));
    }), { numRuns: 2_000 });
  });

  it.each([
    ['a marker printed raw', { msg: 'x \uE0020\uE003 y' }],
    ['a code placeholder printed raw', { msg: '\uE0000\uE001' }],
    ['marker characters in a value', { name: '\uE0021\uE003', hostnameOrURL: '\uE0020\uE001' }],
  ])('gives what two renders give with %s', (_case, values) => {
    const event: AlertEvent = {
      source: 'monitor', status: 'down', name: 'n', msg: 'm', hostnameOrURL: 'h', time: new Date(0), tags: [], heartbeatJSON: null, monitorJSON: null, ...values,
    };
    for (const name of ['raw', 'code', 'default']) expect(once.render(name, event)).toEqual(twice.render(name, event));
  });

  it('is not used where rendered outputs may come back into variables, or for marker characters in the template', () => {
    expect(oneRenderSuffices(BUILTIN_TEMPLATES.default!)).toBe(true);
    expect(oneRenderSuffices('{% capture x %}**{{ name }}**{% endcapture %}{{ x | size }}')).toBe(false);
    expect(oneRenderSuffices('**{{ name }}** \uE0020\uE003')).toBe(false);
  });

  it('keeps capture working as with two renders', () => {
    const set = compileTemplates({ cap: '{% capture x %}**{{ name }}**{% endcapture %}{{ x | size }} {{ x }}' }, { timezone: 'UTC' });
    const event: AlertEvent = {
      source: 'monitor', status: 'down', name: 'a*b', msg: '', hostnameOrURL: '', time: new Date(0), tags: [], heartbeatJSON: null, monitorJSON: null,
    };
    expect(set.render('cap', event)).toEqual({ body: '7 **a*b**', html: '<p>8 **a\\*b**</p>' });
  });
});
