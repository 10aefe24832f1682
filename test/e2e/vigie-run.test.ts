// End to end: `vigie run` as a real process serves health, readiness and metrics, delivers, and stops cleanly on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/delivery/outbox.js';
import { openDatabase } from '../../src/store/db.js';
import type { LogLine } from '../support/delivery.js';
import {
  bodies, databasePath, startBotHomeserver, writeE2eConfig, type BotHomeserver,
} from './support/harness.js';
import { PROCESS_START_MS, waitFor, within } from '../support/wait.js';

const repo = resolve(import.meta.dirname, '../..');

let setup: BotHomeserver | undefined;
const processes: ChildProcess[] = [];

afterEach(async () => {
  for (const child of processes.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await setup?.hs.close();
  setup = undefined;
});

/** Starts `vigie run --config <path>` (through tsx, as `npm run vigie` does); collects its JSON log lines. */
function vigieRun(configPath: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'run', '--config', configPath], {
    cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VIGIE_LOG_LEVEL: 'info' },
  });
  processes.push(child);
  const lines: LogLine[] = [];
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(JSON.parse(line) as LogLine));
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  return { child, lines, exited, stderr: () => stderr, logged: (msg: string) => lines.find((l) => l.msg === msg) };
}

describe('vigie run', () => {
  it('delivers what was queued, serves /healthz, /readyz and /metrics on a port the OS chose, refuses a second Vigie on its database, and exits 0 on SIGTERM', async () => {
    setup = await startBotHomeserver(['ops']);
    const roomId = setup.rooms.ops!;
    const config = writeE2eConfig(setup, { listen: '127.0.0.1:0' });
    // Alerts left in the outbox by an earlier run (or by `vigie send-test` when the homeserver was away).
    const db = openDatabase(databasePath(config));
    new Outbox(db).enqueue(['one', 'two', 'three'].map((body) => ({ roomId, eventType: 'm.room.message', content: { msgtype: 'm.text', body } })));
    db.close();

    const run = vigieRun(config);
    await waitFor('"Vigie is running"', () => run.logged('Vigie is running') !== undefined || run.child.exitCode !== null, PROCESS_START_MS);
    expect(run.stderr()).toBe('');
    const address = String(run.logged('listening')?.address);
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(address).not.toMatch(/:0$/);
    // The room shows a message as soon as the homeserver stores it; Vigie counts it once the answer reached it.
    const delivered = () => run.lines.filter((l) => l.msg === 'alert delivered').length;
    await waitFor('the queued alerts in the room, and their answers back in Vigie', () => setup!.hs.messages(roomId).length === 3 && delivered() === 3);
    expect(bodies(setup.hs, roomId)).toEqual(['one', 'two', 'three']);

    const health = await fetch(`${address}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${address}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', problems: [], warnings: [] });
    const metrics = await fetch(`${address}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^vigie_outbox_pending 0$/m);
    expect(text).toMatch(/^vigie_delivery_parked_rooms 0$/m);
    expect(text).toMatch(/^vigie_delivery_sent_total 3$/m);

    // One Vigie per database: a second one is refused, naming the first, which goes on serving.
    const second = vigieRun(config);
    expect((await within('the second vigie run to give up', second.exited, PROCESS_START_MS)).code).not.toBe(0);
    expect(second.stderr()).toContain(`another Vigie (pid ${run.child.pid}) is using this database`);
    expect((await fetch(`${address}/healthz`)).status).toBe(200);

    const signalled = Date.now();
    run.child.kill('SIGTERM');
    expect(await within('vigie run to exit after SIGTERM', run.exited, 5_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(run.logged('stopped')).toBeDefined();
    expect(run.stderr()).toBe('');
    await expect(fetch(`${address}/healthz`)).rejects.toThrow();
  }, 120_000); // two Vigie processes started one after the other (PROCESS_START_MS each)
});
