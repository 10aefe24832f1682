import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it, expect } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

/** Runs a Deliverer alone in a process whose sender answers as `mode` says; returns its output once it exits by itself. */
function runAlone(mode: 'forbidden' | 'rate-limited-once'): Promise<{ output: string; code: number | null; ms: number }> {
  const src = (p: string) => JSON.stringify(`${repo}/src/${p}`);
  const script = `
    const { openDatabase } = await import(${src('store/db.ts')});
    const { Outbox } = await import(${src('delivery/outbox.ts')});
    const { Deliverer } = await import(${src('delivery/deliverer.ts')});
    const { MatrixError } = await import(${src('matrix/errors.ts')});
    const { silentLogger } = await import(${src('logging.ts')});
    const outbox = new Outbox(openDatabase(':memory:'));
    let calls = 0;
    const sender = { async sendEvent() {
      calls++;
      if (${JSON.stringify(mode)} === 'forbidden') throw new MatrixError('M_FORBIDDEN', 403, 'not in room');
      if (calls === 1) throw new MatrixError('M_LIMIT_EXCEEDED', 429, 'Too Many Requests', 300);
      return { eventId: '$e' };
    } };
    const deliverer = new Deliverer({ outbox, sender, logger: silentLogger() });
    deliverer.on('parked', () => process.stdout.write('parked\\n'));
    deliverer.on('sent', () => process.stdout.write('sent after ' + calls + ' calls\\n'));
    outbox.enqueue([{ roomId: '!a:x', eventType: 'm.room.message', content: { body: 'x' } }]);
    deliverer.wake('!a:x');`;
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  // Far past a start through tsx on a loaded machine (seconds), far short of the 5-minute probe.
  const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((done) => child.once('exit', (code) => {
    clearTimeout(killer);
    done({ output, code, ms: Date.now() - started });
  }));
}

describe('process lifetime', () => {
  it('a parked room does not keep an otherwise finished process alive for its 5-minute probe', async () => {
    const run = await runAlone('forbidden');
    expect(run.output).toBe('parked\n');
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(30_000);
  });

  it('a pending retry does keep it alive until the alert is delivered (as `vigie send-test` needs)', async () => {
    const run = await runAlone('rate-limited-once');
    expect(run.output).toBe('sent after 2 calls\n');
    expect(run.code).toBe(0);
  });
});
