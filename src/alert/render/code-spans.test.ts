import { describe, it, expect } from 'vitest';
import type { AlertEvent } from '../event.js';
import { markCodeOutputs } from './code-spans.js';
import { compileTemplates } from './templates.js';

describe('markCodeOutputs finds outputs in code spans and fences', () => {
  it.each([
    ['`{{ a }}` and {{ b }}', '`{{ a  | vigie_code_value }}` and {{ b }}'],
    ['``{{ a }} ` x`` {{ b }}', '``{{ a  | vigie_code_value }} ` x`` {{ b }}'],
    ['`{{- a | upcase -}}`', '`{{- a | upcase  | vigie_code_value -}}`'],
    ['```\n{{ a }}\n```\n{{ b }}', '```\n{{ a  | vigie_code_value }}\n```\n{{ b }}'],
    ['~~~\n{{ a }}\n~~~', '~~~\n{{ a  | vigie_code_value }}\n~~~'],
    ['`not closed {{ a }}', '`not closed {{ a }}'],
    ['`a`\n{{ b }}`', '`a`\n{{ b }}`'],
    ['{% raw %}`{{ a }}`{% endraw %}', '{% raw %}`{{ a }}`{% endraw %}'],
    ['`{% if x %}{{ a }}{% endif %}`', '`{% if x %}{{ a  | vigie_code_value }}{% endif %}`'],
    ['no code {{ a }}', 'no code {{ a }}'],
  ])('%j', (source, expected) => {
    expect(markCodeOutputs(source)).toBe(expected);
  });
});

describe('values in a template\'s code spans read as they are, without backslashes, and stay text', () => {
  const event: AlertEvent = {
    source: 'monitor', status: 'down', name: 'api_v2', hostnameOrURL: 'https://h.example/a_b?x=[1]&y=*',
    msg: '**m** <i>x</i>\nline2', time: new Date('2026-11-26T12:00:00Z'), tags: [], heartbeatJSON: null, monitorJSON: null,
  };
  const set = compileTemplates({ code: '**{{ name }}** at `{{ hostnameOrURL }}`\n```\n{{ msg }}\n```' }, { timezone: 'UTC' });

  it('renders the HTML with the raw values, HTML-escaped', () => {
    expect(set.render('code', event).html).toBe('<p><strong>api_v2</strong> at <code>https://h.example/a_b?x=[1]&amp;y=*</code></p>\n'
      + '<pre><code>**m** &lt;i&gt;x&lt;/i&gt;\nline2\n</code></pre>');
  });

  it('leaves the plain body as the template wrote it', () => {
    expect(set.render('code', event).body).toBe('**api_v2** at `https://h.example/a_b?x=[1]&y=*`\n```\n**m** <i>x</i>\nline2\n```');
  });
});
