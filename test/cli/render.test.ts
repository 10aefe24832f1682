import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { SEED_TEMPLATE } from '../../src/alert/render/builtin.js';
import { runCli, writeConfig } from '../support/cli.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/uptime-kuma/', import.meta.url));
// The example's configuration around the seed's template, as the tutorial's reader would paste it.
const SEED = `timezone: Europe/Paris
matrix: { homeserver: https://matrix.example.org }
rooms: { ops: "!abc:example.org" }
templates:
  seed: |
${SEED_TEMPLATE.trimEnd().split('\n').map((line) => (line === '' ? '' : `    ${line}`)).join('\n')}
routes: [{ rooms: [ops], template: seed }]
`;

describe('vigie render', () => {
  it('renders the seed template for a captured Kuma recovery, in the configured timezone', async () => {
    const run = await runCli(['render', '--config', writeConfig(SEED), '--event', `${FIXTURES}webhook-json__up.json`]);
    expect(run.code, run.all).toBe(0);
    // heartbeat.time 2026-11-26 12:10:01.398 UTC is 13:10 in Paris.
    expect(run.out.join('\n')).toBe([
      '✅ SERVICE EN LIGNE', '', '🖥️ Service : Local Target 9998', '🌐 Cible : http://127.0.0.1:9998/health',
      '💬 Message : [Local Target 9998] [✅ Up] 200 - OK', '⏰ Heure : 26/11/2026 13:10',
    ].join('\n'));
  });

  it('renders the alert branch for a captured Kuma outage', async () => {
    const run = await runCli(['render', '--config', writeConfig(SEED), '--event', `${FIXTURES}webhook-json__down.json`]);
    expect(run.out.join('\n').split('\n')[0]).toBe('🚨 ALERTE : SERVICE HORS LIGNE');
  });

  it('prints the Matrix content with --json', async () => {
    const run = await runCli(['render', '--config', writeConfig(SEED), '--status', 'up', '--json']);
    const content = JSON.parse(run.out.join('\n')) as Record<string, unknown>;
    expect(content).toMatchObject({ msgtype: 'm.text', 'm.mentions': {} });
    expect(String(content.body)).toMatch(/^✅ SERVICE EN LIGNE/);
  });

  it('refuses an unknown status with the list of valid ones', async () => {
    const run = await runCli(['render', '--config', writeConfig(SEED), '--status', 'sideways']);
    expect(run.code).toBe(1);
    expect(run.err[0]).toMatch(/--status must be one of up, down, pending, maintenance, test/);
  });
});

describe('vigie check-config', () => {
  it('accepts the seed configuration and notes the missing token', async () => {
    const run = await runCli(['check-config', '--config', writeConfig(SEED)]);
    expect(run.code, run.all).toBe(0);
    expect(run.out.join('\n')).toContain('no Matrix access token yet');
  });

  it('refuses a template that does not parse, naming it and the line, at start-up', async () => {
    const broken = SEED.replace("{% endif %}", '');
    const run = await runCli(['check-config', '--config', writeConfig(broken)]);
    expect(run.code).toBe(2);
    // Its first line is the line after `seed: |`, where the unclosed {% if %} is.
    expect(run.err[0]).toMatch(/vigie\.yaml:6: templates\.seed: tag \{% if status == '1' %\} not closed$/);
  });

  it('reads a captured Matrix notification as Kuma rendered it, and refuses a file that is no event, saying so', async () => {
    const config = writeConfig(SEED, { 'null.json': 'null' });
    const matrix = await runCli(['render', '--config', config, '--event', `${FIXTURES}matrix__down.json`]);
    expect(matrix.code, matrix.all).toBe(0);
    expect(matrix.out.join('\n')).toContain('🖥️ Service : Local Target 9998');
    const none = await runCli(['render', '--config', config, '--event', config.replace('vigie.yaml', 'null.json')]);
    expect(none.code).toBe(1);
    expect(none.err[0]).toMatch(/null\.json is not an event Vigie reads: /);
  });

  it('check-config tries each template on example events, and says which cannot render', async () => {
    const path = writeConfig(`matrix: { homeserver: https://matrix.example.org }\ntemplates:\n  t: "{{ heartbeatJSON.time | date: '%H:%M', 'Europe/Pariss' }}"\n`);
    const run = await runCli(['check-config', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.err.join('\n')).toContain('template "t" cannot render an example DOWN event: render failed: unknown time zone "Europe/Pariss"');
  });

  it('refuses a template file that does not parse, naming that file and its line', async () => {
    const path = writeConfig(`matrix: { homeserver: https://matrix.example.org }\ntemplates:\n  t: { file: ./t.liquid }\n`,
      { 't.liquid': 'Alert\n\n{{ name | upcase2 }}\n' });
    const run = await runCli(['check-config', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.err[0]).toMatch(/t\.liquid:3: templates\.t: undefined filter: upcase2$/);
  });

  it('points at the file, line and field of a mistake', async () => {
    const path = writeConfig(SEED.replace('rooms: { ops:', 'rooms: { ops:').replace('matrix: { homeserver: https://matrix.example.org }', 'matrix: { homeserver: https://matrix.example.org, msgtype: m.txt }'));
    const run = await runCli(['check-config', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.err[0]).toContain(`${path}:2: matrix.msgtype:`);
    expect(run.err[0]).toContain('"m.txt"');
  });

  it('says where the example is when the file is missing', async () => {
    const run = await runCli(['check-config', '--config', '/nonexistent/vigie.yaml']);
    expect(run.code).toBe(2);
    expect(run.err[0]).toMatch(/no configuration file at \/nonexistent\/vigie.yaml.*vigie.example.yaml/);
  });
});
