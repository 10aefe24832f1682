// The deliverer's EventSender for every room: encrypts for encrypted rooms, sends plain rooms' messages as they are,
// and never sends a message in clear to a room whose state says it is encrypted.
import type { EventSender } from '../delivery/sender.js';
import type { Logger } from '../logging.js';
import type { MatrixClient } from '../matrix/client.js';
import { EncryptionUnavailableError } from './errors.js';
import type { E2ee } from './olm-machine.js';
import { MEGOLM, readRoomEncryption, type RoomEncryption } from './room-encryption.js';

/** How long an encrypted room's settings (rotation, history visibility) are trusted before being read again. */
export const ENCRYPTION_STATE_TTL_MS = 10 * 60_000;
/**
 * How long a room read as plain is believed plain. Even a read before every send leaves a window (the room can turn
 * encrypted between the read and the send); one second keeps the window about that small while a backlog does not
 * pay one state read per message (which halved delivery throughput).
 */
export const PLAIN_STATE_TTL_MS = 1_000;

/** The room side of Vigie's Matrix client: RoomSender fits. */
export interface RoomClient {
  connect(): Promise<MatrixClient>;
  resolveRoom(room: string): Promise<string>;
  /** As EventSender.findSent: the transaction id is the same whether the event went encrypted or not. */
  findSent(room: string, txnId: string, sinceMs: number, signal?: AbortSignal): Promise<string | undefined>;
}

/** What the sender is built from. */
export interface EncryptingSenderOptions {
  rooms: RoomClient;
  /** Opens the bot's encryption once the homeserver answers (e.g. E2ee.forToken); absent when encryption is off. */
  openE2ee?: (client: MatrixClient) => Promise<E2ee>;
  /** Rooms (ids or aliases, as the outbox names them) that may get plaintext when Vigie cannot encrypt; default none. */
  plaintextAllowed?: Iterable<string>;
  logger: Logger;
  /** The clock for the settings cache; default Date.now. */
  now?: () => number;
}

/** Sends each outbox row with its own txnId, encrypted or not as the room requires. */
export class EncryptingSender implements EventSender {
  readonly #rooms: RoomClient;
  readonly #openE2ee: ((client: MatrixClient) => Promise<E2ee>) | undefined;
  readonly #plaintextAllowed: Set<string>;
  readonly #log: Logger;
  readonly #now: () => number;
  /** Rooms known to be encrypted: a room never stops being encrypted, so this only grows. */
  readonly #encrypted = new Map<string, { room: RoomEncryption; readAt: number }>();
  /** When each room was last read as plain. */
  readonly #plainAt = new Map<string, number>();
  #e2ee: Promise<E2ee> | undefined;

  constructor(options: EncryptingSenderOptions) {
    this.#rooms = options.rooms;
    this.#openE2ee = options.openE2ee;
    this.#plaintextAllowed = new Set(options.plaintextAllowed ?? []);
    this.#log = options.logger.child({ component: 'encrypting-sender' });
    this.#now = options.now ?? Date.now;
  }

  /**
   * Sends one event. For an encrypted room the content is encrypted (a retry with the same txnId re-encrypts, and
   * the homeserver keeps the first event it accepted for that txnId); a failure to encrypt throws, it never sends
   * in clear unless the room is in `plaintextAllowed`.
   */
  async sendEvent(room: string, type: string, txnId: string, content: object, signal?: AbortSignal): Promise<{ eventId: string }> {
    const client = await this.#rooms.connect();
    const roomId = await this.#rooms.resolveRoom(room);
    const encryption = await this.#encryption(client, roomId);
    if (!encryption) return client.sendEvent(roomId, type, txnId, content, signal);
    const refusal = this.#whyNot(roomId, encryption);
    if (refusal !== undefined) {
      if (!this.#plaintextAllowed.has(room) && !this.#plaintextAllowed.has(roomId)) throw new EncryptionUnavailableError(refusal);
      this.#log.warn({ roomId, txnId }, `sending in clear to an encrypted room, as configured: ${refusal}`);
      return client.sendEvent(roomId, type, txnId, content, signal);
    }
    const e2ee = await this.#engine(client);
    const encrypted = await e2ee.encrypt(roomId, type, content, encryption, signal);
    return client.sendEvent(roomId, 'm.room.encrypted', txnId, encrypted, signal);
  }

  /** The event already sent for this txnId, encrypted or not (the transaction id is the same). */
  findSent(room: string, txnId: string, sinceMs: number, signal?: AbortSignal): Promise<string | undefined> {
    return this.#rooms.findSent(room, txnId, sinceMs, signal);
  }

  /** Whether Vigie's encryption is configured (a store passphrase is set). */
  get canEncrypt(): boolean {
    return this.#openE2ee !== undefined;
  }

  /** The bot's encryption, opened if it was not yet; undefined when it is not configured. */
  async encryption(): Promise<E2ee | undefined> {
    if (!this.#openE2ee) return undefined;
    return this.#engine(await this.#rooms.connect());
  }

  /** A configured room reference (id or alias) as a room id. */
  resolveRoom(room: string): Promise<string> {
    return this.#rooms.resolveRoom(room);
  }

  /** Closes the encryption engine, if it was opened (its store is already on disk). */
  async close(): Promise<void> {
    const opening = this.#e2ee;
    this.#e2ee = undefined;
    const e2ee = await opening?.catch(() => undefined);
    await e2ee?.close();
  }

  /** The room's encryption; a plain room is read again after a second, since any room may turn encrypted. */
  async #encryption(client: MatrixClient, roomId: string): Promise<RoomEncryption | null> {
    const known = this.#encrypted.get(roomId);
    if (known && this.#now() - known.readAt < ENCRYPTION_STATE_TTL_MS) return known.room;
    const plainAt = this.#plainAt.get(roomId);
    if (!known && plainAt !== undefined && this.#now() - plainAt < PLAIN_STATE_TTL_MS) return null;
    const room = await readRoomEncryption(client, roomId);
    if (room === null) {
      // State that vanished cannot make an encrypted room plain: keep encrypting with what we knew.
      if (!known) this.#plainAt.set(roomId, this.#now());
      return known?.room ?? null;
    }
    this.#plainAt.delete(roomId);
    if (!known) this.#log.info({ roomId, algorithm: room.algorithm }, 'room is encrypted: its alerts are encrypted from now on');
    this.#encrypted.set(roomId, { room, readAt: this.#now() });
    return room;
  }

  #whyNot(roomId: string, room: RoomEncryption): string | undefined {
    if (room.algorithm !== MEGOLM) {
      return `room ${roomId} is encrypted with "${room.algorithm}", which Vigie cannot encrypt with (only ${MEGOLM}); its alerts are kept`;
    }
    if (!this.#openE2ee) {
      return `room ${roomId} is encrypted and Vigie's encryption is not configured: set matrix.encryption.storePassphraseFile (and enabled: true) in vigie.yaml and restart; its alerts are kept`;
    }
    return undefined;
  }

  /** Opens the engine once; a failed opening (homeserver down, bad store) is tried again at the next send. */
  #engine(client: MatrixClient): Promise<E2ee> {
    const open = this.#openE2ee as (client: MatrixClient) => Promise<E2ee>;
    this.#e2ee ??= open(client).catch((error: unknown) => {
      this.#e2ee = undefined;
      throw error;
    });
    return this.#e2ee;
  }
}
