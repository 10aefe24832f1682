// Kuma's own templates render in Vigie exactly as in Uptime Kuma 2.x, checked against captured Kuma requests.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Liquid } from 'liquidjs';
import type { AlertEvent, EventStatus, KumaJSON } from '../../src/alert/event.js';
import { kumaHostnameOrURL } from '../../src/alert/render/context.js';
import { SEED_TEMPLATE } from '../../src/alert/render/builtin.js';
import { compileTemplates } from '../../src/alert/render/templates.js';

/** Requests captured from Uptime Kuma 2.5.3, copied from the team's shared fixtures. */
const FIXTURES = fileURLToPath(new URL('../fixtures/uptime-kuma/', import.meta.url));

interface WebhookBody {
  heartbeat: KumaJSON | null;
  monitor: KumaJSON | null;
  msg: string;
}

function fixture<T>(name: string): T {
  return (JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as { body: T }).body;
}

const WEBHOOKS = { up: 'webhook-json__up.json', down: 'webhook-json__down.json', test: 'webhook-json__test.json' } as const;
type Kind = keyof typeof WEBHOOKS;
const BODIES = Object.fromEntries(Object.entries(WEBHOOKS).map(([k, file]) => [k, fixture<WebhookBody>(file)])) as Record<Kind, WebhookBody>;
const STATUS_BY_CODE: Record<number, EventStatus> = { 0: 'down', 1: 'up', 2: 'pending', 3: 'maintenance' };

/** What an ingest of Kuma's webhook makes of it (test-local stand-in for src/ingest). */
function toEvent(body: WebhookBody): AlertEvent {
  const { heartbeat, monitor, msg } = body;
  return {
    source: 'uptime-kuma:test',
    status: heartbeat ? STATUS_BY_CODE[heartbeat.status as number]! : 'test',
    name: typeof monitor?.name === 'string' ? monitor.name : '',
    hostnameOrURL: kumaHostnameOrURL(monitor),
    msg,
    time: heartbeat ? new Date(`${String(heartbeat.time).replace(' ', 'T')}Z`) : new Date('2026-11-26T12:10:00Z'),
    tags: [],
    heartbeatJSON: heartbeat,
    monitorJSON: monitor,
  };
}

/** Kuma's `renderTemplate`, as in server/notification-providers/notification-provider.js (extractAddress aside). */
function kumaRender(template: string, body: WebhookBody): string {
  const engine = new Liquid({ root: './no-such-directory-uptime-kuma', relativeReference: false, dynamicPartials: false });
  const { heartbeat, monitor, msg } = body;
  const status = heartbeat === null ? '⚠️ Test' : heartbeat.status === 0 ? '🔴 Down' : '✅ Up';
  const name = monitor === null ? 'Monitor Name not available' : monitor.name;
  const hostnameOrURL = monitor === null ? 'testing.hostname' : kumaHostnameOrURL(monitor);
  const context = {
    STATUS: status, NAME: name, HOSTNAME_OR_URL: hostnameOrURL,
    status, name, hostnameOrURL, monitorJSON: monitor, heartbeatJSON: heartbeat, msg,
  };
  return engine.parseAndRenderSync(template, context) as string;
}

const URL_ = 'http://127.0.0.1:9998/health';
const NAME = 'Local Target 9998';

/** [template, expected for up, down, test] — what Kuma prints, and so what Vigie must print. */
const KUMA_TEMPLATES: [string, string, string, string][] = [
  ['{{ status }}', '✅ Up', '🔴 Down', '⚠️ Test'],
  ['{{ STATUS }} {{ NAME }}', `✅ Up ${NAME}`, `🔴 Down ${NAME}`, '⚠️ Test Monitor Name not available'],
  ['{{ HOSTNAME_OR_URL }} {{ hostnameOrURL }}', `${URL_} ${URL_}`, `${URL_} ${URL_}`, 'testing.hostname testing.hostname'],
  ['hb={{ heartbeatJSON.status }}', 'hb=1', 'hb=0', 'hb='],
  ['{{ monitorJSON.url }}', URL_, URL_, ''],
  ['{% if heartbeatJSON.status == 1 %}UP{% else %}NOT UP{% endif %}', 'UP', 'NOT UP', 'NOT UP'],
  ['{{ status | upcase }}', '✅ UP', '🔴 DOWN', '⚠️ TEST'],
  ["{% if status == '✅ Up' %}good{% else %}bad{% endif %}", 'good', 'bad', 'bad'],
  ["{% if status contains 'Down' %}down{% else %}not down{% endif %}", 'not down', 'down', 'not down'],
  ['{{ msg }}', `[${NAME}] [✅ Up] 200 - OK`, `[${NAME}] [🔴 Down] Request failed with status code 500`, 'WH JSON Testing'],
  ['{{ heartbeatJSON.msg | default: msg }} ({{ monitorJSON.type }})', '200 - OK (http)', 'Request failed with status code 500 (http)', 'WH JSON Testing ()'],
  ['{% if heartbeatJSON %}beat {{ heartbeatJSON.retries }}{% else %}no beat{% endif %}', 'beat 0', 'beat 1', 'no beat'],
  ['{{ status | size }}|{{ status | append: "!" }}|{{ status | json }}', '4|✅ Up!|"✅ Up"', '7|🔴 Down!|"🔴 Down"', '7|⚠️ Test!|"⚠️ Test"'],
];

describe('Kuma templates render in Vigie as in Kuma', () => {
  const set = compileTemplates(Object.fromEntries(KUMA_TEMPLATES.map(([t], i) => [`k${i}`, t])), { timezone: 'Europe/Paris' });
  it.each(KUMA_TEMPLATES.map((row, i) => [row[0], i, row] as const))('%s', (_template, i, [template, ...expected]) => {
    (['up', 'down', 'test'] as const).forEach((kind, k) => {
      expect(kumaRender(template, BODIES[kind]), `Kuma, ${kind}`).toBe(expected[k]);
      expect(set.render(`k${i}`, toEvent(BODIES[kind])).body, `Vigie, ${kind}`).toBe(expected[k]);
    });
  });

  it('renders the template behind the captured Matrix request exactly as Kuma sent it', () => {
    const template = 'Uptime Kuma Alert - {{ name }}\n\nstatus={{ status }} | name={{ name }} | url={{ hostnameOrURL }} | hb={{ heartbeatJSON.status }}\n{{ msg }}';
    const sent = fixture<{ msgtype: string; body: string }>('matrix-template__up.json');
    const set = compileTemplates({ matrix: template }, { timezone: 'Europe/Paris' });
    expect(set.render('matrix', toEvent(BODIES.up))).toEqual({ body: sent.body });
    expect(kumaRender(template, BODIES.up)).toBe(sent.body);
  });

  it('fixes the seed: Kuma reads every message as ALERTE, Vigie tells a recovery from an outage', () => {
    const firstLine = (text: string): string => text.trim().split('\n')[0]!;
    expect(firstLine(kumaRender(SEED_TEMPLATE, BODIES.up))).toBe('🚨 ALERTE : SERVICE HORS LIGNE');
    const set = compileTemplates({}, { timezone: 'Europe/Paris' });
    expect(firstLine(set.render('seed', toEvent(BODIES.up)).body)).toBe('✅ SERVICE EN LIGNE');
    expect(firstLine(set.render('seed', toEvent(BODIES.down)).body)).toBe('🚨 ALERTE : SERVICE HORS LIGNE');
    // The heartbeat's time (12:10:01 UTC) shown in Paris time.
    expect(set.render('seed', toEvent(BODIES.up)).body).toMatch(/⏰ Heure : 26\/11\/2026 13:10$/);
  });
});
