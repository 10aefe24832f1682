import { describe, it, expect } from 'vitest';
import type { AlertEvent, EventStatus } from '../event.js';
import { compileTemplates, TemplateError } from './templates.js';

/** An event at 2026-11-26 12:10:01 UTC, 13:10 in Paris. */
function event(status: EventStatus, overrides: Partial<AlertEvent> = {}): AlertEvent {
  const label = status === 'up' ? '✅ Up' : '🔴 Down';
  return {
    source: 'monitor', status, name: 'Site web', hostnameOrURL: 'https://example.org',
    msg: `[Site web] [${label}] ${status === 'up' ? '200 - OK' : 'connect ECONNREFUSED'}`,
    time: new Date('2026-11-26T12:10:01.398Z'), tags: [], heartbeatJSON: null, monitorJSON: null, ...overrides,
  };
}

const paris = compileTemplates({}, { timezone: 'Europe/Paris' });

describe('the seed template (tutorial section 4) works as its author meant', () => {
  it.each([
    ['up', event('up'), [
      '✅ SERVICE EN LIGNE', '', '🖥️ Service : Site web', '🌐 Cible : https://example.org',
      '💬 Message : [Site web] [✅ Up] 200 - OK', '⏰ Heure : 26/11/2026 13:10']],
    ['down', event('down'), [
      '🚨 ALERTE : SERVICE HORS LIGNE', '', '🖥️ Service : Site web', '🌐 Cible : https://example.org',
      '💬 Message : [Site web] [🔴 Down] connect ECONNREFUSED', '⏰ Heure : 26/11/2026 13:10']],
    ['Kuma test', event('test', { name: '', hostnameOrURL: '', msg: 'kuma Testing' }), [
      '🚨 ALERTE : SERVICE HORS LIGNE', '', '🖥️ Service : Monitor Name not available', '🌐 Cible : testing.hostname',
      '💬 Message : kuma Testing', '⏰ Heure : 26/11/2026 13:10']],
    ['up in summer', event('up', { time: new Date('2026-07-14T08:05:00Z') }), [
      '✅ SERVICE EN LIGNE', '', '🖥️ Service : Site web', '🌐 Cible : https://example.org',
      '💬 Message : [Site web] [✅ Up] 200 - OK', '⏰ Heure : 14/07/2026 10:05']],
  ] as const)('%s', (_case, ev, lines) => {
    expect(paris.render('seed', ev)).toEqual({ body: lines.join('\n') });
  });

  it('shows the time in UTC when so configured', () => {
    const utc = compileTemplates({}, { timezone: 'UTC' });
    expect(utc.render('seed', event('up')).body).toMatch(/⏰ Heure : 26\/11\/2026 12:10$/);
  });
});

describe('the built-in default template', () => {
  it.each([
    ['down', '🔴 **DOWN — Site web**', '🔴 <strong>DOWN — Site web</strong>'],
    ['up', '✅ **UP — Site web**', '✅ <strong>UP — Site web</strong>'],
    ['pending', '🟡 **PENDING — Site web**', '🟡 <strong>PENDING — Site web</strong>'],
    ['maintenance', '🔧 **MAINTENANCE — Site web**', '🔧 <strong>MAINTENANCE — Site web</strong>'],
    ['test', '⚠️ **TEST — Site web**', '⚠️ <strong>TEST — Site web</strong>'],
  ] as const)('%s: bold state line, target, message, time in the zone', (status, stateLine, stateHtml) => {
    const ev = event(status, { msg: 'connect ECONNREFUSED' });
    expect(paris.render('default', ev)).toEqual({
      body: `${stateLine}\nTarget: https://example.org\nMessage: connect ECONNREFUSED\nTime: 2026-11-26 13:10:01 Europe/Paris`,
      html: `<p>${stateHtml}<br>\nTarget: https://example.org<br>\nMessage: connect ECONNREFUSED<br>\nTime: 2026-11-26 13:10:01 Europe/Paris</p>`,
    });
  });

  it('prefers the heartbeat\'s own message and leaves out an empty target', () => {
    const ev = event('down', { hostnameOrURL: '', heartbeatJSON: { status: 0, msg: 'Request failed with status code 500' } });
    expect(paris.render('default', ev).body).toBe(
      '🔴 **DOWN — Site web**\nMessage: Request failed with status code 500\nTime: 2026-11-26 13:10:01 Europe/Paris');
  });

  it('can be replaced from the config', () => {
    const set = compileTemplates({ default: '{{ name }} {{ status }}' }, { timezone: 'UTC' });
    expect(set.render('default', event('down'))).toEqual({ body: 'Site web 🔴 Down' });
  });
});

describe('values from monitors are shown as text, never markup', () => {
  const hostile = event('down', {
    name: '**x** <b>y</b>',
    msg: '<script>alert(1)</script> @room [click](https://evil.example)\n# big\n- item',
  });

  it('in the HTML of a Markdown template', () => {
    const set = compileTemplates({ md: '**{{ name }}**\n{{ msg }}' }, { timezone: 'UTC' });
    const { body, html } = set.render('md', hostile);
    expect(body).toBe(`**${hostile.name}**\n${hostile.msg}`);
    expect(html).toBe('<p><strong>**x** &lt;b&gt;y&lt;/b&gt;</strong><br>\n'
      + '&lt;script&gt;alert(1)&lt;/script&gt; @room [click](https://evil.example)<br>\n# big<br>\n- item</p>');
  });

  it('in the built-in default', () => {
    const { body, html } = paris.render('default', hostile);
    expect(body).toContain('<script>alert(1)</script> @room');
    expect(html).not.toMatch(/<script|<a |<h1|<li|<b>/);
    expect(html).toContain('<strong>DOWN — **x** &lt;b&gt;y&lt;/b&gt;</strong>');
  });

  it('and a plain template gets no HTML at all: one render', () => {
    expect(paris.render('seed', hostile).html).toBeUndefined();
  });
});

describe('template errors', () => {
  it('refuses a template that does not parse, naming it and the line', () => {
    const compile = (): unknown => compileTemplates({ broken: 'ok\n{% if status == 1 %}\nno end' }, { timezone: 'UTC' });
    expect(compile).toThrow(TemplateError);
    expect(compile).toThrow(/template "broken": tag \{% if status == 1 %\} not closed, line:2, col:1 \(fix it under templates: in the config\)/);
    try {
      compile();
    } catch (error) {
      expect((error as TemplateError).template).toBe('broken');
    }
  });

  it('refuses a misspelt filter at start-up rather than printing the value unfiltered', () => {
    expect(() => compileTemplates({ typo: '{{ name | upcse }}' }, { timezone: 'UTC' })).toThrow(/template "typo": undefined filter: upcse/);
  });

  it.each(["{% include 'header' %}", "{% render 'header' %}", "{% layout 'base' %}"])('refuses %s: templates come only from the config', (source) => {
    expect(() => compileTemplates({ files: source }, { timezone: 'UTC' })).toThrow(/template "files".*cannot read files/);
  });

  it('refuses a template longer than the parse limit', () => {
    expect(() => compileTemplates({ long: 'x'.repeat(5000) }, { timezone: 'UTC', limits: { parseLimit: 4000 } }))
      .toThrow(/template "long": is 5000 characters long, more than the limit of 4000/);
  });

  it('stops a huge loop with an error instead of hanging', () => {
    const set = compileTemplates({ loop: '{% for i in (1..1000000000) %}{{ i }}{% endfor %}' }, { timezone: 'UTC' });
    expect(() => set.render('loop', event('down'))).toThrow(/template "loop": render failed: memory alloc limit exceeded/);
  });

  it('stops a slow render at the time limit', () => {
    const source = '{% for a in (1..3000) %}{% for b in (1..3000) %}{% if a == b %}x{% endif %}{% endfor %}{% endfor %}';
    const set = compileTemplates({ slow: source }, { timezone: 'UTC', limits: { renderLimitMs: 50, memoryLimit: 1e9 } });
    const started = performance.now();
    expect(() => set.render('slow', event('down'))).toThrow(/template "slow": render failed: template render limit exceeded/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('names the known templates when asked for an unknown one', () => {
    expect(() => paris.render('nope', event('up'))).toThrow(/template "nope": no such template \(known: default, seed, kuma-text, group\)/);
  });

  it('lists every template, built-ins first', () => {
    const set = compileTemplates({ mine: '{{ name }}' }, { timezone: 'UTC' });
    expect(set.names).toEqual(['default', 'seed', 'kuma-text', 'group', 'mine']);
    expect(set.has('mine')).toBe(true);
    expect(set.has('other')).toBe(false);
  });
});
