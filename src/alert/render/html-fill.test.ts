import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertEvent, EventStatus } from '../event.js';
import { BUILTIN_TEMPLATES } from './builtin.js';
import { HtmlFill } from './html-fill.js';
import { markdownEscape, markdownToHtml } from './markdown.js';
import { compiledBothWays } from '../../../test/support/templates.js';

/** Templates where a value's first or last character could change how the Markdown around it reads. */
const TEMPLATES: Record<string, string> = {
  default: BUILTIN_TEMPLATES.default!,
  group: BUILTIN_TEMPLATES.group!,
  emphasis: '**{{ name }}**x _{{ msg }}_ ~~{{ hostnameOrURL }}~~y *{{ name }}*',
  heading: '# {{ name }}\n## {{ msg }} ##\n{{ hostnameOrURL }}',
  entity: '&{{ name }}; &#{{ msg }}; &am{{ hostnameOrURL }} {{ name }}amp;',
  links: '<{{ hostnameOrURL }}> [{{ name }}] [x]({{ hostnameOrURL }}) [{{ msg }} now](https://example.org)\n\n[ok]: https://example.org',
  autolink: '<https://{{ hostnameOrURL }}> \\{{ name }}',
  lines: '{{ name }}\n{{ msg }}\n\n- {{ hostnameOrURL }}\n> {{ name }}\n| a | {{ msg }} |\n|---|---|\n| {{ name }} | b |',
};
/** With the HTML filled in where it can be, and through two renders and markdown-it each time. */
const { fast: filled, slow: plain } = compiledBothWays(TEMPLATES, 'UTC');

/** What monitors send (words, URLs), and every character Markdown reads, at either end of a value. */
const word = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '.', ':', '/', '-', '*', '_', '#', '&', ';', '<', '>', '[', ']', 'é', '🔴'), minLength: 1, maxLength: 8 });
const text = fc.oneof(
  fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => words.join(' ')),
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', '7', ' ', '.', ':', '/', '-', 'é', '🔴'), maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '\n', '\t', '*', '_', '`', '#', '-', '+', '=', '>', '<', '[', ']', '(', ')', '&', ';', '|', '~', '\\', '!', '.', '🔴', '\u00a0'), maxLength: 12 }),
);
const eventArb = fc.record({
  status: fc.constantFrom<EventStatus>('down', 'up', 'test'), name: text, msg: text, hostnameOrURL: text, heartbeatMsg: fc.option(text),
}).map(({ status, name, msg, hostnameOrURL, heartbeatMsg }): AlertEvent => ({
  source: 'uptime-kuma:test', status, name, msg, hostnameOrURL, time: new Date('2026-11-26T12:10:01Z'), tags: [],
  heartbeatJSON: heartbeatMsg === null ? null : { status: 0, msg: heartbeatMsg }, monitorJSON: null,
}));

describe('filling values into a Markdown template rendered once', () => {
  it('gives the HTML markdown-it gives for the whole text, for any values', () => {
    fc.assert(fc.property(fc.constantFrom(...Object.keys(TEMPLATES)), eventArb, (name, event) => {
      expect(filled.render(name, event)).toEqual(plain.render(name, event));
    }), { numRuns: 4_000 });
    fc.assert(fc.property(fc.array(eventArb, { minLength: 1, maxLength: 4 }), (events) => {
      expect(filled.renderGroup('group', events)).toEqual(plain.renderGroup('group', events));
    }), { numRuns: 500 });
  });

  it('fills what monitors usually send', () => {
    const fill = new HtmlFill();
    const marked = '🔴 **DOWN — \uE0020\uE003**\nTarget: \uE0021\uE003\nMessage: \uE0022\uE003';
    const values = ['API &lt; prod', 'https://api.example.org/health?a=1&b=2', 'Request failed with status code 500'];
    const expected = markdownToHtml(marked.replace(/\uE002(\d)\uE003/g, (_m, i: string) => markdownEscape(values[Number(i)])));
    expect(fill.html(marked, values)).toBe(expected);
    // From the kept skeleton the second time.
    expect(fill.html(marked, values)).toBe(expected);
  });

  it.each([
    ['an empty value', '**\uE0020\uE003**', ''],
    ['a value on two lines', 'x \uE0020\uE003', 'a\nb'],
    ['a value ending in spaces', 'x \uE0020\uE003\ny', 'a  '],
    ['a heading closed by the value', '# \uE0020\uE003', 'a #'],
    ['punctuation against emphasis', '**\uE0020\uE003**x', 'a.'],
    ['an autolink', '<\uE0020\uE003>', 'https://example.org'],
    ['a link label', '[\uE0020\uE003]\n\n[a]: https://example.org', 'a'],
    ['an escaped first character', '\\\uE0020\uE003', '*a'],
    ['an entity across the boundary', '&\uE0020\uE003;', 'amp'],
    ['a link destination', '[x](\uE0020\uE003)', 'a'],
    ['code', '`a` \uE0020\uE003', 'a'],
  ])('leaves %s to markdown-it', (_case, marked, value) => {
    expect(new HtmlFill().html(marked, [value])).toBeUndefined();
  });
});
