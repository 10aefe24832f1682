import Fastify, { type FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeartbeatStore } from '../../src/monitor/heartbeats.js';
import { monitorRoutes } from '../../src/monitor/routes.js';
import { openDatabase } from '../../src/store/db.js';
import { startHttpsTarget } from '../support/targets.js';
import { CONFIG_HEAD, startEngine, startSwitchableTarget, tempFolder, type EngineRun } from './harness.js';
import { waitFor } from '../support/wait.js';

let folder: Awaited<ReturnType<typeof tempFolder>>;
const cleanups: (() => Promise<void>)[] = [];
beforeEach(async () => { folder = await tempFolder(); });
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await folder.remove();
});

async function start(yaml: string): Promise<EngineRun> {
  const run = await startEngine(yaml, join(folder.path, 'vigie.db'));
  cleanups.push(() => run.stop());
  return run;
}

const downs = (run: EngineRun) => run.messages().filter((body) => body.startsWith('🔴'));

describe('the monitor engine, end to end', () => {
  it('alerts DOWN after maxretries+1 failures of a real target, then UP; a restart while down sends nothing twice', async () => {
    const target = await startSwitchableTarget(500);
    cleanups.push(() => target.close());
    const yaml = `${CONFIG_HEAD}monitors:\n  - { name: Site, type: http, url: "${target.url}", interval: 150ms, retryInterval: 50ms, maxretries: 2 }\n`;
    const first = await start(yaml);
    await waitFor('the DOWN alert', () => first.messages().length > 0);
    // Pending, pending, then DOWN with the alert (more beats may have come while this test looked).
    expect(first.beats.slice(0, 3).map((b) => b.status)).toEqual([2, 2, 0]);
    expect(first.messages()).toEqual(['🔴 Down Site: status 500 (expected 200-299)']);
    await first.stop();

    const second = await start(yaml);
    await waitFor('three beats after the restart', () => second.beats.length >= 3);
    expect(second.beats.every((b) => b.status === 0)).toBe(true);
    expect(second.messages()).toEqual(['🔴 Down Site: status 500 (expected 200-299)']);
    target.status = 200;
    await waitFor('the UP alert', () => second.messages().length === 2);
    expect(second.messages()[1]).toBe('✅ Up Site: 200 - OK');
    expect(second.engine.snapshot()[0]).toMatchObject({ name: 'Site', status: 'up', retries: 0 });
    // The recovery says when the outage began (Kuma's lastDownTime), though it began before the restart.
    expect(second.events.at(-1)!.heartbeatJSON).toMatchObject({ status: 1, lastDownTime: first.events[0]!.heartbeatJSON!.time });
  });

  it('checks nothing and alerts nothing while a maintenance window holds the monitor', async () => {
    const target = await startSwitchableTarget(500);
    cleanups.push(() => target.close());
    const run = await start(`${CONFIG_HEAD}monitors:\n  - { name: Site, type: http, url: "${target.url}", interval: 50ms, tags: [db] }\n` +
      'maintenance:\n  - { name: all day, tags: [db], from: "00:00", to: "00:00" }\n');
    await waitFor('three beats', () => run.beats.length >= 3);
    expect(run.beats.map((b) => [b.status, b.durationMs])).toEqual(run.beats.map(() => [3, 0]));
    expect(run.messages()).toEqual([]);
    expect(run.engine.snapshot()[0]).toMatchObject({ status: 'maintenance', maintenance: 'all day' });
    await run.stop();
    const db = openDatabase(join(folder.path, 'vigie.db'));
    const stored = new HeartbeatStore(db).history(1);
    db.close();
    expect(stored.length).toBeGreaterThanOrEqual(3);
    expect(stored.every((beat) => beat.status === 3 && beat.msg === 'Monitor under maintenance')).toBe(true);
  });

  it('takes pushes over HTTP: DOWN when none came within the interval, UP as soon as one comes', async () => {
    const token = 'push-e2e-0123456789';
    const run = await start(`${CONFIG_HEAD}monitors:\n  - { name: Cron, type: push, token: ${token}, interval: 200ms }\n`);
    const app: FastifyInstance = Fastify();
    await app.register(monitorRoutes(run.engine));
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    await waitFor('the DOWN alert', () => downs(run).length === 1);
    expect(run.messages()).toEqual(['🔴 Down Cron: no push received within the interval']);

    const unknown = await fetch(`${base}/api/push/not-a-token-123`);
    expect([unknown.status, await unknown.json()]).toEqual([404, { ok: false, msg: 'Monitor not found or not active.' }]);
    const pushed = await fetch(`${base}/api/push/${token}?status=up&msg=backup%20done&ping=42`, { method: 'POST' });
    expect([pushed.status, await pushed.json()]).toEqual([200, { ok: true }]);
    // At least two: with no further push, the next check (200 ms on) finds the monitor DOWN again.
    await waitFor('the UP alert', () => run.messages().length >= 2);
    expect(run.messages()[1]).toBe('✅ Up Cron: backup done');
    const monitors = await (await fetch(`${base}/api/monitors`)).text();
    expect(monitors).toContain('"name":"Cron"');
    expect(monitors).not.toContain(token);
  });

  it('warns once that an https certificate nears its expiry, and not again after a restart', async () => {
    const target = await startHttpsTarget(6, { trusted: true });
    cleanups.push(() => target.close());
    const yaml = `${CONFIG_HEAD}monitors:\n  - { name: Secure, type: http, url: "${target.base}/ok", interval: 50ms }\n`;
    const first = await start(yaml);
    await waitFor('three beats', () => first.beats.length >= 3);
    expect(first.messages()).toEqual([`⚠️ Certificate Secure: [Secure][${target.base}/ok] server certificate localhost will expire in 6 days`]);
    expect(first.engine.snapshot()[0]?.certificate).toMatchObject({ daysRemaining: 6, issuer: 'Vigie Test CA' });
    await first.stop();
    const second = await start(yaml);
    await waitFor('three beats after the restart', () => second.beats.length >= 3);
    expect(second.messages()).toHaveLength(1);
  });

  it('records a certificate it was told to accept (ignoreTls) without warning of its expiry, as Kuma', async () => {
    const target = await startHttpsTarget(6);
    cleanups.push(() => target.close());
    const run = await start(`${CONFIG_HEAD}monitors:\n  - { name: Lab, type: http, url: "${target.base}/ok", ignoreTls: true, interval: 50ms }\n`);
    await waitFor('three beats', () => run.beats.length >= 3);
    expect(run.beats.every((b) => b.status === 1)).toBe(true);
    expect(run.engine.snapshot()[0]?.certificate).toMatchObject({ daysRemaining: 6 });
    expect(run.messages()).toEqual([]);
  });
});
