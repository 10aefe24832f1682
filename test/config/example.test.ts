import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { requireAccessToken } from '../../src/config/secrets.js';

const EXAMPLE = fileURLToPath(new URL('../../vigie.example.yaml', import.meta.url));

/** Section 4 of the seed how-to, as its author wrote it (the README's promise: it works as meant). */
const SEED_TEMPLATE = `{% if status == '1' %}
✅ SERVICE EN LIGNE
{% else %}
🚨 ALERTE : SERVICE HORS LIGNE
{% endif %}

🖥️ Service : {{ name }}
🌐 Cible : {{ hostnameOrURL }}
💬 Message : {{ msg }}
⏰ Heure : {{ "now" | date: "%d/%m/%Y %H:%M" }}
`;

describe('vigie.example.yaml', () => {
  it('loads on a fresh machine, with no variable set', async () => {
    const { config, warnings } = await loadConfig(EXAMPLE, { env: {} });
    expect(config.matrix.accessToken).toBeUndefined();
    expect(() => requireAccessToken(config)).toThrow(/no Matrix access token/);
    expect(warnings).toEqual([expect.stringContaining("sources.uptimeKuma[0].token: source 'kuma' has an empty token")]);
  });

  it('covers every section with the seed\'s system: its template, a room, a route, two local monitors, a Kuma source', async () => {
    const { config, dir } = await loadConfig(EXAMPLE, { env: { VIGIE_MATRIX_TOKEN: 'syt_example', VIGIE_KUMA_TOKEN: 'kuma-example' } });
    expect(requireAccessToken(config)).toBe('syt_example');
    expect(config.templates.seed).toBe(SEED_TEMPLATE);
    expect(config.rooms).toEqual({ ops: '!abcxyz:example.org' });
    expect(config.routes).toEqual([{ rooms: ['ops'], template: 'seed', continue: false, groupWait: 10_000, incidents: 'both' }]);
    expect(config.monitors.map((m) => [m.type, m.url ?? m.hostname])).toEqual([
      ['http', 'http://127.0.0.1:8080/healthz'],
      ['tcp', '127.0.0.1'],
    ]);
    expect(config.sources.uptimeKuma).toEqual([{ name: 'kuma', token: 'kuma-example', rooms: ['ops'] }]);
    expect(config.store.path).toBe(`${dir}/data/vigie.db`);
    expect(config).toMatchObject({
      timezone: 'Europe/Paris',
      matrix: { homeserver: 'https://matrix.example.org', msgtype: 'm.text', requestTimeout: 30_000, deviceName: 'Vigie' },
      server: { listen: '127.0.0.1:8080' },
      delivery: { maxBackoff: 300_000, parkedRetry: 300_000 },
      log: { level: 'info' },
    });
  });

  it('points editors at the committed JSON Schema', async () => {
    const text = await readFile(EXAMPLE, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/vigie.schema.json');
  });
});
