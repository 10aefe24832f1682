// Acting from the room, assembled: the /sync loop, commands and reactions, invites; app.ts starts and stops it.
import type { CommandsConfig } from '../config/schema.js';
import type { OutboxMessage, OutboxRow } from '../delivery/outbox.js';
import type { Logger } from '../logging.js';
import type { MatrixClient } from '../matrix/client.js';
import { RoomSender } from '../matrix/room-sender.js';
import { SYNC_TIMEOUT_MS, SyncLoop, type RoomDecryptor, type SyncApi, type SyncSubscriber } from '../matrix/sync-loop.js';
import type { Database } from '../store/db.js';
import { NO_INCIDENTS, type Acknowledger } from './acknowledger.js';
import type { KnownMonitor } from './actions.js';
import { RoomHandler } from './handler.js';
import { InviteHandler, type InviteApi } from './invites.js';
import { kvValue, SYNC_TOKEN_KEY } from './kv.js';
import type { MuteStore } from './mutes.js';
import { PowerLevelCache, type StateReader } from './power.js';

/** The Matrix calls acting from the room makes (MatrixClient fits). */
export interface RoomApi extends SyncApi, InviteApi, StateReader {}

/** What the room service is built with; app.ts provides it. */
export interface RoomServiceDeps {
  api: RoomApi;
  db: Database;
  commands: CommandsConfig;
  /** The configured rooms (short name → id or alias): invites to them are accepted. */
  rooms: Readonly<Record<string, string>>;
  timezone: string;
  outbox: { enqueue(messages: readonly OutboxMessage[]): OutboxRow[] };
  wake(roomId: string): void;
  /** The monitors and their status (engine.snapshot()); empty without an engine. */
  monitors(): readonly KnownMonitor[];
  /** Part A's incident store; default: no incident is ever open. */
  acknowledger?: Acknowledger;
  mutes: MuteStore;
  logger: Logger;
  now?: () => number;
  /** The bot's user id when known (tests); default asked with whoami. */
  userId?: string;
  /** Long-poll time of each /sync; default 30 s. */
  syncTimeoutMs?: number;
  /** The bot's encryption, when configured: it takes every /sync answer first, and decrypts commands in encrypted rooms. */
  encryption?: { onSync: SyncSubscriber; decrypt: RoomDecryptor };
}

/** The running pieces. */
export interface RoomService {
  readonly loop: SyncLoop;
  readonly handler: RoomHandler;
  start(): void;
  /** Ends the long-poll and waits for the events already received to be handled. */
  stop(): Promise<void>;
}

/** Builds the loop and its listeners; nothing runs before start(). */
export function createRoomService(deps: RoomServiceDeps): RoomService {
  const now = deps.now ?? Date.now;
  const loop = new SyncLoop({
    api: deps.api, token: kvValue(deps.db, SYNC_TOKEN_KEY), logger: deps.logger, userId: deps.userId, timeoutMs: deps.syncTimeoutMs,
    decrypt: deps.encryption?.decrypt,
    // The token moves on only once the commands and reactions of a sync are acted on.
    settled: () => handler.idle(),
  });
  if (deps.encryption) loop.onSync(deps.encryption.onSync);
  const handler = new RoomHandler({
    outbox: deps.outbox, wake: (roomId) => deps.wake(roomId), power: new PowerLevelCache(deps.api, { now }), requiredLevel: deps.commands.powerLevel,
    monitors: () => deps.monitors(), acknowledger: deps.acknowledger ?? NO_INCIDENTS, mutes: deps.mutes, timezone: deps.timezone, now,
    logger: deps.logger,
  });
  const invites = new InviteHandler({ api: deps.api, allowFrom: deps.commands.allowInvitesFrom, rooms: Object.values(deps.rooms), logger: deps.logger });
  handler.attach(loop);
  loop.on('invite', (roomId, inviter) => void invites.onInvite(roomId, inviter));
  return {
    loop, handler,
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      await handler.idle();
    },
  };
}

/**
 * A RoomApi usable before the homeserver answers: found (discovery) at the first call, like the deliverer's. Its
 * calls may take the long-poll plus the usual request time, so a quiet /sync is not cut by the client's timeout.
 */
export function lazyRoomApi(options: { homeserver: string; accessToken: string; requestTimeoutMs: number }): RoomApi {
  const sender = new RoomSender({ homeserver: options.homeserver, accessToken: options.accessToken, timeoutMs: options.requestTimeoutMs + SYNC_TIMEOUT_MS });
  const client = (): Promise<MatrixClient> => sender.connect();
  return {
    sync: async (params, signal) => (await client()).sync(params, signal),
    whoami: async () => (await client()).whoami(),
    roomMessages: async (roomId, params, signal) => (await client()).roomMessages(roomId, params, signal),
    joinRoom: async (room) => (await client()).joinRoom(room),
    resolveAlias: async (alias) => (await client()).resolveAlias(alias),
    getStateEvent: async <T>(roomId: string, type: string, stateKey?: string, options?: { format?: 'event' }) => (await client()).getStateEvent<T>(roomId, type, stateKey, options),
  };
}
