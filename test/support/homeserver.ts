// The in-process test homeserver: a faithful slice of the client-server API as Synapse serves it, with fault injection.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Accounts } from './homeserver/accounts.js';
import { E2eeState, type ToDeviceLogEntry } from './homeserver/e2ee.js';
import { Ratelimiter, type RateLimit } from './homeserver/ratelimit.js';
import { mergePowerLevels, Rooms, type CreateRoomOptions, type PowerLevels, type StoredEvent } from './homeserver/rooms.js';
import type { HsContext } from './homeserver/router.js';
import { clientRoutes } from './homeserver/routes-client.js';
import { keyRoutes } from './homeserver/routes-keys.js';
import { roomRoutes } from './homeserver/routes-rooms.js';
import { sessionRoutes } from './homeserver/routes-session.js';
import { syncRoutes } from './homeserver/routes-sync.js';
import { toDeviceRoutes } from './homeserver/routes-todevice.js';
import { serveRequest, type DownMode, type FailAnswer, type Faults, type RequestLogEntry } from './homeserver/serve.js';

export type { CreateRoomOptions, PowerLevels } from './homeserver/rooms.js';
export type { DownMode, FailAnswer, RequestLogEntry } from './homeserver/serve.js';
export type { RateLimit } from './homeserver/ratelimit.js';
export type { ToDeviceLogEntry } from './homeserver/e2ee.js';

/** Synapse's defaults (rc_message, rc_login). */
export const SYNAPSE_MESSAGE_RATE: RateLimit = { perSecond: 0.2, burst: 10 };
export const SYNAPSE_LOGIN_RATE: RateLimit = { perSecond: 0.17, burst: 3 };
/** What a Synapse of 2022 advertises: nothing newer than v1.2. */
export const OLD_SYNAPSE_VERSIONS = ['r0.6.1', 'v1.1', 'v1.2'];

/** How the test server behaves. */
export interface HomeserverOptions {
  /** The server name in ids; default `localhost`. */
  serverName?: string;
  /** Message sending rate per user; default Synapse's 0.2/s, burst 10; false disables it. */
  messageRateLimit?: RateLimit | false;
  /** Login rate per address and per account; default Synapse's 0.17/s, burst 3; false disables it. */
  loginRateLimit?: RateLimit | false;
  /** Spec versions listed by /_matrix/client/versions; default an old Synapse's. */
  versions?: string[];
  /** Serve /.well-known/matrix/client: true points at this server, an object is served as is; default 404. */
  wellKnown?: boolean | Record<string, unknown>;
  /** The clock for rate limits, txnId expiry and timestamps (ms); default Date.now. */
  now?: () => number;
}

/** An event in a room's history, as tests inspect it. */
export interface TimelineEntry {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  origin_server_ts: number;
  state_key?: string;
  txnId?: string;
  /** performance.now() when the server accepted it. */
  receivedAt: number;
}

/** A running test homeserver. */
export interface TestHomeserver {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly serverName: string;
  /** Creates an account (a localpart or a full id); returns the user id. */
  registerUser(localpart: string, password: string, options?: { admin?: boolean }): string;
  /** An access token, as a login gives, without the login rate limit; a known deviceId loses its old tokens. */
  issueToken(userId: string, deviceId?: string): string;
  revokeToken(token: string): void;
  createRoom(opts: CreateRoomOptions): string;
  /** Joins a user to a room, as if an invite was accepted. */
  join(userId: string, roomId: string): void;
  invite(by: string, userId: string, roomId: string): void;
  leave(userId: string, roomId: string): void;
  /** Changes some power levels (maps merged), sent by the room's creator. */
  setPowerLevels(roomId: string, changes: Partial<PowerLevels>): void;
  /** Turns on encryption (m.room.encryption), as Element does. */
  setEncrypted(roomId: string): void;
  /** Every event of a room, state included, in order. */
  timeline(roomId: string): TimelineEntry[];
  /** Only m.room.message and m.room.encrypted events. */
  messages(roomId: string): TimelineEntry[];
  /** Every request received, without tokens. */
  readonly requests: RequestLogEntry[];
  /** Every to-device message routed (sender, recipient device, type), oldest first. */
  readonly toDeviceLog: readonly ToDeviceLogEntry[];
  /** Whether a device has uploaded its identity keys. */
  hasDeviceKeys(userId: string, deviceId: string): boolean;
  /** The display name a device was given at login (initial_device_display_name). */
  deviceName(userId: string, deviceId: string): string | undefined;
  /** The public master key a user's cross-signing identity has published, if any. */
  masterKey(userId: string): string | undefined;
  /** 'refuse' closes the listener (re-opened on the same port by false); 'reset' resets connections; 502/503 a proxy's page. */
  setDown(mode: DownMode): Promise<void>;
  /** The next `count` send requests (or requests whose path ends with `on`) get `answer` instead of being served. */
  failNext(count: number, answer: FailAnswer, on?: string): void;
  close(): Promise<void>;
}

function toEntry(ev: StoredEvent): TimelineEntry {
  const entry: TimelineEntry = {
    event_id: ev.event_id, type: ev.type, sender: ev.sender, content: ev.content,
    origin_server_ts: ev.origin_server_ts, receivedAt: ev.receivedAt,
  };
  if (ev.state_key !== undefined) entry.state_key = ev.state_key;
  if (ev.txnId !== undefined) entry.txnId = ev.txnId;
  return entry;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function stopListening(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts a test homeserver on 127.0.0.1 with a port chosen by the OS. */
export async function startHomeserver(options: HomeserverOptions = {}): Promise<TestHomeserver> {
  const serverName = options.serverName ?? 'localhost';
  const nowMs = options.now ?? Date.now;
  const rooms = new Rooms(serverName, nowMs);
  const accounts = new Accounts(serverName);
  const loginRate = options.loginRateLimit ?? SYNAPSE_LOGIN_RATE;
  let url = '';
  const hs: HsContext = {
    serverName, url: () => url, accounts, rooms, nowMs, e2ee: new E2eeState(() => rooms.advance()),
    limits: {
      message: new Ratelimiter(options.messageRateLimit ?? SYNAPSE_MESSAGE_RATE, nowMs),
      loginAddress: new Ratelimiter(loginRate, nowMs),
      loginAccount: new Ratelimiter(loginRate, nowMs),
      loginFailures: new Ratelimiter(loginRate, nowMs),
    },
    txns: new Map(), filters: new Map(),
    versions: options.versions ?? OLD_SYNAPSE_VERSIONS,
    wellKnown: () => {
      if (options.wellKnown === true) return { 'm.homeserver': { base_url: url } };
      return options.wellKnown ? options.wellKnown : undefined;
    },
  };
  const faults: Faults = { down: false, failQueue: [] };
  const log: RequestLogEntry[] = [];
  const state = { hs, routes: [...sessionRoutes, ...roomRoutes, ...syncRoutes, ...keyRoutes, ...toDeviceRoutes, ...clientRoutes], faults, log };
  const server = createServer((req, res) => void serveRequest(state, req, res));
  const port = await listen(server, 0);
  url = `http://127.0.0.1:${port}`;

  const room = (roomId: string) => {
    const r = rooms.get(roomId);
    if (!r) throw new Error(`test homeserver: no room ${roomId}`);
    return r;
  };
  return {
    url, serverName, requests: log, toDeviceLog: hs.e2ee.toDeviceLog,
    hasDeviceKeys: (userId, deviceId) => hs.e2ee.deviceKeys(userId, deviceId) !== undefined,
    deviceName: (userId, deviceId) => accounts.deviceName(userId, deviceId),
    masterKey: (userId) => Object.values((hs.e2ee.crossSigning(userId).master?.keys ?? {}) as Record<string, string>)[0],
    registerUser: (localpart, password, opts) => accounts.register(localpart, password, opts?.admin ?? false),
    issueToken: (userId, deviceId) => accounts.issueToken(userId, deviceId).token,
    revokeToken: (token) => accounts.revoke(token),
    createRoom: (opts) => rooms.create(opts),
    join: (userId, roomId) => rooms.setMembership(room(roomId), userId, 'join', userId),
    invite: (by, userId, roomId) => {
      if (rooms.membership(room(roomId), by) !== 'join') throw new Error(`test homeserver: ${by} cannot invite, not in ${roomId}`);
      rooms.setMembership(room(roomId), userId, 'invite', by);
    },
    leave: (userId, roomId) => rooms.setMembership(room(roomId), userId, 'leave', userId),
    setPowerLevels: (roomId, changes) => {
      const r = room(roomId);
      const current = rooms.stateEvent(r, 'm.room.power_levels')?.content as PowerLevels | undefined;
      const content = current ? mergePowerLevels(current, changes) : changes;
      rooms.append(r, { type: 'm.room.power_levels', sender: r.creator, content: { ...content }, state_key: '' });
    },
    setEncrypted: (roomId) => {
      rooms.append(room(roomId), { type: 'm.room.encryption', sender: room(roomId).creator, content: { algorithm: 'm.megolm.v1.aes-sha2' }, state_key: '' });
    },
    timeline: (roomId) => room(roomId).events.map(toEntry),
    messages: (roomId) => room(roomId).events.filter((ev) => ev.type === 'm.room.message' || ev.type === 'm.room.encrypted').map(toEntry),
    async setDown(mode) {
      const wasRefusing = faults.down === 'refuse';
      faults.down = mode;
      if (mode === 'refuse' && !wasRefusing) await stopListening(server);
      if (mode !== 'refuse' && wasRefusing) await listen(server, port);
    },
    failNext(count, answer, on) {
      for (let i = 0; i < count; i++) faults.failQueue.push({ answer, on });
    },
    async close() {
      rooms.wakeAll();
      if (faults.down !== 'refuse') await stopListening(server);
    },
  };
}
