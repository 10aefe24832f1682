// Vigie's delivery path into encrypted rooms, built as app.ts will build it: outbox → deliverer → EncryptingSender
// over RoomSender, with the bot's crypto store in the Vigie database at `path`.
import { EncryptingSender } from '../../src/crypto/encrypting-sender.js';
import { E2ee } from '../../src/crypto/olm-machine.js';
import { Deliverer } from '../../src/delivery/deliverer.js';
import { Outbox, type OutboxRow } from '../../src/delivery/outbox.js';
import type { Logger } from '../../src/logging.js';
import { RoomSender } from '../../src/matrix/room-sender.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { acquireLock, type Lock } from '../../src/store/lock.js';

/** How the test Vigie is set up. */
export interface TestVigieOptions {
  homeserver: string;
  accessToken: string;
  /** The database file (crypto store included). */
  path: string;
  logger: Logger;
  /** Encryption configured (default true): the store passphrase. */
  passphrase?: string | false;
  plaintextAllowed?: string[];
  /** The sender's clock (how long a room read as plain is believed plain); default Date.now. */
  now?: () => number;
}

/** A running delivery path. */
export interface TestVigie {
  readonly db: Database;
  readonly outbox: Outbox;
  readonly deliverer: Deliverer;
  readonly sender: EncryptingSender;
  /** Queues alerts for a room and waits until the homeserver accepted them all; returns their rows (event ids set). */
  deliver(roomId: string, ...bodies: string[]): Promise<OutboxRow[]>;
  stop(): Promise<void>;
}

/** Starts the delivery path; nothing talks to the homeserver before the first alert. */
export function startTestVigie(options: TestVigieOptions): TestVigie {
  const lock: Lock = acquireLock(options.path);
  const db = openDatabase(options.path);
  const outbox = new Outbox(db);
  const rooms = new RoomSender({ homeserver: options.homeserver, accessToken: options.accessToken, timeoutMs: 10_000 });
  const passphrase = options.passphrase ?? 'correct horse battery staple';
  const sender = new EncryptingSender({
    rooms, logger: options.logger, plaintextAllowed: options.plaintextAllowed, now: options.now,
    openE2ee: passphrase === false ? undefined : (client) => E2ee.forToken(client, { db, passphrase, logger: options.logger }),
  });
  const deliverer = new Deliverer({ outbox, sender, logger: options.logger, maxBackoffMs: 200, parkedRetryMs: 60_000 });
  deliverer.start();
  return {
    db, outbox, deliverer, sender,
    async deliver(roomId, ...bodies) {
      const rows = outbox.enqueue(bodies.map((body) => ({ roomId, eventType: 'm.room.message', content: { msgtype: 'm.text', body } })));
      deliverer.wake(roomId);
      await deliverer.whenIdle();
      return rows.map((row) => outbox.get(row.id) as OutboxRow);
    },
    async stop() {
      await deliverer.stop(1_000);
      await sender.close();
      db.close();
      lock.release();
    },
  };
}
