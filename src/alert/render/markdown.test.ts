import { describe, it, expect } from 'vitest';
import { markdownEscape, markdownToHtml, usesMarkdown } from './markdown.js';

describe('usesMarkdown looks at the template\'s own text only', () => {
  it.each([
    ['**{{ name }}** is down', true],
    ['__{{ name }}__ is down', true],
    ['{{ name }} is *down*', true],
    ['{{ name }} is _down_', true],
    ['~~{{ name }}~~', true],
    ['target `{{ hostnameOrURL }}`', true],
    ['```\n{{ msg }}\n```', true],
    ['# Alert\n{{ name }}', true],
    ['- {{ name }}\n- {{ msg }}', true],
    ['1. {{ name }}', true],
    ['> {{ msg }}', true],
    ['[{{ name }}]({{ hostnameOrURL }})', true],
    ['{{ name }} is down: {{ msg }}', false],
    ['{{ "**" }}{{ name }}{{ "**" }}', false],
    ['{% comment %}**not shown**{% endcomment %}{{ name }}', false],
    ['{% if status == "1" %}#1 up{% endif %} 3 * 4 = 12, a_b_c, 200 - OK', false],
    ['🖥️ Service : {{ name }}\n🌐 Cible : {{ hostnameOrURL }}', false],
  ])('%j → %s', (source, expected) => {
    expect(usesMarkdown(source)).toBe(expected);
  });
});

describe('markdownEscape shows monitor values as text in the HTML', () => {
  it.each([
    ['**bold** _it_ `code` ~~s~~', '<p>**bold** _it_ `code` ~~s~~</p>'],
    ['<script>alert(1)</script>', '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>'],
    ['[click](https://evil.example) ![img](x)', '<p>[click](https://evil.example) ![img](x)</p>'],
    ['<https://evil.example>', '<p>&lt;https://evil.example&gt;</p>'],
    ['&amp; &#64;', '<p>&amp;amp; &amp;#64;</p>'],
    ['# big\n- item\n+ item\n1. one\n2) two\n> quote', '<p># big<br>\n- item<br>\n+ item<br>\n1. one<br>\n2) two<br>\n&gt; quote</p>'],
    ['title\n---', '<p>title<br>\n---</p>'],
    ['title\n===', '<p>title<br>\n===</p>'],
    ['a | b\n--|--\nc | d', '<p>a | b<br>\n--|--<br>\nc | d</p>'],
    ['title\n:-', '<p>title<br>\n:-</p>'],
    ['back\\slash', '<p>back\\slash</p>'],
    ['@room ping', '<p>@room ping</p>'],
  ])('%j', (value, html) => {
    expect(markdownToHtml(markdownEscape(value))).toBe(html);
  });

  it('prints non-strings as Liquid does', () => {
    expect(markdownEscape(null)).toBe('');
    expect(markdownEscape(undefined)).toBe('');
    expect(markdownEscape(42)).toBe('42');
    expect(markdownEscape(['a', '*'])).toBe('a\\*');
  });
});

describe('markdownToHtml', () => {
  it('keeps single newlines as line breaks, like the plain body', () => {
    expect(markdownToHtml('**Down**\nline two')).toBe('<p><strong>Down</strong><br>\nline two</p>');
  });

  it('does not pass raw HTML nor link bare URLs', () => {
    expect(markdownToHtml('<b>x</b> https://example.org')).toBe('<p>&lt;b&gt;x&lt;/b&gt; https://example.org</p>');
  });
});

describe('a monitor value on a line of its own', () => {
  it('does not turn the template\'s line above it into a table (a `:-` alignment row)', () => {
    const html = markdownToHtml(`## ${markdownEscape('|')} ##\n${markdownEscape(':-')}`);
    expect(html).toBe('<h2>|</h2>\n<p>:-</p>');
  });
});
