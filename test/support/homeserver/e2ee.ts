// End-to-end encryption state of the test homeserver: device keys, one-time and fallback keys, cross-signing keys,
// to-device inboxes, and the stream positions at which each user's keys changed (for /sync's device_lists).
import { randomBytes } from 'node:crypto';

/** A signed JSON object as clients upload it (device keys, one-time keys, cross-signing keys). */
export type Signed = Record<string, unknown> & { signatures?: Record<string, Record<string, string>> };

/** A user's cross-signing public keys. */
export interface CrossSigningKeys {
  master?: Signed;
  self_signing?: Signed;
  user_signing?: Signed;
}

/** A to-device message waiting for one device, with the stream position it was sent at. */
export interface InboxEntry {
  pos: number;
  event: { sender: string; type: string; content: unknown };
}

/** One to-device message as the server routed it: who sent it to which device, for test assertions. */
export interface ToDeviceLogEntry {
  sender: string;
  senderDevice: string;
  type: string;
  recipient: string;
  recipientDevice: string;
  pos: number;
}

/** One fallback key slot per algorithm: the key and whether a claim has handed it out since it was uploaded. */
interface FallbackKey {
  keyId: string;
  key: Signed;
  used: boolean;
}

const deviceKey = (userId: string, deviceId: string): string => `${userId}|${deviceId}`;

/** The server's E2EE tables, with `advance()` giving the next stream position (shared with rooms). */
export class E2eeState {
  readonly #deviceKeys = new Map<string, Map<string, Signed>>();
  readonly #oneTimeKeys = new Map<string, Map<string, Signed>>();
  readonly #fallbackKeys = new Map<string, Map<string, FallbackKey>>();
  readonly #crossSigning = new Map<string, CrossSigningKeys>();
  readonly #keyChangedAt = new Map<string, number>();
  readonly #inbox = new Map<string, InboxEntry[]>();
  /** Every to-device message routed, oldest first. */
  readonly toDeviceLog: ToDeviceLogEntry[] = [];
  /** Sent to-device txnIds (`user|device|type|txnId`), so a retry delivers nothing new. */
  readonly toDeviceTxns = new Set<string>();
  /** Open user-interactive auth sessions: session id → the user it was issued to. */
  readonly uiaSessions = new Map<string, string>();

  constructor(private readonly advance: () => number) {}

  /** Records that a user's keys changed, so members sharing a room see them in device_lists.changed. */
  markChanged(userId: string): void {
    this.#keyChangedAt.set(userId, this.advance());
  }

  /** The stream position of a user's last key change, or 0. */
  changedAt(userId: string): number {
    return this.#keyChangedAt.get(userId) ?? 0;
  }

  /** A device's keys, or undefined before it uploads them. */
  deviceKeys(userId: string, deviceId: string): Signed | undefined {
    return this.#deviceKeys.get(userId)?.get(deviceId);
  }

  /** Every device of a user that has uploaded keys. */
  devices(userId: string): Map<string, Signed> {
    return this.#deviceKeys.get(userId) ?? new Map<string, Signed>();
  }

  setDeviceKeys(userId: string, deviceId: string, keys: Signed): void {
    let devices = this.#deviceKeys.get(userId);
    if (!devices) this.#deviceKeys.set(userId, (devices = new Map<string, Signed>()));
    devices.set(deviceId, keys);
  }

  /** Forgets a device and its keys (logout, device deletion); members see the change. */
  deleteDevice(userId: string, deviceId: string): void {
    if (this.#deviceKeys.get(userId)?.delete(deviceId)) this.markChanged(userId);
    this.#oneTimeKeys.delete(deviceKey(userId, deviceId));
    this.#fallbackKeys.delete(deviceKey(userId, deviceId));
    this.#inbox.delete(deviceKey(userId, deviceId));
  }

  /** The device's unclaimed one-time keys, by key id (`signed_curve25519:AAAAAQ`). */
  oneTimeKeys(userId: string, deviceId: string): Map<string, Signed> {
    const k = deviceKey(userId, deviceId);
    let keys = this.#oneTimeKeys.get(k);
    if (!keys) this.#oneTimeKeys.set(k, (keys = new Map<string, Signed>()));
    return keys;
  }

  /** Unclaimed one-time keys per algorithm, as /keys/upload and /sync report them (signed_curve25519 always present). */
  oneTimeKeyCounts(userId: string, deviceId: string): Record<string, number> {
    const counts: Record<string, number> = { signed_curve25519: 0 };
    for (const keyId of this.oneTimeKeys(userId, deviceId).keys()) {
      const algorithm = keyId.split(':')[0] ?? '';
      counts[algorithm] = (counts[algorithm] ?? 0) + 1;
    }
    return counts;
  }

  /** Replaces the fallback key of each algorithm present in `keys`. */
  setFallbackKeys(userId: string, deviceId: string, keys: Record<string, Signed>): void {
    const k = deviceKey(userId, deviceId);
    let slots = this.#fallbackKeys.get(k);
    if (!slots) this.#fallbackKeys.set(k, (slots = new Map<string, FallbackKey>()));
    for (const [keyId, key] of Object.entries(keys)) slots.set(keyId.split(':')[0] ?? '', { keyId, key, used: false });
  }

  /** Algorithms whose fallback key has not been handed out yet (`device_unused_fallback_key_types`). */
  unusedFallbackKeyTypes(userId: string, deviceId: string): string[] {
    const slots = this.#fallbackKeys.get(deviceKey(userId, deviceId)) ?? new Map<string, FallbackKey>();
    return [...slots.entries()].filter(([, slot]) => !slot.used).map(([algorithm]) => algorithm);
  }

  /** Claims one key of an algorithm: a one-time key (removed), else the fallback key (kept, marked used). */
  claim(userId: string, deviceId: string, algorithm: string): [string, Signed] | undefined {
    const keys = this.oneTimeKeys(userId, deviceId);
    for (const [keyId, key] of keys) {
      if (!keyId.startsWith(`${algorithm}:`)) continue;
      keys.delete(keyId);
      return [keyId, key];
    }
    const fallback = this.#fallbackKeys.get(deviceKey(userId, deviceId))?.get(algorithm);
    if (!fallback) return undefined;
    fallback.used = true;
    return [fallback.keyId, fallback.key];
  }

  crossSigning(userId: string): CrossSigningKeys {
    let keys = this.#crossSigning.get(userId);
    if (!keys) this.#crossSigning.set(userId, (keys = {}));
    return keys;
  }

  /** Queues a to-device message for one device, at a new stream position. */
  deliver(from: { userId: string; deviceId: string }, type: string, recipient: string, recipientDevice: string, content: unknown): void {
    const pos = this.advance();
    const k = deviceKey(recipient, recipientDevice);
    let inbox = this.#inbox.get(k);
    if (!inbox) this.#inbox.set(k, (inbox = []));
    inbox.push({ pos, event: { sender: from.userId, type, content } });
    this.toDeviceLog.push({ sender: from.userId, senderDevice: from.deviceId, type, recipient, recipientDevice, pos });
  }

  /**
   * The device's to-device messages after `since`; those at or before it were received by the client (it
   * synced past them), so they are deleted, as the spec says.
   */
  inbox(userId: string, deviceId: string, since: number | undefined): InboxEntry[] {
    const k = deviceKey(userId, deviceId);
    const pending = (this.#inbox.get(k) ?? []).filter((m) => since === undefined || m.pos > since);
    this.#inbox.set(k, pending);
    return pending;
  }

  /** A new user-interactive auth session for a user. */
  newUiaSession(userId: string): string {
    const session = randomBytes(12).toString('base64url');
    this.uiaSessions.set(session, userId);
    return session;
  }
}
