// `vigie send-test`: a test alert (Kuma's test shape) to every configured room, through the outbox, with event ids.
import { createApp, testEvent } from '../app.js';
import type { RouteRule } from '../alert/router.js';
import type { Config } from '../config/schema.js';
import { requireAccessToken } from '../config/secrets.js';
import type { OutboxRow } from '../delivery/outbox.js';
import type { Logger } from '../logging.js';
import { loadCommandConfig } from './config-file.js';
import { CliError } from './errors.js';
import type { CliIO } from './io.js';

/** Options of `vigie send-test`. */
export interface SendTestOptions {
  config?: string;
  /** Give up waiting after this many seconds (the alerts stay queued for `vigie run`). */
  timeout?: number;
}

/** Sends and waits for each room's answer; exit status 1 when a room did not get it. */
export async function sendTestCommand(options: SendTestOptions, io: CliIO, logger: Logger): Promise<number> {
  const loaded = await loadCommandConfig(options.config, io);
  requireAccessToken(loaded.config, loaded.path);
  const rooms = Object.keys(loaded.config.rooms);
  if (rooms.length === 0) throw new CliError(`no rooms in ${loaded.path}: add one under rooms:`);
  // The lock: a running `vigie run` owns the database (and, in encrypted rooms, the bot's one /sync reader).
  const app = await createApp(loaded, { logger, lock: true });
  try {
    const rows = app.dispatchWith(perRoomRules(loaded.config))(testEvent());
    const outcomes = await waitForRows(app.deliverer!, rows, (options.timeout ?? 60) * 1000);
    let failed = 0;
    for (const [index, row] of rows.entries()) {
      let outcome = outcomes.get(row.id) ?? 'still queued (timed out): `vigie run` will deliver it';
      if (outcome.startsWith(NOT_DELIVERED)) {
        // A test that failed has said what it had to: once the room is fixed, it would only arrive late, beside the next.
        app.outbox.markRejected(row.id, `${outcome} (vigie send-test does not retry its tests)`);
        outcome = `${outcome} (not retried: run send-test again once it is fixed)`;
      }
      if (!outcome.startsWith('$')) failed++;
      io.out(`${rooms[index] ?? row.roomId} (${row.roomId}): ${outcome.startsWith('$') ? `sent, event ${outcome}` : outcome}`);
    }
    return failed === 0 ? 0 : 1;
  } finally {
    await app.stop(1000);
  }
}

/** One rule per room (each continuing to the next), with the template of the first route that names the room. */
function perRoomRules(config: Config): RouteRule[] {
  return Object.keys(config.rooms).map((room) => ({
    rooms: [room],
    template: config.routes.find((r) => r.rooms.includes(room))?.template ?? 'default',
    continue: true,
  }));
}

/** How a test the homeserver refused (its room parked) is reported. */
const NOT_DELIVERED = 'not delivered: ';

type Deliverer = NonNullable<Awaited<ReturnType<typeof createApp>>['deliverer']>;

/** Event id (starting with $) or the reason it did not go, per row id. */
function waitForRows(deliverer: Deliverer, rows: OutboxRow[], timeoutMs: number): Promise<Map<number, string>> {
  const outcomes = new Map<number, string>();
  const pending = new Set(rows.map((r) => r.id));
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      deliverer.off('sent', onSent).off('parked', onParked).off('rejected', onRejected);
      resolve(outcomes);
    };
    const settle = (id: number, outcome: string) => {
      if (!pending.delete(id)) return;
      outcomes.set(id, outcome);
      if (pending.size === 0) finish();
    };
    const onSent = ({ row, eventId }: { row: OutboxRow; eventId: string }) => settle(row.id, eventId);
    const onRejected = ({ row, reason }: { row: OutboxRow; reason: string }) => settle(row.id, `rejected: ${reason}`);
    const onParked = ({ roomId, scope, reason }: { roomId: string; scope: string; reason: string }) => {
      for (const row of rows) if (scope === 'all' || row.roomId === roomId) settle(row.id, `${NOT_DELIVERED}${reason}`);
    };
    const timer = setTimeout(finish, timeoutMs);
    deliverer.on('sent', onSent).on('parked', onParked).on('rejected', onRejected);
    deliverer.start();
  });
}
