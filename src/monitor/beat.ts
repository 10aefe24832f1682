// One heartbeat of one monitor: the check (unless a maintenance window holds it), Kuma's state machine, the store, the alert.
import type { Dispatch } from '../alert/dispatch.js';
import type { EventStatus } from '../alert/event.js';
import type { MonitorConfig } from '../config/schema.js';
import type { Logger } from '../logging.js';
import type { CheckResult, TlsInfo } from './checks/index.js';
import { dueExpiryWarning } from './checks/tls-info.js';
import type { HeartbeatStore, StoredBeat } from './heartbeats.js';
import { STATUS_NAMES, beatEvent, certificateEvent, type EventSubject } from './kuma-json.js';
import { openWindow, type MaintenanceWindow } from './maintenance.js';
import { DOWN, MAINTENANCE_MESSAGE, nextState, UP, type MonitorState, type Transition } from './state.js';

const DEFAULT_TLS_THRESHOLDS = [14, 7, 1];

/** A check bound to a monitor's parsed fields. */
export interface BoundCheck {
  hostnameOrURL: string;
  /** The check's own time limit (ms). */
  timeout: number;
  run(signal: AbortSignal): Promise<CheckResult>;
  /** A maintenance window skipped the check (a push received during it must not count after it). */
  skipped?(): void;
}

/** A running monitor: its config, its check, and what the state machine remembers. */
export interface LiveMonitor {
  config: MonitorConfig;
  check: BoundCheck;
  id: number;
  state: MonitorState | undefined;
  /** When the status took its current value. */
  changedAt: number | undefined;
  last: StoredBeat | undefined;
  /** The certificate last seen and the expiry thresholds already warned about for it (saved). */
  tls: { fingerprint: string | null; warned: number[] };
  /** The certificate of the last https check, for /api/monitors. */
  certificate: TlsInfo | undefined;
  /** Taken out of the config: a run in progress records nothing. */
  removed: boolean;
}

/** What a beat needs from the engine. */
export interface BeatContext {
  now(): number;
  windows: readonly MaintenanceWindow[];
  store: HeartbeatStore;
  dispatch: Dispatch;
  timezone: string;
  log: Logger;
}

/** What a beat did, for the engine's schedule and metrics. */
export interface BeatOutcome {
  beat: StoredBeat;
  transition: Transition;
  /** How long the check took (ms); 0 when a window skipped it. */
  durationMs: number;
  /** The statuses of the alerts queued (a state change, a certificate warning). */
  alerts: EventStatus[];
}

/** The outcome fed to the state machine when a window skips the check. */
const SKIPPED: CheckResult = { status: 'up', message: MAINTENANCE_MESSAGE };

/** The signal was aborted by a stop or a removal (not by the time limit): the run's result means nothing. */
function cancelled(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason as Error | undefined)?.name === 'AbortError';
}

/** Runs one heartbeat of `m`; undefined when it was cancelled (nothing recorded). */
export async function runBeat(ctx: BeatContext, m: LiveMonitor, signal: AbortSignal): Promise<BeatOutcome | undefined> {
  const { config, check } = m;
  const startedAt = ctx.now();
  const window = openWindow(ctx.windows, config, startedAt);
  const clock = performance.now();
  if (window) check.skipped?.();
  const result = window ? SKIPPED : await runCheck(ctx.log, config.name, check, signal);
  const durationMs = window ? 0 : performance.now() - clock;
  if (m.removed || cancelled(signal)) return undefined;

  const transition = nextState(m.state, result, {
    maxretries: config.maxretries, resendInterval: config.resendInterval, upsideDown: config.upsideDown, inMaintenance: window !== undefined,
  });
  const { state, heartbeat, notify } = transition;
  const beat: StoredBeat = { monitorId: m.id, time: startedAt, ...heartbeat };
  const changedAt = m.state?.status === state.status ? (m.changedAt ?? startedAt) : startedAt;
  const same = m.state !== undefined && m.state.status === state.status && m.state.retries === state.retries && m.state.downCount === state.downCount;
  const saved = same ? undefined : { state, changedAt };
  const subject: EventSubject = { monitor: config, id: m.id, hostnameOrURL: check.hostnameOrURL };
  const alerts: EventStatus[] = [];
  if (notify) {
    // A recovery tells when the outage began (Kuma's lastDownTime: its important DOWN beat, when the status changed).
    const lastDownTime = beat.status === UP && m.state?.status === DOWN ? m.changedAt : undefined;
    const event = beatEvent(subject, beat, ctx.timezone, lastDownTime);
    // The alert is queued in the transaction that stores the state which sent it.
    ctx.store.recordNow(beat, saved, () => ctx.dispatch(event));
    alerts.push(event.status);
  } else {
    ctx.store.record(beat, saved);
  }
  if (beat.important) ctx.log.info({ monitor: config.name, status: STATUS_NAMES[beat.status], detail: beat.msg, alert: notify }, 'monitor changed status');
  // An unchanged state keeps its object: one less allocation per beat to outlive the young generation.
  if (!same) m.state = state;
  m.changedAt = changedAt;
  m.last = beat;
  if (result.tls && watchCertificate(ctx, m, subject, result.tls, startedAt)) alerts.push('certificate');
  return { beat, transition, durationMs, alerts };
}

/** Runs the check; one that throws (a bug, or a bad setting that slipped through) is a DOWN result saying so. */
async function runCheck(log: Logger, monitor: string, check: BoundCheck, signal: AbortSignal): Promise<CheckResult> {
  try {
    return await check.run(signal);
  } catch (error) {
    log.error({ monitor, err: error }, 'the check threw instead of reporting a result (a bug in Vigie)');
    return { status: 'down', message: `the check failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Warns once per threshold (`tlsExpiryDays`, default 14, 7 and 1 days) as the certificate nears its expiry, as Kuma
 * does; a new certificate (another fingerprint) starts over. Returns whether a warning was queued. With ignoreTls,
 * as in Kuma, the expiry is recorded and not warned about: the certificate is one its owner chose not to trust.
 */
function watchCertificate(ctx: BeatContext, m: LiveMonitor, subject: EventSubject, tls: TlsInfo, at: number): boolean {
  m.certificate = tls;
  if (m.config.expiryNotification === false || m.config.ignoreTls === true) return false;
  const fingerprint = tls.fingerprint256 ?? null;
  const renewed = fingerprint !== m.tls.fingerprint;
  const warned = renewed ? [] : m.tls.warned;
  const thresholds = Array.isArray(m.config.tlsExpiryDays) ? (m.config.tlsExpiryDays as number[]) : DEFAULT_TLS_THRESHOLDS;
  const due = dueExpiryWarning(tls.daysRemaining, thresholds, warned);
  if (due === undefined) {
    if (renewed) ctx.store.saveTls(m.id, fingerprint, warned);
    m.tls = { fingerprint, warned };
    return false;
  }
  const event = certificateEvent(subject, tls, at);
  // Saved with the warning: a restart neither repeats nor loses it.
  ctx.store.saveTls(m.id, fingerprint, [...warned, due], () => ctx.dispatch(event));
  m.tls = { fingerprint, warned: [...warned, due] };
  ctx.log.info({ monitor: m.config.name, daysRemaining: tls.daysRemaining, threshold: due }, 'certificate expiry warning queued');
  return true;
}
