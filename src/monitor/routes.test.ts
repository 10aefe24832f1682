import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Push } from './checks/push.js';
import type { MonitorSnapshot } from './engine.js';
import { monitorRoutes, type MonitorApi } from './routes.js';

const TOKEN = 'abcdefgh12345678';
const SNAPSHOT: MonitorSnapshot = {
  id: 1, name: 'Cron', type: 'push', target: 'Heartbeat', tags: [], status: 'up', since: null, lastCheck: null, nextCheck: null,
  message: 'OK', ping: null, retries: 0, interval: 60, maintenance: null, certificate: null,
};

let app: FastifyInstance | undefined;
afterEach(async () => { await app?.close(); });

async function serve(): Promise<{ pushes: Push[]; app: FastifyInstance }> {
  const pushes: Push[] = [];
  const api: MonitorApi = {
    recordPush: (token, push) => token === TOKEN && pushes.push(push) > 0,
    snapshot: () => [SNAPSHOT],
  };
  const instance: FastifyInstance = Fastify();
  app = instance;
  await instance.register(monitorRoutes(api));
  return { pushes, app: instance };
}

describe('push route (Kuma\'s /api/push/<token>)', () => {
  it.each<[string, string, Push]>([
    ['no parameters: up, "OK"', '', { status: 'up', msg: 'OK', ping: null }],
    ['status, msg and ping', '?status=down&msg=disk%20full&ping=12.5', { status: 'down', msg: 'disk full', ping: 12.5 }],
    ['any status but "up" is down', '?status=UP', { status: 'down', msg: 'OK', ping: null }],
  ])('records %s and answers {"ok":true}', async (_name, query, expected) => {
    const { pushes, app } = await serve();
    const response = await app.inject({ method: 'GET', url: `/api/push/${TOKEN}${query}` });
    expect({ status: response.statusCode, body: response.json<unknown>() }).toEqual({ status: 200, body: { ok: true } });
    expect(pushes).toEqual([expected]);
  });

  it.each([
    ['a form', 'application/x-www-form-urlencoded', 'a=1'],
    ['text', 'text/plain', 'hello'],
    ['broken JSON', 'application/json', '{not json'],
  ])('takes a POST with %s as body (the body is ignored)', async (_name, type, payload) => {
    const { pushes, app } = await serve();
    const response = await app.inject({ method: 'POST', url: `/api/push/${TOKEN}?msg=posted`, headers: { 'content-type': type }, payload });
    expect(response.statusCode).toBe(200);
    expect(pushes).toEqual([{ status: 'up', msg: 'posted', ping: null }]);
  });

  it('answers 404 for a token no monitor has, as Kuma does', async () => {
    const { pushes, app } = await serve();
    const response = await app.inject({ method: 'GET', url: '/api/push/unknown-token-123' });
    expect({ status: response.statusCode, body: response.json<unknown>() })
      .toEqual({ status: 404, body: { ok: false, msg: 'Monitor not found or not active.' } });
    expect(pushes).toEqual([]);
  });

  it('answers 400 for a ping out of range, and records nothing', async () => {
    const { pushes, app } = await serve();
    const response = await app.inject({ method: 'GET', url: `/api/push/${TOKEN}?ping=-5` });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ msg: string }>().msg).toMatch(/Invalid ping value/);
    expect(pushes).toEqual([]);
  });
});

describe('GET /api/monitors', () => {
  it('answers the engine\'s snapshot', async () => {
    const { app } = await serve();
    const response = await app.inject({ method: 'GET', url: '/api/monitors' });
    expect(response.json<unknown>()).toEqual({ monitors: [SNAPSHOT] });
  });
});
