// A Vigie in its own process, to be killed for real: runs the app on a config, dispatches a series of alerts, reports over IPC.
// Usage: node --import tsx child-app.ts --config vigie.yaml [--count N] [--prefix P] [--tags a,b]
import { parseArgs } from 'node:util';
import { createApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/logging.js';
import { alert, seriesBody } from './alerts.js';

/** What the child tells its parent, in this order: started, queued (one per alert), dispatched, then sent… and idle. */
export type ChildReport =
  | { type: 'started'; pid: number }
  | { type: 'queued'; rows: Array<{ id: number; roomId: string; txnId: string; body: string }> }
  | { type: 'dispatched'; count: number }
  | { type: 'sent'; rowId: number; roomId: string; txnId: string; eventId: string }
  | { type: 'idle' }
  | { type: 'stopped' };

/** What the parent may ask. */
export type ChildCommand = { type: 'stop' };

function report(message: ChildReport): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('child-app.ts reports over IPC: spawn it with an "ipc" stdio entry');
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      count: { type: 'string', default: '0' },
      prefix: { type: 'string', default: 'alert' },
      tags: { type: 'string', default: 'ops' },
    },
  });
  if (values.config === undefined) throw new Error('child-app.ts needs --config <path>');
  const tags = values.tags.split(',');
  const logger = createLogger({ level: 'warn', stderr: true, pretty: false });
  const app = await createApp(await loadConfig(values.config), { logger, lock: true });
  const deliverer = app.deliverer;
  if (!deliverer) throw new Error(`no access token in ${values.config}: the child app needs one to deliver`);
  deliverer.on('sent', ({ row, eventId }) => report({ type: 'sent', rowId: row.id, roomId: row.roomId, txnId: row.txnId, eventId }));
  process.on('message', (command: ChildCommand) => {
    if (command.type !== 'stop') return;
    void app.stop(1_000).then(() => {
      report({ type: 'stopped' });
      process.disconnect();
    });
  });
  await app.start();
  report({ type: 'started', pid: process.pid });
  const count = Number(values.count);
  for (let i = 0; i < count; i++) {
    const tag = tags[i % tags.length] ?? 'ops';
    const body = seriesBody(values.prefix, tag, i);
    const rows = app.dispatch(alert(tag, body));
    report({ type: 'queued', rows: rows.map((r) => ({ id: r.id, roomId: r.roomId, txnId: r.txnId, body })) });
  }
  report({ type: 'dispatched', count });
  // Rejects only when stop() comes first, which the 'stopped' report already tells.
  deliverer.whenIdle().then(() => report({ type: 'idle' }), () => undefined);
}

main().catch((error: unknown) => {
  process.stderr.write(`child-app: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
