import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it, expect } from 'vitest';
import { Deliverer } from '../../src/delivery/deliverer.js';
import { Outbox } from '../../src/delivery/outbox.js';
import { openDatabase } from '../../src/store/db.js';
import { acquireLock } from '../../src/store/lock.js';
import { captureLogger, FakeSender } from '../support/delivery.js';
import { PROCESS_START_MS, waitFor } from '../support/wait.js';

const repo = resolve(import.meta.dirname, '../..');
const dbFile = (): string => join(mkdtempSync(join(tmpdir(), 'vigie-restart-')), 'data', 'vigie.db');
const message = (roomId: string, body: string) => ({ roomId, eventType: 'm.room.message', content: { msgtype: 'm.text', body } });

/** Runs Vigie's store in a child process that enqueues batches (one alert to three rooms) forever, printing each committed batch. */
function startEnqueuer(path: string) {
  const script = `
    const { acquireLock } = await import(${JSON.stringify(`${repo}/src/store/lock.ts`)});
    const { openDatabase } = await import(${JSON.stringify(`${repo}/src/store/db.ts`)});
    const { Outbox } = await import(${JSON.stringify(`${repo}/src/delivery/outbox.ts`)});
    const path = ${JSON.stringify(path)};
    acquireLock(path);
    const outbox = new Outbox(openDatabase(path));
    for (let n = 1; ; n++) {
      const rows = outbox.enqueue(['!a:x', '!b:x', '!c:x'].map((roomId) => ({ roomId, eventType: 'm.room.message', content: { body: 'alert ' + n } })));
      process.stdout.write(JSON.stringify(rows.map((r) => [r.id, r.txnId])) + '\\n');
      await new Promise((r) => setImmediate(r));
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  const committed: Array<Array<[number, string]>> = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => committed.push(JSON.parse(line) as Array<[number, string]>));
  let alive = true;
  const exited = new Promise<void>((resolve) => child.once('exit', () => { alive = false; resolve(); }));
  return { child, committed, exited, isAlive: () => alive };
}

describe('restart', () => {
  it('a new Outbox and Deliverer on the same file resume pending rows with their txnIds; an aborted send is re-sent, nothing twice', async () => {
    const path = dbFile();
    const db1 = openDatabase(path);
    const outbox1 = new Outbox(db1);
    const sender1 = new FakeSender();
    sender1.answerNext(undefined, 'hang'); // a1 goes out, a2 is in flight when Vigie stops
    const deliverer1 = new Deliverer({ outbox: outbox1, sender: sender1, logger: captureLogger().logger });
    const rows = outbox1.enqueue([message('!a:x', 'a1'), message('!a:x', 'a2'), message('!a:x', 'a3'), message('!b:x', 'b1')]);
    deliverer1.wake('!a:x');
    await waitFor('a2 in flight', () => sender1.calls.length === 2);
    await deliverer1.stop(0);
    db1.close();
    expect(sender1.bodies('!a:x')).toEqual(['a1']);

    const db2 = openDatabase(path);
    const outbox2 = new Outbox(db2);
    const sender2 = new FakeSender();
    const deliverer2 = new Deliverer({ outbox: outbox2, sender: sender2, logger: captureLogger().logger });
    deliverer2.start();
    await deliverer2.whenIdle();
    await deliverer2.stop();
    expect(sender2.bodies('!a:x')).toEqual(['a2', 'a3']);
    expect(sender2.bodies('!b:x')).toEqual(['b1']);
    // a2 was in flight at the stop: its second attempt carries the same txnId, so the homeserver cannot post it twice.
    expect(sender2.calls.find((c) => c.content.body === 'a2')?.txnId).toBe(sender1.calls[1]!.txnId);
    for (const row of rows) expect(outbox2.get(row.id)).toMatchObject({ state: 'sent', txnId: row.txnId });
    db2.close();
  });

  it('after SIGKILL, every committed alert is delivered, whole batches only, with the txnIds stored at enqueue', async () => {
    const path = dbFile();
    const enqueuer = startEnqueuer(path);
    await waitFor('30 committed batches', () => enqueuer.committed.length >= 30 || !enqueuer.isAlive(), PROCESS_START_MS);
    expect(enqueuer.isAlive()).toBe(true);
    expect(() => acquireLock(path)).toThrow(`another Vigie (pid ${enqueuer.child.pid}) is using this database`);
    enqueuer.child.kill('SIGKILL');
    await enqueuer.exited;
    const acknowledged = enqueuer.committed.flat();

    const lock = acquireLock(path); // the dead process's lock is taken over, no cleanup needed
    const db = openDatabase(path);
    const outbox = new Outbox(db);
    const sender = new FakeSender();
    const deliverer = new Deliverer({ outbox, sender, logger: captureLogger().logger });
    deliverer.start();
    await deliverer.whenIdle();
    await deliverer.stop();

    const delivered = new Map(sender.accepted.map((c) => [c.txnId, c]));
    for (const [id, txnId] of acknowledged) {
      expect(delivered.has(txnId)).toBe(true);
      expect(outbox.get(id)?.txnId).toBe(txnId);
    }
    // One alert to three rooms is all-or-nothing, even when killed mid-write.
    const perAlert = new Map<string, number>();
    for (const c of sender.accepted) perAlert.set(c.content.body!, (perAlert.get(c.content.body!) ?? 0) + 1);
    expect([...perAlert.values()].every((n) => n === 3)).toBe(true);
    for (const room of ['!a:x', '!b:x', '!c:x']) {
      const numbers = sender.bodies(room).map((b) => Number(b!.split(' ')[1]));
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    }
    db.close();
    lock.release();
  });
});
