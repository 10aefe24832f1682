import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../test/ingest/harness.js';
import { route } from '../alert/router.js';
import { decodeWebhookBody } from './body.js';
import { PayloadError } from './kuma-event.js';
import { webhookEvent, type WebhookEvent, type WebhookSource } from './webhook-event.js';
import { silentLogger } from '../logging.js';
import type { AlertEvent } from '../alert/event.js';
import { startRenderPool, type RenderPool } from './render-pool.js';
import { compileTemplates } from '../alert/render/templates.js';

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
    pool = startRenderPool({ templates: {}, timezone: 'Europe/Paris', routes: [] }, silentLogger());
    expect(await pool.whenReady()).toBe(true);
    const inline = compileTemplates({}, { timezone: 'Europe/Paris' });
    const rendered = await pool.render(JSON.stringify(event), ['default', 'seed']);
    expect(rendered?.get('default')).toEqual(inline.render('default', event));
    expect(rendered?.get('seed')).toEqual(inline.render('seed', event));
    expect(rendered?.get('default')?.html).toContain('&lt;script&gt;');
  });

  it('uses the configuration\'s templates, and leaves out those it cannot render for the main thread to handle', async () => {
    pool = startRenderPool({ templates: TEMPLATES, timezone: 'UTC', routes: [] }, silentLogger());
    expect(await pool.whenReady()).toBe(true);
    const rendered = await pool.render(JSON.stringify(event), ['seed', 'looping', 'unknown']);
    expect(rendered?.get('seed')?.body).toBe(compileTemplates(TEMPLATES, { timezone: 'UTC' }).render('seed', event).body);
    expect([...rendered!.keys()]).toEqual(['seed']);
  });

  it('answers undefined, so the caller renders, before it is ready and once it is closed', async () => {
    pool = startRenderPool({ templates: {}, timezone: 'UTC', routes: [] }, silentLogger());
    expect(await pool.render(JSON.stringify(event), ['default'])).toBeUndefined();
    await pool.whenReady();
    const waiting = pool.render(JSON.stringify(event), ['default']);
    await pool.close();
    expect(await waiting).toBeUndefined();
    expect(await pool.render(JSON.stringify(event), ['default'])).toBeUndefined();
  });
});

describe('webhooks prepared in the render worker', () => {
  const ROUTES = [{ rooms: ['ops'], match: { tags: ['prod'] }, template: 'seed', continue: true }, { rooms: ['all'] }];
  const data = { templates: TEMPLATES, timezone: 'Europe/Paris', routes: ROUTES };
  const inline = compileTemplates(TEMPLATES, { timezone: 'Europe/Paris' });
  const source: WebhookSource = { name: 'kuma' };
  const NOW = Date.parse('2026-11-27T04:00:00Z');
  let pool: RenderPool;
  beforeAll(async () => {
    pool = startRenderPool(data, silentLogger());
    expect(await pool.whenReady()).toBe(true);
  });
  afterAll(() => pool.close());

  /** What the request handler makes of a body on the main thread. */
  async function onMainThread(body: Buffer, contentType: string, from: WebhookSource = source): Promise<WebhookEvent> {
    return webhookEvent(await decodeWebhookBody(body, contentType), from, new Date(NOW));
  }
  /** The event as code reads it, property by property (the Kuma objects are getters of the prepared event). */
  const asRead = (e: AlertEvent) => ({ ...e, heartbeatJSON: e.heartbeatJSON, monitorJSON: e.monitorJSON });
  const job = (body: Buffer, contentType: string, from: WebhookSource = source) => ({ body: new Uint8Array(body), contentType, contentEncoding: undefined, source: from, now: NOW });

  it.each(['webhook-json__down', 'webhook-json__up', 'webhook-json__test'])('decodes %s into the very event the handler builds, rendered by each route\'s template', async (name) => {
    const body = Buffer.from(JSON.stringify(fixture(name).body));
    const expected = await onMainThread(body, 'application/json');
    const prepared = (await pool.prepareWebhook(job(body, 'application/json')))!;
    expect(prepared.eventJson).toBe(JSON.stringify(expected.event));
    expect(asRead(prepared.event)).toEqual(expected.event);
    expect(prepared.template).toBeUndefined();
    const taken = [...new Set(route(expected.event, ROUTES).map((t) => t.template))];
    expect([...prepared.rendered.keys()]).toEqual(taken);
    for (const name of taken) expect(prepared.rendered.get(name)).toEqual(inline.render(name, expected.event));
  });

  it('reads form-data and text bodies as the handler does, and renders the source\'s own template', async () => {
    const formData = new FormData();
    formData.append('data', JSON.stringify(fixture('webhook-json__down').body));
    const request = new Request('http://localhost/', { method: 'POST', body: formData });
    const form = Buffer.from(await request.arrayBuffer());
    const formType = request.headers.get('content-type')!;
    const withTemplate = { ...source, template: 'seed' };
    const fromForm = (await pool.prepareWebhook(job(form, formType, withTemplate)))!;
    expect(asRead(fromForm.event)).toEqual((await onMainThread(form, formType, withTemplate)).event);
    expect(fromForm.event.monitorJSON).toEqual(fixture('webhook-json__down').body.monitor);
    expect([...fromForm.rendered.keys()]).toEqual(['seed']);
    const text = Buffer.from('[API] [🔴 Down] timeout');
    const fromText = (await pool.prepareWebhook(job(text, 'application/x-www-form-urlencoded')))!;
    const expected = await onMainThread(text, 'application/x-www-form-urlencoded');
    expect(asRead(fromText.event)).toEqual(expected.event);
    expect(fromText.template).toBe(expected.template);
  });

  it('refuses a bad body with the handler\'s own errors, and keeps answering', async () => {
    await expect(pool.prepareWebhook(job(Buffer.from('--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--b--\r\n'), 'multipart/form-data; boundary=b')))
      .rejects.toMatchObject({ name: 'BodyError', statusCode: 400, message: expect.stringContaining('no field "data"') as string });
    await expect(pool.prepareWebhook(job(Buffer.from('{"heartbeat": {"status": 7}, "monitor": null}'), 'application/json')))
      .rejects.toBeInstanceOf(PayloadError);
    expect(await pool.prepareWebhook(job(Buffer.from(JSON.stringify(fixture('webhook-json__up').body)), 'application/json'))).toBeDefined();
  });

  it('gives the event\'s Kuma objects from its JSON text to whoever reads them', async () => {
    const body = Buffer.from(JSON.stringify(fixture('webhook-json__down').body));
    const prepared = (await pool.prepareWebhook(job(body, 'application/json')))!;
    const expected = (await onMainThread(body, 'application/json')).event;
    expect(prepared.event.heartbeatJSON).toEqual(expected.heartbeatJSON);
    expect(prepared.event.monitorJSON).toEqual(expected.monitorJSON);
    expect(JSON.stringify(prepared.event)).toBe(JSON.stringify(expected));
    expect(inline.render('default', prepared.event)).toEqual(inline.render('default', expected));
  });
});
