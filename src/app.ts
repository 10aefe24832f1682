// Wires Vigie's pieces together; the only module that knows all of them.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { AlertEvent } from './alert/event.js';
import { createDispatch, templateOf, type Dispatch, type DispatchOptions } from './alert/dispatch.js';
import { startRenderPool, type RenderPool, type RenderWorkerData } from './ingest/render-pool.js';
import type { TemplateSet } from './alert/render/templates.js';
import { route, type RouteRule } from './alert/router.js';
import type { LoadedConfig } from './config/load.js';
import { Deliverer } from './delivery/deliverer.js';
import { Outbox } from './delivery/outbox.js';
import type { Logger } from './logging.js';
import { RoomSender } from './matrix/room-sender.js';
import { EncryptingSender } from './crypto/encrypting-sender.js';
import { EncryptionUnavailableError } from './crypto/errors.js';
import { E2ee } from './crypto/olm-machine.js';
import type { Config } from './config/schema.js';
import { MonitorEngine } from './monitor/engine.js';
import { PushRegistry } from './monitor/checks/push.js';
import { monitorRoutes } from './monitor/routes.js';
import { IncidentStore } from './incidents/store.js';
import { createGrouping } from './incidents/grouping.js';
import { incidentAcknowledger } from './incidents/acknowledger.js';
import { MuteStore } from './room/mutes.js';
import { createRoomService, lazyRoomApi, type RoomService, type RoomServiceDeps } from './room/service.js';
import { createMetrics } from './server/metrics.js';
import { createServer, listen } from './server/server.js';
import { startCheckpointer } from './store/checkpointer.js';
import { openDatabase, type Database } from './store/db.js';
import { acquireLock, type Lock } from './store/lock.js';
import { createGroupCommit } from './store/group-commit.js';
import { matrixProxy } from './ingest/matrix-proxy.js';
import { uptimeKumaWebhook, type IngestDeps } from './ingest/uptime-kuma.js';

/** How much of Vigie to build: the daemon wants everything, one-shot commands less. */
export interface AppOptions {
  logger: Logger;
  /** Serve HTTP on `server.listen` (the daemon). */
  server?: boolean;
  /** Hold the database lock (the daemon: one Vigie per database). */
  lock?: boolean;
  /** Extra route plugins for the server. */
  plugins?: FastifyPluginAsync[];
  /** Run the configured monitors (the daemon). */
  monitors?: boolean;
}

/** A built Vigie; start() begins delivering (and serving), stop() ends both cleanly. */
export interface App {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  readonly templates: TemplateSet;
  readonly db: Database;
  readonly outbox: Outbox;
  /** Undefined when no access token is configured: alerts then wait in the outbox. */
  readonly deliverer: Deliverer | undefined;
  readonly sender: EncryptingSender | undefined;
  /** The monitor engine, when this app runs monitors. */
  readonly engine: MonitorEngine | undefined;
  /** Routes, renders and queues an event by the configured routes. */
  readonly dispatch: Dispatch;
  /** A dispatch over other rules (send-test sends to each room with that room's template). */
  dispatchWith(rules: readonly RouteRule[]): Dispatch;
  /** The address the server listens on, once started. */
  address: string | undefined;
  /** Resolves true once incoming alerts are rendered off the event loop, false when they are not (no ingest, a failure). */
  renderWorkerReady(): Promise<boolean>;
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
  /**
   * Applies a new configuration without losing state: templates, rooms, routes, monitors and maintenance windows.
   * Throws (TemplateError…) before changing anything when the new one cannot run; returns what needs a restart.
   */
  reload(next: LoadedConfig): string[];
}

/** Builds Vigie from a loaded configuration; throws TemplateError for a bad template before touching anything. */
export async function createApp(loaded: LoadedConfig, options: AppOptions): Promise<App> {
  const { config } = loaded;
  const log = options.logger;
  const { templates } = loaded;
  const lock: Lock | undefined = options.lock && config.store.path !== ':memory:' ? acquireLock(config.store.path) : undefined;
  let db: Database;
  try {
    db = openDatabase(config.store.path);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const checkpointer = startCheckpointer(db, { logger: log });
  const outbox = new Outbox(db);
  const incidents = new IncidentStore(db);
  let grouping = createGrouping({ outbox, store: incidents, templates, logger: log });
  const token = config.matrix.accessToken;
  // The room is followed only by the daemon: one /sync reader per bot device, which encryption shares.
  const followsRooms = token !== undefined && options.server === true && config.commands.enabled;
  const sender = token ? createSender(config, token, db, log, followsRooms) : undefined;
  const deliverer = sender
    ? new Deliverer({
      outbox, sender, logger: log, maxBackoffMs: config.delivery.maxBackoff, parkedRetryMs: config.delivery.parkedRetry,
      // Merging waiting alerts renders a group message: the templates of the configuration in force.
      beforeSend: (roomId, state) => grouping(roomId, state),
    })
    : undefined;

  const dispatchWith = (rules: readonly RouteRule[]): Dispatch => createDispatch({
    rules, rooms: config.rooms, templates, msgtype: config.matrix.msgtype, outbox, logger: log, incidents: { outbox, store: incidents },
    onQueued: (rooms) => rooms.forEach((room) => deliverer?.wake(room)),
  });
  let server: FastifyInstance | undefined;
  // One stable function over the current configuration, so a reload reaches every holder of `dispatch`.
  let current = dispatchWith(config.routes);
  let rules: readonly RouteRule[] = config.routes;
  let renderData: RenderWorkerData = { templates: config.templates, timezone: config.timezone, routes: config.routes };
  let renderPool: RenderPool | undefined;
  // The messages an incoming alert needs, rendered in the worker while the main thread takes other requests.
  const prerender = async (event: AlertEvent, opts: DispatchOptions = {}): Promise<DispatchOptions> => {
    if (!renderPool) return opts;
    const names = [...new Set(route(event, rules).map((target) => templateOf(target, opts)))];
    const eventJson = JSON.stringify(event);
    const rendered = await renderPool.render(eventJson, names);
    return rendered ? { ...opts, rendered, eventJson } : { ...opts, eventJson };
  };
  const dispatch: Dispatch = (event, opts) => current(event, opts);
  /** The configured rooms as the ingest endpoints see them, kept current by reload(). */
  const liveRooms: Record<string, string> = { ...config.rooms };
  const mutes = new MuteStore(db);
  const engine = options.monitors ? new MonitorEngine({
    db, monitors: config.monitors, dispatch, logger: log, timezone: config.timezone, maintenance: config.maintenance,
    pushes: new PushRegistry(), retentionMs: config.store.heartbeatRetention, extraWindows: mutes,
  }) : undefined;
  const room: RoomService | undefined = followsRooms && token && sender && deliverer ? createRoomService({
    api: lazyRoomApi({ homeserver: config.matrix.homeserver, accessToken: token, requestTimeoutMs: config.matrix.requestTimeout }),
    db, commands: config.commands, rooms: config.rooms, timezone: config.timezone, outbox, mutes, logger: log,
    wake: (roomId) => deliverer.wake(roomId), monitors: () => engine?.snapshot() ?? [],
    acknowledger: incidentAcknowledger({
      store: incidents, outbox, resolveRoom: (ref) => sender.resolveRoom(ref), onQueued: (ref) => deliverer.wake(ref),
    }),
    encryption: sender.canEncrypt ? sharedSyncEncryption(sender, log) : undefined,
  }) : undefined;

  async function startAll(): Promise<void> {
    if (deliverer) deliverer.start();
    else log.warn({ pending: outbox.depth().total }, 'no Matrix access token configured: alerts are kept in the outbox until one is set (run `vigie login`, then restart)');
    engine?.start();
    room?.start();
    if (options.server) {
      if (config.sources.uptimeKuma.length > 0) renderPool = startRenderPool(renderData, log);
      server = await createServer({
        logger: log, metrics: createMetrics({ deliverer, outbox, engine }),
        plugins: [...ingestPlugins(app, liveRooms, prerender, (job) => renderPool?.prepareWebhook(job) ?? Promise.resolve(undefined)), ...(engine ? [monitorRoutes(engine)] : []), ...(options.plugins ?? [])],
        notReady: () => notReady(db), warnings: () => deliveryWarnings(deliverer),
      });
      app.address = await listen(server, config.server.listen);
      log.info({ address: app.address }, 'listening');
    }
  }

  const app: App = {
    loaded, logger: log, templates, db, outbox, deliverer, sender, dispatchWith, dispatch, engine,
    address: undefined,
    renderWorkerReady: () => renderPool?.whenReady() ?? Promise.resolve(false),
    async start() {
      try {
        await startAll();
      } catch (error) {
        // Nothing may keep running half-started: the caller reports the error and exits.
        await app.stop(0);
        throw error;
      }
    },
    async stop(graceMs = 10_000) {
      await closeServer(server, graceMs);
      await renderPool?.close();
      await room?.stop();
      await engine?.stop(graceMs);
      await deliverer?.stop(graceMs);
      await sender?.close();
      await checkpointer.stop();
      db.close();
      lock?.release();
    },
    reload(next) {
      const nextTemplates = next.templates;
      const rebuilt = createDispatch({
        rules: next.config.routes, rooms: next.config.rooms, templates: nextTemplates, msgtype: next.config.matrix.msgtype, outbox, logger: log,
        incidents: { outbox, store: incidents },
        onQueued: (rooms) => rooms.forEach((room) => deliverer?.wake(room)),
      });
      engine?.reload(next.config.monitors, next.config.maintenance);
      current = rebuilt;
      rules = next.config.routes;
      // The ingest endpoints check rooms against this very object: changed in place, a reload reaches them.
      for (const name of Object.keys(liveRooms)) delete liveRooms[name];
      Object.assign(liveRooms, next.config.rooms);
      const nextRenderData = { templates: next.config.templates, timezone: next.config.timezone, routes: next.config.routes };
      if (renderPool && JSON.stringify(nextRenderData) !== JSON.stringify(renderData)) {
        // Until the new worker is ready, alerts are decoded and rendered on the main thread with the new configuration.
        void renderPool.close();
        renderPool = startRenderPool(nextRenderData, log);
      }
      renderData = nextRenderData;
      grouping = createGrouping({ outbox, store: incidents, templates: nextTemplates, logger: log });
      return restartNeeded(config, next.config);
    },
  };
  return app;
}

/**
 * Every room's way in: plain rooms get the message as is, encrypted rooms get it encrypted (never in clear unless
 * listed in matrix.encryption.plaintextRooms); the homeserver is found and aliases resolved at the first send.
 */
function createSender(config: Config, token: string, db: Database, log: Logger, sharedSync: boolean): EncryptingSender {
  const rooms = new RoomSender({ homeserver: config.matrix.homeserver, accessToken: token, timeoutMs: config.matrix.requestTimeout });
  const { enabled, storePassphrase, devices, plaintextRooms } = config.matrix.encryption;
  const openE2ee = enabled && storePassphrase
    ? (client: Parameters<typeof E2ee.forToken>[0]) => E2ee.forToken(client, { db, passphrase: storePassphrase, sharing: devices, logger: log, sharedSync })
    : undefined;
  return new EncryptingSender({ rooms, logger: log, openE2ee, plaintextAllowed: plaintextRooms.map((name) => config.rooms[name] ?? name) });
}

/**
 * Encryption fed by the room service's /sync: opened at the first answer (so no to-device message is missed), and
 * decrypting commands. A store that will not open does not stop the loop: plain rooms' commands go on, and the
 * deliverer says what is wrong with the encrypted rooms.
 */
function sharedSyncEncryption(sender: EncryptingSender, log: Logger): NonNullable<RoomServiceDeps['encryption']> {
  const open = async (): Promise<E2ee | undefined> => {
    try {
      return await sender.encryption();
    } catch (error) {
      if (!(error instanceof EncryptionUnavailableError)) throw error;
      log.debug({ err: error.message }, 'encryption unavailable: /sync answers are not given to it');
      return undefined;
    }
  };
  return {
    onSync: async (answer) => { await (await open())?.receiveSync(answer); },
    decrypt: async (roomId, event) => (await open())?.decrypt(roomId, event),
  };
}

/**
 * Uptime Kuma's webhook and Matrix notification: webhook POSTs are decoded, routed and rendered in the render worker,
 * Matrix messages rendered there; then their alerts are committed in groups (one disk sync per burst).
 */
function ingestPlugins(
  app: App, rooms: Record<string, string>, prerender: (event: AlertEvent, options?: DispatchOptions) => Promise<DispatchOptions>, prepareWebhook: IngestDeps['prepareWebhook'],
): FastifyPluginAsync[] {
  const { config } = app.loaded;
  if (config.sources.uptimeKuma.length === 0) return [];
  const group = createGroupCommit(app.db);
  const ingest: IngestDeps = {
    sources: config.sources.uptimeKuma, rooms, logger: app.logger, prepareWebhook,
    resolveRoom: app.sender ? (alias) => app.sender!.resolveRoom(alias) : undefined,
    dispatch: async (event, options) => {
      // A webhook the worker prepared comes rendered already.
      const rendered = options?.rendered ? options : await prerender(event, options);
      return group(() => app.dispatch(event, rendered));
    },
  };
  return [uptimeKumaWebhook(ingest), matrixProxy(ingest)];
}

/** Sections read once at start-up: a change to them is applied by a restart, not a reload. */
function restartNeeded(before: Config, after: Config): string[] {
  const sections = ['matrix', 'sources', 'store', 'server', 'delivery', 'timezone', 'commands', 'log'] as const;
  return sections.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

/** Closes the HTTP server, cutting after `graceMs` the requests still coming in (a client trickling its body). */
async function closeServer(server: FastifyInstance | undefined, graceMs: number): Promise<void> {
  if (!server) return;
  let timer: NodeJS.Timeout | undefined;
  const closed = server.close();
  await Promise.race([closed, new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); })]);
  clearTimeout(timer);
  server.server.closeAllConnections();
  await closed;
}

function notReady(db: Database): string[] {
  return db.open ? [] : ['the database is closed'];
}

/** What keeps alerts from the rooms while Vigie still takes and keeps them. */
function deliveryWarnings(deliverer: Deliverer | undefined): string[] {
  const warnings: string[] = [];
  if (!deliverer) warnings.push('no Matrix access token: alerts are queued, not delivered');
  for (const park of deliverer?.parked() ?? []) warnings.push(`delivery to ${park.roomId} is parked: ${park.reason}`);
  return warnings;
}

/** A test event in Kuma's shape (heartbeat and monitor null), as `vigie send-test` sends it. */
export function testEvent(now = new Date()): AlertEvent {
  return {
    source: 'vigie', status: 'test', name: '', hostnameOrURL: '', msg: 'Vigie Testing', time: now, tags: [],
    heartbeatJSON: null, monitorJSON: null,
  };
}
