// End to end: `vigie run` watches a service itself — the tutorial's system without Uptime Kuma — and SIGHUP reloads.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../support/delivery.js';
import { writeConfig } from '../support/cli.js';
import { PROCESS_START_MS, waitFor } from '../support/wait.js';
import { startBotHomeserver, type BotHomeserver } from './support/harness.js';

const repo = resolve(import.meta.dirname, '../..');
let setup: BotHomeserver | undefined;
let target: Server | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise((done) => (target ? target.close(done) : done(undefined)));
  await setup?.hs.close();
});

/** A service whose health answer the test sets. */
async function startTarget(): Promise<{ url: string; setStatus(code: number): void }> {
  let status = 500;
  target = createServer((_req, res) => { res.writeHead(status).end(status === 200 ? 'OK' : 'ERR'); });
  await new Promise<void>((done) => target!.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(target.address() as AddressInfo).port}/health`, setStatus: (code) => { status = code; } };
}

function yaml(setup: BotHomeserver, url: string, extra = ''): string {
  return `timezone: Europe/Paris
matrix: { homeserver: ${setup.hs.url}, accessTokenFile: ./matrix-token }
rooms: { ops: "${setup.rooms.ops}" }
routes: [{ rooms: [ops], template: seed, groupWait: 1s }]
monitors:
  - { name: Site web, type: http, url: "${url}", interval: 1s, timeout: 1s }
${extra}store: { path: ./vigie.db }
server: { listen: "127.0.0.1:0" }
`;
}

function run(configPath: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'run', '--config', configPath], {
    cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VIGIE_LOG_LEVEL: 'info' },
  });
  children.push(child);
  const lines: LogLine[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(JSON.parse(line) as LogLine));
  return { child, lines, logged: (msg: string) => lines.find((l) => l.msg === msg) };
}

describe('vigie run with monitors', () => {
  it('posts the outage and the recovery as the seed template meant them, and reloads its monitors on SIGHUP', async () => {
    setup = await startBotHomeserver(['ops']);
    const service = await startTarget();
    const path = writeConfig(yaml(setup, service.url), { 'matrix-token': setup.token });
    const vigie = run(path);
    const room = setup.rooms.ops!;
    const bodies = () => setup!.hs.messages(room).map((m) => String(m.content.body));

    await waitFor('the DOWN alert', () => bodies().length >= 1, PROCESS_START_MS);
    expect(bodies()[0]).toMatch(/^🚨 ALERTE : SERVICE HORS LIGNE\n\n🖥️ Service : Site web\n🌐 Cible : http:\/\/127\.0\.0\.1:\d+\/health\n💬 Message : \[Site web\] \[🔴 Down\] /);
    const root = setup.hs.messages(room)[0]!;
    service.setStatus(200);
    // The outage reads as an incident: the recovery in the first message's thread, and that message edited.
    await waitFor('the recovery', () => bodies().length >= 3, 20_000);
    const [reply, edit] = setup.hs.messages(room).slice(1).sort((a) => (a.content['m.new_content'] ? 1 : -1));
    expect(reply!.content.body).toMatch(/^✅ SERVICE EN LIGNE\n\n🖥️ Service : Site web/);
    expect(reply!.content['m.relates_to']).toMatchObject({ rel_type: 'm.thread', event_id: root.event_id });
    expect(edit!.content['m.relates_to']).toEqual({ rel_type: 'm.replace', event_id: root.event_id });
    expect(String((edit!.content['m.new_content'] as { body: string }).body)).toMatch(/^✅ Resolved after /);
    expect(bodies()).toHaveLength(3);

    const address = String(vigie.logged('listening')?.address);
    writeFileSync(path, yaml(setup, service.url, `  - { name: Port, type: tcp, hostname: 127.0.0.1, port: ${new URL(service.url).port}, interval: 1s }\n`));
    vigie.child.kill('SIGHUP');
    await waitFor('the reload', () => vigie.logged('configuration reloaded') !== undefined);
    const { monitors } = await (await fetch(`${address}/api/monitors`)).json() as { monitors: Array<{ name: string }> };
    expect(monitors.map((m) => m.name).sort()).toEqual(['Port', 'Site web']);

    writeFileSync(path, yaml(setup, service.url).replace('template: seed', 'template: nope'));
    vigie.child.kill('SIGHUP');
    await waitFor('the refusal', () => vigie.logged('the new configuration was refused; the previous one keeps running') !== undefined);
    expect((await fetch(`${address}/healthz`)).status).toBe(200);

    vigie.child.kill('SIGTERM');
    await waitFor('a clean stop', () => vigie.logged('stopped') !== undefined);
  }, 120_000); // a Vigie process (PROCESS_START_MS), an outage, a recovery and two reloads
});
