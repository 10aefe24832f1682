// Users, passwords, devices and access tokens of the test homeserver, plus Synapse's per-user rate-limit overrides.
import { forbidden } from './errors.js';
import { newAccessToken, newDeviceId } from './ids.js';

/** Who an access token belongs to. */
export interface Session {
  userId: string;
  deviceId: string;
}

/** A row of Synapse's `ratelimit_override` table. */
export interface RateLimitOverride {
  messages_per_second: number;
  burst_count: number;
}

interface User {
  userId: string;
  password: string;
  admin: boolean;
}

/** The accounts on one server. */
export class Accounts {
  readonly #users = new Map<string, User>();
  readonly #tokens = new Map<string, Session>();
  /** Devices' display names (a login's initial_device_display_name), by `userId deviceId`. */
  readonly #deviceNames = new Map<string, string>();
  readonly overrides = new Map<string, RateLimitOverride>();

  constructor(readonly serverName: string) {}

  /** Creates an account; returns its user id. */
  register(localpart: string, password: string, admin = false): string {
    const userId = localpart.startsWith('@') ? localpart : `@${localpart}:${this.serverName}`;
    if (!/^@[a-z0-9._=\-/+]+:/.test(userId)) throw new Error(`invalid localpart in ${userId}: use a-z, 0-9, ._=-/+`);
    if (this.#users.has(userId)) throw new Error(`${userId} is already registered`);
    this.#users.set(userId, { userId, password, admin });
    return userId;
  }

  /** A registered user id from a login identifier: a localpart or a full id, case-insensitively as Synapse does. */
  find(identifier: string): string | undefined {
    const wanted = (identifier.startsWith('@') ? identifier : `@${identifier}:${this.serverName}`).toLowerCase();
    for (const userId of this.#users.keys()) if (userId.toLowerCase() === wanted) return userId;
    return undefined;
  }

  exists(userId: string): boolean {
    return this.#users.has(userId);
  }

  passwordMatches(userId: string, password: string): boolean {
    return this.#users.get(userId)?.password === password;
  }

  isAdmin(userId: string): boolean {
    return this.#users.get(userId)?.admin === true;
  }

  /** A new token for a device; logging in again with a known device id invalidates that device's old tokens (spec). */
  issueToken(userId: string, deviceId: string = newDeviceId(), displayName?: string): { token: string; deviceId: string } {
    if (!this.#users.has(userId)) throw forbidden(`Unknown user ${userId}`);
    if (displayName !== undefined) this.#deviceNames.set(`${userId} ${deviceId}`, displayName);
    for (const [token, session] of this.#tokens) {
      if (session.userId === userId && session.deviceId === deviceId) this.#tokens.delete(token);
    }
    const token = newAccessToken(userId.slice(1, userId.indexOf(':')));
    this.#tokens.set(token, { userId, deviceId });
    return { token, deviceId };
  }

  /** The display name a device was given at login, if any. */
  deviceName(userId: string, deviceId: string): string | undefined {
    return this.#deviceNames.get(`${userId} ${deviceId}`);
  }

  revoke(token: string): void {
    this.#tokens.delete(token);
  }

  /** Revokes every token of a user (POST /logout/all). */
  revokeAll(userId: string): void {
    for (const [token, session] of this.#tokens) if (session.userId === userId) this.#tokens.delete(token);
  }

  session(token: string): Session | undefined {
    return this.#tokens.get(token);
  }
}
