// The monitor engine: runs each monitor's check on schedule, applies Kuma's state machine, stores beats, sends alerts.
import { EventEmitter } from 'node:events';
import type { Dispatch } from '../alert/dispatch.js';
import type { EventStatus } from '../alert/event.js';
import type { MonitorConfig } from '../config/schema.js';
import type { Logger } from '../logging.js';
import type { Database } from '../store/db.js';
import { runBeat, type BeatContext, type BoundCheck, type LiveMonitor } from './beat.js';
import { createChecks, type CheckDefinition, type CheckType, type PushRegistry } from './checks/index.js';
import type { Push } from './checks/push.js';
import { HeartbeatStore, startPruner, type SavedMonitor } from './heartbeats.js';
import { STATUS_NAMES } from './kuma-json.js';
import { compileWindows, openWindow, type MaintenanceConfig, type MaintenanceWindow } from './maintenance.js';
import { MAX_SPREAD_MS, Scheduler, onGrid, spreadOffset, type Job } from './scheduler.js';
import { PENDING, type BeatStatus } from './state.js';

/** Heartbeats are kept 90 days unless the config says otherwise. */
export const DEFAULT_RETENTION_MS = 90 * 86_400_000;
/** Kuma's slack for push monitors: a push arriving a second late still counts. */
const PUSH_GRACE_MS = 1_000;
/** The scheduler's own limit comes a second after the check's, so the check's "timeout after …" speaks first. */
const HARD_LIMIT_GRACE_MS = 1_000;

/** What the engine needs; app.ts provides it. */
export interface EngineDeps {
  db: Database;
  monitors: readonly MonitorConfig[];
  dispatch: Dispatch;
  logger: Logger;
  /** The configured IANA zone (heartbeatJSON's local time; maintenance windows without a zone of their own). */
  timezone: string;
  maintenance: readonly MaintenanceConfig[];
  /** Where pushes are kept; the push route records into it through `recordPush`. */
  pushes: PushRegistry;
  /** The clock (ms); default Date.now. */
  now?: () => number;
  /** Checks running at once, over all monitors. */
  concurrency?: number;
  /** How long heartbeats are kept (`store.heartbeatRetention`). */
  retentionMs?: number;
  /** Check definitions by type, for tests (fake checks); default: the real ones. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry keeps its own target type
  checks?: Partial<Record<CheckType, CheckDefinition<any>>>;
  /** Windows set at run time (mutes from the room), read before every check beside the configured ones. */
  extraWindows?: { windows(): readonly MaintenanceWindow[] };
}

/** Told after every beat: for metrics (check duration and status per monitor, scheduling lag). */
export interface BeatReport {
  monitor: string;
  type: CheckType;
  status: BeatStatus;
  /** How long the check took, in ms (0 when skipped for maintenance). */
  durationMs: number;
  /** How late the run started after its due time, in ms. */
  lagMs: number;
}

/** The engine's events. */
export interface EngineEvents {
  beat: [BeatReport];
  alert: [{ monitor: string; status: EventStatus }];
}

/** One monitor as /api/monitors shows it: no push token, no header, no credentials of the URL. */
export interface MonitorSnapshot {
  id: number;
  name: string;
  type: CheckType;
  target: string;
  tags: string[];
  status: EventStatus | null;
  /** When the status took its value (ISO 8601). */
  since: string | null;
  lastCheck: string | null;
  nextCheck: string | null;
  message: string | null;
  ping: number | null;
  retries: number;
  /** Seconds between checks. */
  interval: number;
  /** The maintenance window holding the monitor now, by name. */
  maintenance: string | null;
  certificate: { validTo: string; daysRemaining: number; issuer: string | null } | null;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** A URL without its user, password or query, which may hold secrets. */
function publicTarget(target: string): string {
  if (!/^https?:\/\//i.test(target)) return target;
  try {
    const url = new URL(target);
    return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return target;
  }
}

/** Runs the configured monitors; start() begins, stop() ends, reload() applies a new config keeping state by name. */
export class MonitorEngine extends EventEmitter<EngineEvents> {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly store: HeartbeatStore;
  private readonly scheduler: Scheduler;
  private readonly checks: Partial<Record<CheckType, CheckDefinition<unknown>>>;
  private readonly live = new Map<string, LiveMonitor>();
  private readonly byToken = new Map<string, string>();
  private monitors: readonly MonitorConfig[];
  private windows: MaintenanceWindow[];
  private pruner: { stop(): void } | undefined;
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly deps: EngineDeps) {
    super();
    this.log = deps.logger.child({ component: 'monitor' });
    this.now = deps.now ?? Date.now;
    this.store = new HeartbeatStore(deps.db, this.now,
      (error) => this.log.error({ err: error }, 'could not store heartbeats (is the disk full?); those beats are lost, checks go on'));
    this.checks = { ...createChecks({ pushes: deps.pushes }), ...deps.checks };
    this.scheduler = new Scheduler({
      concurrency: deps.concurrency, now: this.now,
      onError: (monitor, error) => this.log.error({ monitor, err: error }, 'a check run failed unexpectedly (a bug in Vigie); retrying in a minute'),
    });
    this.monitors = deps.monitors;
    this.windows = compileWindows(deps.maintenance, deps.timezone);
  }

  /** Loads each monitor's saved state and schedules its checks (spread over up to a minute, or where it left off). */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    const saved = this.store.load(this.monitors.map((m) => m.name));
    for (const config of this.monitors) this.add(config, saved.get(config.name)!);
    this.pruner = startPruner(this.store, this.deps.retentionMs ?? DEFAULT_RETENTION_MS,
      (error) => this.log.error({ err: error }, 'pruning old heartbeats failed; will try again in an hour'));
    this.log.info({ monitors: this.live.size }, 'monitor engine started');
  }

  /** Stops scheduling; waits up to `graceMs` for checks in progress (cancelled ones record nothing), then writes what is buffered. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    this.pruner?.stop();
    await this.scheduler.stop(graceMs);
    this.store.flush();
  }

  /** Applies a new list of monitors (SIGHUP): state is kept by name, changed monitors use their new settings from their next check. */
  reload(monitors: readonly MonitorConfig[], maintenance?: readonly MaintenanceConfig[]): void {
    if (maintenance) this.windows = compileWindows(maintenance, this.deps.timezone);
    this.monitors = monitors;
    if (this.state !== 'running') return;
    const wanted = new Set(monitors.map((m) => m.name));
    const removed = [...this.live.keys()].filter((name) => !wanted.has(name));
    for (const name of removed) this.remove(name);
    const fresh = monitors.filter((m) => !this.live.has(m.name));
    const saved = this.store.load(fresh.map((m) => m.name));
    let changed = 0;
    for (const config of monitors) {
      const m = this.live.get(config.name);
      if (!m) this.add(config, saved.get(config.name)!);
      else if (JSON.stringify(m.config) !== JSON.stringify(config)) {
        this.change(m, config);
        changed += 1;
      }
    }
    this.log.info({ added: fresh.length, removed: removed.length, changed }, 'monitors reloaded');
  }

  /** Records a push for `token` and checks its monitor at once; false for a token no monitor has (answer 404). */
  recordPush(token: string, push: Push): boolean {
    if (!this.deps.pushes.record(token, push, new Date(this.now()))) return false;
    const name = this.byToken.get(token);
    if (name !== undefined) this.scheduler.runSoon(name);
    return true;
  }

  /** Every monitor's current state, in config order. */
  snapshot(): MonitorSnapshot[] {
    const now = this.now();
    return this.monitors.flatMap((config) => {
      const m = this.live.get(config.name);
      if (!m) return [];
      const window = openWindow(this.allWindows(), config, now);
      const cert = m.certificate;
      return [{
        id: m.id, name: config.name, type: config.type, target: publicTarget(m.check.hostnameOrURL), tags: [...config.tags],
        status: m.state ? STATUS_NAMES[m.state.status] : null, since: iso(m.changedAt),
        lastCheck: iso(m.last?.time), nextCheck: iso(this.scheduler.dueAt(config.name)),
        message: m.last?.msg ?? null, ping: m.last?.ping ?? null, retries: m.state?.retries ?? 0,
        interval: config.interval / 1000, maintenance: window?.name ?? null,
        certificate: cert ? { validTo: cert.validTo.toISOString(), daysRemaining: cert.daysRemaining, issuer: cert.issuer ?? null } : null,
      }];
    });
  }

  /** The configured windows, then those set at run time. */
  private allWindows(): readonly MaintenanceWindow[] {
    const extra = this.deps.extraWindows?.windows() ?? [];
    return extra.length === 0 ? this.windows : [...this.windows, ...extra];
  }

  private add(config: MonitorConfig, saved: SavedMonitor): void {
    const m: LiveMonitor = {
      config, check: this.bind(config), id: saved.id, state: saved.saved?.state, changedAt: saved.saved?.changedAt,
      last: saved.lastBeat, tls: saved.tls, certificate: undefined, removed: false,
    };
    this.live.set(config.name, m);
    this.watchPushes(m);
    this.scheduler.add(config.name, this.jobOf(m), this.firstDue(m));
  }

  private change(m: LiveMonitor, config: MonitorConfig): void {
    const moved = m.config.interval !== config.interval || m.config.type !== config.type;
    this.unwatchPushes(m);
    m.config = config;
    m.check = this.bind(config);
    this.watchPushes(m);
    this.scheduler.update(config.name, this.jobOf(m), moved ? this.firstDue(m) : undefined);
  }

  private remove(name: string): void {
    const m = this.live.get(name);
    if (!m) return;
    m.removed = true;
    this.unwatchPushes(m);
    this.scheduler.remove(name);
    this.live.delete(name);
  }

  private watchPushes(m: LiveMonitor): void {
    if (m.config.type !== 'push' || typeof m.config.token !== 'string') return;
    this.deps.pushes.watch(m.config.token);
    this.byToken.set(m.config.token, m.config.name);
  }

  private unwatchPushes(m: LiveMonitor): void {
    if (m.config.type !== 'push' || typeof m.config.token !== 'string') return;
    this.deps.pushes.forget(m.config.token);
    this.byToken.delete(m.config.token);
  }

  /** The check of a monitor; its fields were parsed by this very check's schema when the config loaded. */
  private bind(config: MonitorConfig): BoundCheck {
    const definition = this.checks[config.type];
    if (!definition) throw new Error(`no check for type ${config.type} (a bug in Vigie)`);
    return {
      hostnameOrURL: definition.hostnameOrURL(config),
      timeout: typeof config.timeout === 'number' ? config.timeout : 30_000,
      run: (signal) => definition.run(config, signal),
      skipped: definition.skipped ? () => definition.skipped?.(config) : undefined,
    };
  }

  private jobOf(m: LiveMonitor): Job {
    return { timeoutMs: m.check.timeout + HARD_LIMIT_GRACE_MS, run: (signal, lagMs) => this.beat(m, signal, lagMs) };
  }

  /** Push monitors wait a whole interval, as in Kuma; others resume their cycle, or start spread over up to a minute. */
  private firstDue(m: LiveMonitor): number {
    const now = this.now();
    const { config } = m;
    if (config.type === 'push') return now + config.interval + PUSH_GRACE_MS;
    const resume = m.last ? m.last.time + (m.state?.status === PENDING ? config.retryInterval : config.interval) : 0;
    // On the scheduler's grid: a start time rounded up is a choice, not a delay to count as lag.
    return resume > now ? resume : onGrid(now + spreadOffset(config.name, Math.min(config.interval, MAX_SPREAD_MS)));
  }

  /** One beat, then the delay to the next: retryInterval while PENDING, plus Kuma's second of slack for push monitors. */
  private async beat(m: LiveMonitor, signal: AbortSignal, lagMs: number): Promise<number> {
    const ctx: BeatContext = { now: this.now, windows: this.allWindows(), store: this.store, dispatch: this.deps.dispatch, timezone: this.deps.timezone, log: this.log };
    const outcome = await runBeat(ctx, m, signal);
    const { config } = m;
    if (!outcome) return config.interval;
    for (const status of outcome.alerts) this.emit('alert', { monitor: config.name, status });
    this.emit('beat', { monitor: config.name, type: config.type, status: outcome.beat.status, durationMs: outcome.durationMs, lagMs });
    const delay = outcome.transition.nextDelay === 'retryInterval' ? config.retryInterval : config.interval;
    return config.type === 'push' ? delay + PUSH_GRACE_MS : delay;
  }
}
