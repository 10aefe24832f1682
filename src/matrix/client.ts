// A small typed client over the Matrix client-server API (v3 paths): login, rooms, state, and sending events.
import type { Dispatcher } from 'undici';
import { jsonOrThrow, type AnswerContext } from './answer.js';
import { MatrixError } from './errors.js';
import { sendHttp, type HttpTarget } from './http.js';

/** Default time allowed for one call, headers and body. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Pages of room history read when looking for an event by its transaction id, and their size: 5,000 events. */
const HISTORY_PAGES = 50;
const HISTORY_PAGE_SIZE = 100;
/** How far the homeserver's clock may be off Vigie's when looking back to a time. */
const CLOCK_SKEW_MS = 10 * 60_000;

/** What to read of a room's history (`/messages`). */
export interface RoomMessagesParams {
  dir: 'b' | 'f';
  from?: string;
  to?: string;
  limit: number;
  /** A RoomEventFilter, as JSON. */
  filter?: string;
}

/** A /sync filter that keeps the answer tiny: we only want the keys of `rooms.invite`. */
const INVITES_FILTER = JSON.stringify({
  presence: { not_types: ['*'] },
  account_data: { not_types: ['*'] },
  room: {
    timeline: { limit: 1 },
    state: { lazy_load_members: true },
    ephemeral: { not_types: ['*'] },
    account_data: { not_types: ['*'] },
  },
});

/** How to reach a homeserver. */
export interface MatrixClientOptions {
  /** The homeserver's base URL, e.g. `https://matrix.example.org` (see discoverHomeserver for a bare domain). */
  baseUrl: string;
  /** The bot's access token; needed by every call except versions() and login(). */
  accessToken?: string;
  /** Time allowed for each call, in milliseconds; default 30 000. */
  timeoutMs?: number;
  /** An undici dispatcher (connection pool, proxy, mock); default undici's global one. */
  dispatcher?: Dispatcher;
}

/** What a successful password login gives. */
export interface LoginResult {
  accessToken: string;
  userId: string;
  deviceId: string;
  /** The base URL the server advertises in its login answer (`well_known`), if any. */
  wellKnownBaseUrl?: string;
}

interface CallOptions {
  what: string;
  body?: object;
  query?: Record<string, string>;
  auth?: boolean;
  signal?: AbortSignal;
}

/** Typed calls to one homeserver; every failure is a MatrixError (with errcode) or a MatrixNetworkError. */
export class MatrixClient {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #host: string;
  readonly #origin: string;
  /** The base URL's path, without a trailing slash: what every API path is appended to. */
  readonly #basePath: string;
  /** Each room's send path for an event type, up to the txnId: encoded once, not at every message. */
  readonly #sendPaths = new Map<string, string>();
  /** What error messages must never show: the token. */
  readonly #secrets: readonly string[];

  constructor(options: MatrixClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`invalid homeserver URL "${options.baseUrl}": expected something like https://matrix.example.org`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`invalid homeserver URL "${options.baseUrl}": only http and https are supported`);
    }
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.baseUrl = url.origin + this.#basePath;
    this.#host = url.host;
    this.#origin = url.origin;
    this.#token = options.accessToken;
    this.#secrets = options.accessToken ? [options.accessToken] : [];
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#dispatcher = options.dispatcher;
  }

  /** The spec versions the server supports (`GET /_matrix/client/versions`, no auth). */
  async versions(): Promise<{ versions: string[]; unstable_features?: Record<string, boolean> }> {
    const body = await this.#call('GET', '/_matrix/client/versions', { what: 'asking which Matrix versions the server speaks', auth: false });
    const versions = body.versions;
    if (!Array.isArray(versions) || !versions.every((v) => typeof v === 'string')) {
      throw this.#malformed('asking which Matrix versions the server speaks', 'versions');
    }
    const unstable = body.unstable_features;
    return typeof unstable === 'object' && unstable !== null
      ? { versions, unstable_features: unstable as Record<string, boolean> }
      : { versions };
  }

  /** Logs in with `m.login.password`; `user` is a localpart or a full user id. */
  async login(params: { user: string; password: string; deviceName?: string; deviceId?: string }): Promise<LoginResult> {
    const what = `logging in as ${params.user}`;
    const body: Record<string, unknown> = {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: params.user },
      password: params.password,
    };
    if (params.deviceName !== undefined) body.initial_device_display_name = params.deviceName;
    if (params.deviceId !== undefined) body.device_id = params.deviceId;
    const res = await this.#call('POST', this.#v3('login'), { what, body, auth: false }, [params.password]);
    const { access_token: accessToken, user_id: userId, device_id: deviceId } = res;
    if (typeof accessToken !== 'string' || typeof userId !== 'string' || typeof deviceId !== 'string') {
      throw this.#malformed(what, 'access_token, user_id and device_id');
    }
    const result: LoginResult = { accessToken, userId, deviceId };
    const baseUrl = wellKnownBaseUrl(res.well_known);
    if (baseUrl !== undefined) result.wellKnownBaseUrl = baseUrl;
    return result;
  }

  /** Ends the token's session and deletes its device (`POST /logout`). */
  async logout(): Promise<void> {
    await this.#call('POST', this.#v3('logout'), { what: 'logging out', body: {} });
  }

  /** Who the access token belongs to. */
  async whoami(): Promise<{ userId: string; deviceId?: string }> {
    const what = 'checking the access token (whoami)';
    const res = await this.#call('GET', this.#v3('account', 'whoami'), { what });
    if (typeof res.user_id !== 'string') throw this.#malformed(what, 'user_id');
    return typeof res.device_id === 'string' ? { userId: res.user_id, deviceId: res.device_id } : { userId: res.user_id };
  }

  /** The room id behind an alias such as `#ops:example.org`. */
  async resolveAlias(alias: string): Promise<{ roomId: string; servers: string[] }> {
    const what = `resolving the room alias ${alias}`;
    const res = await this.#call('GET', this.#v3('directory', 'room', alias), { what });
    if (typeof res.room_id !== 'string') throw this.#malformed(what, 'room_id');
    const servers = Array.isArray(res.servers) ? res.servers.filter((s): s is string => typeof s === 'string') : [];
    return { roomId: res.room_id, servers };
  }

  /** Joins a room by id or alias (accepting an invite is a join too). */
  async joinRoom(roomIdOrAlias: string): Promise<{ roomId: string }> {
    const what = `joining ${roomIdOrAlias}`;
    const res = await this.#call('POST', this.#v3('join', roomIdOrAlias), { what, body: {} });
    if (typeof res.room_id !== 'string') throw this.#malformed(what, 'room_id');
    return { roomId: res.room_id };
  }

  /** The rooms the account has joined. */
  async joinedRooms(): Promise<string[]> {
    const what = 'listing joined rooms';
    const res = await this.#call('GET', this.#v3('joined_rooms'), { what });
    if (!Array.isArray(res.joined_rooms)) throw this.#malformed(what, 'joined_rooms');
    return res.joined_rooms.filter((r): r is string => typeof r === 'string');
  }

  /** The rooms the account is invited to, from one small /sync. */
  async invitedRooms(): Promise<string[]> {
    const what = 'looking for room invites (sync)';
    const res = await this.#call('GET', this.#v3('sync'), { what, query: { filter: INVITES_FILTER, timeout: '0' } });
    const rooms = res.rooms as { invite?: unknown } | undefined;
    const invite = rooms?.invite;
    return typeof invite === 'object' && invite !== null ? Object.keys(invite) : [];
  }

  /**
   * The content of a state event, or null when the room has none of that type and key (404 M_NOT_FOUND). With
   * `format: 'event'`, the whole event (sender included); a server that ignores it answers the content alone.
   */
  async getStateEvent<T = Record<string, unknown>>(roomId: string, type: string, stateKey = '', options: { format?: 'event' } = {}): Promise<T | null> {
    const what = `reading ${type} in ${roomId}`;
    const query = options.format ? { format: options.format } : undefined;
    try {
      return await this.#call('GET', this.#v3('rooms', roomId, 'state', type, stateKey), { what, query }) as T;
    } catch (err) {
      if (err instanceof MatrixError && err.status === 404 && err.errcode === 'M_NOT_FOUND') return null;
      throw err;
    }
  }

  /** Sends a room event; the same txnId from the same device always gives the same event, sent once. */
  async sendEvent(roomId: string, type: string, txnId: string, content: object, signal?: AbortSignal): Promise<{ eventId: string }> {
    const what = `sending ${type} to ${roomId}`;
    const res = await this.#call('PUT', this.#sendPath(roomId, type) + encodeURIComponent(txnId), { what, body: content, signal });
    if (typeof res.event_id !== 'string') throw this.#malformed(what, 'event_id');
    return { eventId: res.event_id };
  }

  /**
   * The event this device sent with `txnId`, looked for in the room's history (newest first) back to `sinceMs`: the
   * server shows a device its own transaction ids (`unsigned.transaction_id`). Undefined when it is not there.
   */
  async findSentEvent(roomId: string, txnId: string, sinceMs: number, signal?: AbortSignal): Promise<string | undefined> {
    let from: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      // No `from` on the first page: the latest events (spec v1.3; older servers refuse, and the caller sends again).
      const res = await this.roomMessages(roomId, { dir: 'b', from, limit: HISTORY_PAGE_SIZE }, signal);
      const chunk = res.chunk as Array<Record<string, unknown> | null>;
      let oldest = Infinity;
      for (const event of chunk) {
        const unsigned = event?.unsigned as { transaction_id?: unknown } | undefined;
        if (unsigned?.transaction_id === txnId && typeof event?.event_id === 'string') return event.event_id;
        if (typeof event?.origin_server_ts === 'number') oldest = Math.min(oldest, event.origin_server_ts);
      }
      if (res.end === undefined || chunk.length === 0 || oldest < sinceMs - CLOCK_SKEW_MS) return undefined;
      from = res.end;
    }
    return undefined;
  }

  /**
   * One page of a room's events (`/messages`): from a token (a sync's `prev_batch`, a page's `end`; none: the end of
   * the room, spec v1.3), back (`b`) or forward, down to `to`, filtered; `end` is where the next page starts.
   */
  async roomMessages(roomId: string, params: RoomMessagesParams, signal?: AbortSignal): Promise<{ chunk: unknown[]; end?: string }> {
    const query: Record<string, string> = { dir: params.dir, limit: String(params.limit) };
    if (params.from !== undefined) query.from = params.from;
    if (params.to !== undefined) query.to = params.to;
    if (params.filter !== undefined) query.filter = params.filter;
    const res = await this.#call('GET', this.#v3('rooms', roomId, 'messages'), { what: `reading the history of ${roomId}`, query, signal });
    return { chunk: Array.isArray(res.chunk) ? res.chunk : [], ...(typeof res.end === 'string' ? { end: res.end } : {}) };
  }

  /** The users joined to a room (`/joined_members`): whose devices get the room's encryption keys. */
  async joinedMembers(roomId: string): Promise<string[]> {
    const what = `listing the members of ${roomId}`;
    const res = await this.#call('GET', this.#v3('rooms', roomId, 'joined_members'), { what });
    if (typeof res.joined !== 'object' || res.joined === null) throw this.#malformed(what, 'joined');
    return Object.keys(res.joined);
  }

  /** One `/sync`; the answer is returned whole, for the parts the caller reads (to-device, device lists…). */
  async sync(params: { since?: string; timeoutMs?: number; filter?: string }, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const query: Record<string, string> = { timeout: String(params.timeoutMs ?? 0) };
    if (params.since !== undefined) query.since = params.since;
    if (params.filter !== undefined) query.filter = params.filter;
    const res = await this.#call('GET', this.#v3('sync'), { what: 'syncing', query, signal });
    if (typeof res.next_batch !== 'string') throw this.#malformed('syncing', 'next_batch');
    return res;
  }

  /** Uploads this device's identity and one-time keys (`POST /keys/upload`). */
  keysUpload(body: object): Promise<Record<string, unknown>> {
    return this.#call('POST', this.#v3('keys', 'upload'), { what: 'uploading encryption keys', body });
  }

  /** Downloads users' device and cross-signing keys (`POST /keys/query`). */
  keysQuery(body: object): Promise<Record<string, unknown>> {
    return this.#call('POST', this.#v3('keys', 'query'), { what: 'downloading members\' device keys', body });
  }

  /** Claims one-time keys to open Olm sessions with devices (`POST /keys/claim`). */
  keysClaim(body: object): Promise<Record<string, unknown>> {
    return this.#call('POST', this.#v3('keys', 'claim'), { what: 'claiming one-time keys', body });
  }

  /** Uploads signatures of keys, e.g. the bot's device signed by its self-signing key (`POST /keys/signatures/upload`). */
  signaturesUpload(body: object): Promise<Record<string, unknown>> {
    return this.#call('POST', this.#v3('keys', 'signatures', 'upload'), { what: 'uploading key signatures', body });
  }

  /**
   * Publishes the account's cross-signing keys (`POST /keys/device_signing/upload`). Servers that follow MSC3967
   * take first keys without a password; otherwise the password answers their user-interactive auth challenge.
   */
  async uploadSigningKeys(body: object, login: { user: string; password: string }): Promise<void> {
    const what = 'publishing the cross-signing keys';
    const path = this.#v3('keys', 'device_signing', 'upload');
    let session: string;
    try {
      await this.#call('POST', path, { what, body }, [login.password]);
      return;
    } catch (error) {
      if (!(error instanceof MatrixError) || error.status !== 401) throw error;
      const challenge = uiaChallenge(error.data);
      if (challenge === undefined) throw error;
      if (!challenge.stages.includes('m.login.password')) {
        throw new MatrixError('M_UNRECOGNIZED', 401, `${what}: ${this.#host} asks for ${challenge.stages.join(' or ') || 'an unknown step'} `
          + 'instead of the password (an account managed by a single sign-on service): approve the cross-signing reset in the account page '
          + 'of that service, then run the command again', undefined, error.data);
      }
      session = challenge.session;
    }
    const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: login.user }, password: login.password, session };
    await this.#call('POST', path, { what, body: { ...body, auth } }, [login.password]);
  }

  /** Sends to-device messages (room keys, Olm messages); the same txnId is delivered once. */
  sendToDevice(eventType: string, txnId: string, body: object): Promise<Record<string, unknown>> {
    return this.#call('PUT', this.#v3('sendToDevice', eventType, txnId), { what: `sending ${eventType} to devices`, body });
  }

  /**
   * Synapse's per-user rate-limit override (admin API), or null when none is set. Non-admins get 403 M_FORBIDDEN,
   * other servers usually 404 M_UNRECOGNIZED. `messages_per_second: 0` means the user is not limited.
   */
  async getRateLimitOverride(userId: string): Promise<{ messages_per_second: number; burst_count: number } | null> {
    const what = `reading the rate-limit override of ${userId}`;
    const res = await this.#call('GET', `/_synapse/admin/v1/users/${encodeURIComponent(userId)}/override_ratelimit`, { what });
    if (typeof res.messages_per_second !== 'number') return null;
    return { messages_per_second: res.messages_per_second, burst_count: typeof res.burst_count === 'number' ? res.burst_count : 0 };
  }

  /** `…/rooms/{roomId}/send/{type}/`, ready for a txnId. */
  #sendPath(roomId: string, type: string): string {
    const key = `${type}\u0000${roomId}`;
    let path = this.#sendPaths.get(key);
    if (path === undefined) {
      path = `${this.#v3('rooms', roomId, 'send', type)}/`;
      this.#sendPaths.set(key, path);
    }
    return path;
  }

  /** A v3 client path, every segment encoded (room ids, aliases, txnIds may hold `#`, `:`, `/`). */
  #v3(...segments: string[]): string {
    return `/_matrix/client/v3/${segments.map(encodeURIComponent).join('/')}`;
  }

  async #call(method: Dispatcher.HttpMethod, path: string, opts: CallOptions, extraSecrets: string[] = []): Promise<Record<string, unknown>> {
    // Paths are built encoded, so only a query needs a URL object to assemble it.
    let url: HttpTarget = { origin: this.#origin, host: this.#host, pathname: this.#basePath + path, search: '' };
    if (opts.query) {
      const withQuery = new URL(this.baseUrl + path);
      for (const [k, v] of Object.entries(opts.query)) withQuery.searchParams.set(k, v);
      url = withQuery;
    }
    const headers: Record<string, string> = {};
    if (opts.auth !== false) {
      if (this.#token === undefined) {
        throw new MatrixError('M_MISSING_TOKEN', 401, `${opts.what}: no access token configured; log in first or set matrix.accessToken`);
      }
      headers.authorization = `Bearer ${this.#token}`;
    }
    const secrets = extraSecrets.length === 0 ? this.#secrets : [...this.#secrets, ...extraSecrets];
    const ctx: AnswerContext = { what: opts.what, host: this.#host, secrets };
    const answer = await sendHttp({
      method, url, headers, timeoutMs: this.#timeoutMs, signal: opts.signal, dispatcher: this.#dispatcher,
      json: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    return jsonOrThrow(answer, ctx);
  }

  #malformed(what: string, fields: string): MatrixError {
    return new MatrixError('M_UNKNOWN', 200, `${what}: ${this.#host} answered without ${fields}; is this a Matrix homeserver?`);
  }
}

function wellKnownBaseUrl(wellKnown: unknown): string | undefined {
  if (typeof wellKnown !== 'object' || wellKnown === null) return undefined;
  const hs = (wellKnown as Record<string, unknown>)['m.homeserver'];
  if (typeof hs !== 'object' || hs === null) return undefined;
  const base = (hs as Record<string, unknown>).base_url;
  return typeof base === 'string' ? base : undefined;
}

/** The session and the single-stage flows of a user-interactive auth challenge, if `data` is one. */
function uiaChallenge(data: Record<string, unknown> | undefined): { session: string; stages: string[] } | undefined {
  if (typeof data?.session !== 'string' || !Array.isArray(data.flows)) return undefined;
  const stages = data.flows.flatMap((flow: unknown) => {
    const list = (flow as { stages?: unknown } | null)?.stages;
    return Array.isArray(list) && list.length === 1 && typeof list[0] === 'string' ? [list[0]] : [];
  });
  return { session: data.session, stages };
}
