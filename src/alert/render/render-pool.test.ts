import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logging.js';
import type { AlertEvent } from '../event.js';
import { startRenderPool, type RenderPool } from './render-pool.js';
import { compileTemplates } from './templates.js';

const SEED = '{% if status contains "Up" %}✅ SERVICE EN LIGNE{% else %}🚨 ALERTE : {{ monitorJSON.name }}{% endif %} — {{ msg }} à {{ heartbeatJSON.time }}';
const TEMPLATES = { seed: SEED, looping: '{% for i in (1..100000000) %}x{% endfor %}' };

const event: AlertEvent = {
  source: 'uptime-kuma:main', status: 'down', name: 'API', hostnameOrURL: 'https://api.example.org/health',
  msg: 'Request failed with status code 500 <script>@room</script>', time: new Date('2026-11-26T22:15:03Z'), tags: ['prod'],
  heartbeatJSON: { status: 0, msg: 'Request failed with status code 500 <script>@room</script>', time: '2026-11-26 22:15:03.120' },
  monitorJSON: { name: 'API', type: 'http', url: 'https://api.example.org/health' },
};

describe('the render pool', () => {
  let pool: RenderPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('renders in its worker exactly what the main thread renders, Markdown and timezone included', async () => {
    pool = startRenderPool({ templates: {}, timezone: 'Europe/Paris' }, silentLogger());
    expect(await pool.whenReady()).toBe(true);
    const inline = compileTemplates({}, { timezone: 'Europe/Paris' });
    const rendered = await pool.render(JSON.stringify(event), ['default', 'seed']);
    expect(rendered?.get('default')).toEqual(inline.render('default', event));
    expect(rendered?.get('seed')).toEqual(inline.render('seed', event));
    expect(rendered?.get('default')?.html).toContain('&lt;script&gt;');
  });

  it('uses the configuration\'s templates, and leaves out those it cannot render for the main thread to handle', async () => {
    pool = startRenderPool({ templates: TEMPLATES, timezone: 'UTC' }, silentLogger());
    expect(await pool.whenReady()).toBe(true);
    const rendered = await pool.render(JSON.stringify(event), ['seed', 'looping', 'unknown']);
    expect(rendered?.get('seed')?.body).toBe(compileTemplates(TEMPLATES, { timezone: 'UTC' }).render('seed', event).body);
    expect([...rendered!.keys()]).toEqual(['seed']);
  });

  it('answers undefined, so the caller renders, before it is ready and once it is closed', async () => {
    pool = startRenderPool({ templates: {}, timezone: 'UTC' }, silentLogger());
    expect(await pool.render(JSON.stringify(event), ['default'])).toBeUndefined();
    await pool.whenReady();
    const waiting = pool.render(JSON.stringify(event), ['default']);
    await pool.close();
    expect(await waiting).toBeUndefined();
    expect(await pool.render(JSON.stringify(event), ['default'])).toBeUndefined();
  });
});
