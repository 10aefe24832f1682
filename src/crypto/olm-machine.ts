// Drives the crypto library's OlmMachine for the bot's device: opens it on the durable store, keeps it in step with
// /sync, and encrypts room events (members tracked, Olm sessions claimed, the room key shared, then encryption).
import { DecryptionSettings, DeviceId, initAsync, OlmMachine, RoomId, TrustRequirement, UserId } from '@matrix-org/matrix-sdk-crypto-wasm';
import type { Logger } from '../logging.js';
import type { Database } from '../store/db.js';
import { openCryptoStore, type CryptoStore } from './crypto-store.js';
import { setUpCrossSigning, type CrossSigningOutcome, type CrossSigningRequest } from './cross-signing.js';
import { EncryptionUnavailableError } from './errors.js';
import { sendOutgoingRequests, sendRequest, type CryptoApi } from './outgoing.js';
import { encryptionSettings, type KeySharing, type RoomEncryption } from './room-encryption.js';
import { Serial } from './serial.js';
import { feedSync, syncOnce } from './sync-feed.js';

/** What the bot's crypto needs: who it is, where its keys live, how to reach the homeserver. */
export interface E2eeOptions {
  api: CryptoApi;
  /** Vigie's database; its lock must be held (one process per store). */
  db: Database;
  userId: string;
  /** The device of the access token (whoami): its identity keys are created once and kept forever. */
  deviceId: string;
  /** Encrypts the store at rest (from matrix.encryption.storePassphraseFile). */
  passphrase: string;
  /** Which devices get room keys; default every device of every joined member. */
  sharing?: KeySharing;
  logger: Logger;
  /** When the store cannot be written; default: log and exit (see openCryptoStore). */
  onFatal?: (error: Error) => void;
  /**
   * The process's /sync loop hands every answer to receiveSync(), so the machine makes no /sync of its own: two
   * readers of one device's to-device messages would each lose what the other acknowledged. Default false.
   */
  sharedSync?: boolean;
}

/** A room event once decrypted: its clear type and content. */
export interface DecryptedEvent {
  type: string;
  content: Record<string, unknown>;
}

/** The store name for one bot device: a new device (a new login) gets a new store, never another device's keys. */
export function storeName(userId: string, deviceId: string): string {
  return `vigie/${userId}/${deviceId}`;
}

/** The bot device's end-to-end encryption; every operation on the machine runs one at a time. */
export class E2ee {
  readonly #machine: OlmMachine;
  readonly #store: CryptoStore;
  readonly #api: CryptoApi;
  readonly #sharing: KeySharing;
  readonly #sharedSync: boolean;
  readonly #log: Logger;
  readonly #serial = new Serial();

  private constructor(machine: OlmMachine, store: CryptoStore, options: E2eeOptions) {
    this.#machine = machine;
    this.#store = store;
    this.#api = options.api;
    this.#sharing = options.sharing ?? 'all';
    this.#sharedSync = options.sharedSync ?? false;
    this.#log = options.logger.child({ component: 'e2ee' });
  }

  /** Restores the device's store and opens its machine; throws EncryptionUnavailableError if the store will not open. */
  static async open(options: E2eeOptions): Promise<E2ee> {
    const { db, userId, deviceId, passphrase } = options;
    const log = options.logger.child({ component: 'e2ee' });
    if (passphrase === '') throw new EncryptionUnavailableError('the encryption store passphrase is empty: set matrix.encryption.storePassphraseFile to a file holding a long random secret');
    await initAsync();
    const store = await openCryptoStore({ db, name: storeName(userId, deviceId), logger: log, onFatal: options.onFatal });
    store.activate();
    let machine: OlmMachine;
    try {
      machine = await OlmMachine.initialize(new UserId(userId), new DeviceId(deviceId), store.name, passphrase, libraryLogger(log));
    } catch (error) {
      store.close();
      throw new EncryptionUnavailableError(`the encryption store of ${userId} (device ${deviceId}) in ${db.name} cannot be opened: `
        + `${describe(error)}. If the store passphrase file changed, put the previous passphrase back; the keys cannot be recovered without it.`,
      { cause: error });
    }
    log.info({ userId, deviceId, restoredRecords: store.restored.records, curve25519: machine.identityKeys.curve25519.toBase64() },
      store.restored.databases === 0 ? 'encryption keys created for this device' : 'encryption keys restored');
    return new E2ee(machine, store, options);
  }

  /** Opens the encryption of the device an access token belongs to (whoami tells which). */
  static async forToken(api: CryptoApi, options: Omit<E2eeOptions, 'api' | 'userId' | 'deviceId'>): Promise<E2ee> {
    const { userId, deviceId } = await api.whoami();
    if (deviceId === undefined) {
      throw new EncryptionUnavailableError(`the access token of ${userId} belongs to no device, and encryption keys belong to a device: `
        + 'log in with `vigie login` (a password login creates a device) and use that token');
    }
    return E2ee.open({ ...options, api, userId, deviceId });
  }

  /** The device's public identity keys (base64), as other clients see them. */
  get identityKeys(): { curve25519: string; ed25519: string } {
    const keys = this.#machine.identityKeys;
    return { curve25519: keys.curve25519.toBase64(), ed25519: keys.ed25519.toBase64() };
  }

  /** Catches up with the homeserver: the machine's requests, and (without a shared /sync) one /sync of its own. */
  catchUp(signal?: AbortSignal): Promise<void> {
    return this.#serial.run(() => this.#catchUp(signal));
  }

  /**
   * Takes one answer of the process's /sync loop (to-device messages, device lists, key counts), then sends what the
   * machine asks. Throws only when the machine could not take the answer, so the loop asks for it again.
   */
  receiveSync(answer: Record<string, unknown>): Promise<void> {
    return this.#serial.run(async () => {
      await feedSync(this.#machine, answer);
      // Key uploads and queries the answer called for; a failure leaves them queued for the next send.
      await sendOutgoingRequests(this.#machine, this.#api).catch((error: unknown) => {
        this.#log.debug({ err: describe(error) }, 'sending the encryption requests failed; they are sent again before the next encrypted alert');
      });
    });
  }

  /** The clear event of an `m.room.encrypted` one, or undefined when the bot has no key for it (it was not sent one). */
  decrypt(roomId: string, event: Record<string, unknown>): Promise<DecryptedEvent | undefined> {
    return this.#serial.run(async () => {
      try {
        const decrypted = await this.#machine.decryptRoomEvent(JSON.stringify(event), new RoomId(roomId),
          new DecryptionSettings(TrustRequirement.Untrusted));
        const clear = JSON.parse(decrypted.event) as { type?: unknown; content?: unknown };
        if (typeof clear.type !== 'string' || typeof clear.content !== 'object' || clear.content === null) return undefined;
        return { type: clear.type, content: clear.content as Record<string, unknown> };
      } catch (error) {
        this.#log.debug({ roomId, eventId: event.event_id, err: describe(error) }, 'cannot decrypt a room event');
        return undefined;
      }
    });
  }

  /**
   * Encrypts one room event for the room's joined members, sharing the room key with any device that lacks it
   * first; returns the `m.room.encrypted` content. Throws MatrixError or MatrixNetworkError like any Matrix call.
   */
  encrypt(roomId: string, type: string, content: object, room: RoomEncryption, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.#serial.run(async () => {
      await this.#catchUp(signal);
      const members = await this.#api.joinedMembers(roomId);
      // Fresh ids for each call: the library takes ownership of the ones it is given.
      const users = (): UserId[] => members.map((m) => new UserId(m));
      await this.#machine.updateTrackedUsers(users());
      await sendOutgoingRequests(this.#machine, this.#api, signal);
      if (this.#sharing === 'cross-signed') await this.#requireOwnCrossSigning();
      const claim = await this.#machine.getMissingSessions(users());
      if (claim) await sendRequest(this.#machine, this.#api, claim, signal);
      const shares = await this.#machine.shareRoomKey(new RoomId(roomId), users(), encryptionSettings(room, this.#sharing));
      for (const share of shares) await sendRequest(this.#machine, this.#api, share, signal);
      const encrypted = await this.#machine.encryptRoomEvent(new RoomId(roomId), type, JSON.stringify(content));
      return JSON.parse(encrypted) as Record<string, unknown>;
    });
  }

  /** Gives the device a cross-signing identity (see setUpCrossSigning), after uploading its own keys. */
  setUpCrossSigning(request: CrossSigningRequest): Promise<CrossSigningOutcome> {
    return this.#serial.run(async () => {
      await this.#catchUp(undefined);
      return setUpCrossSigning(this.#machine, this.#api, request);
    });
  }

  /** Releases the machine once the operation in progress (if any) is over; the store is already on disk. */
  close(): Promise<void> {
    return this.#serial.run(async () => {
      this.#machine.close();
      this.#store.close();
    });
  }

  // Sharing only with owner-signed devices is the library's identity-based mode, which refuses to send from a device
  // that is not itself cross-signed: said here with what to do, instead of as the library's error on every attempt.
  async #requireOwnCrossSigning(): Promise<void> {
    const { userId, deviceId } = this.#machine;
    const device = await this.#machine.getDevice(userId, deviceId);
    if (device?.isCrossSignedByOwner()) return;
    throw new EncryptionUnavailableError(`matrix.encryption.devices is cross-signed, which needs the bot's own device cross-signed, and `
      + `${userId.toString()}'s device ${deviceId.toString()} is not: stop Vigie, run \`vigie login --cross-signing\`, and use the token it writes `
      + '(or set matrix.encryption.devices: all)');
  }

  async #catchUp(signal: AbortSignal | undefined): Promise<void> {
    // Requests first: a fresh device must upload its keys before anything else makes sense.
    await sendOutgoingRequests(this.#machine, this.#api, signal);
    if (this.#sharedSync) return;
    await syncOnce(this.#machine, this.#api, this.#store, { signal });
    await sendOutgoingRequests(this.#machine, this.#api, signal);
  }
}

/** The library's log lines, at debug level except its warnings and errors. */
function libraryLogger(log: Logger): { debug(data: unknown): void; info(data: unknown): void; warn(data: unknown): void; error(data: unknown): void } {
  const library = log.child({ component: 'matrix-sdk-crypto' });
  return {
    debug: (data) => library.trace(String(data)),
    info: (data) => library.debug(String(data)),
    warn: (data) => library.warn(String(data)),
    error: (data) => library.error(String(data)),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
