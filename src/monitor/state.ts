// Kuma 2.x's heartbeat state machine as a pure function: retries, PENDING, upside-down, maintenance, notify, resend.
import type { CheckResult } from './checks/types.js';

/** Heartbeat status codes, as Kuma numbers them. */
export const DOWN = 0;
export const UP = 1;
export const PENDING = 2;
export const MAINTENANCE = 3;

/** A heartbeat status code: DOWN 0, UP 1, PENDING 2, MAINTENANCE 3. */
export type BeatStatus = typeof DOWN | typeof UP | typeof PENDING | typeof MAINTENANCE;

/** What the machine remembers of a monitor between checks (Kuma keeps it on the last heartbeat). */
export interface MonitorState {
  status: BeatStatus;
  /** Failures in a row; still counted while DOWN, so DOWN never falls back to PENDING. */
  retries: number;
  /** DOWN beats since the last notification, for resendInterval. */
  downCount: number;
}

/** The monitor's settings the machine reads. */
export interface StatePolicy {
  /** Failures tolerated as PENDING before DOWN. */
  maxretries: number;
  /** Re-send the DOWN alert every N consecutive DOWN beats; 0 never. */
  resendInterval: number;
  /** A reachable target is DOWN and an unreachable one UP. */
  upsideDown: boolean;
  /** A maintenance window is open: the beat is MAINTENANCE, whatever the check said. */
  inMaintenance: boolean;
}

/** One heartbeat, as Kuma records it. */
export interface Beat {
  status: BeatStatus;
  msg: string;
  /** A status change worth showing (Kuma's `important`). */
  important: boolean;
  retries: number;
  /** Kuma's `ping`: how long the check took, in ms. */
  ping?: number;
}

/** The outcome of one check. */
export interface Transition {
  state: MonitorState;
  heartbeat: Beat;
  /** Send an alert for this beat: a notified transition, or a resend. */
  notify: boolean;
  /** The alert is a reminder of an ongoing DOWN (resendInterval), not a change. */
  resend: boolean;
  /** When to check next: PENDING retries sooner. */
  nextDelay: 'interval' | 'retryInterval';
}

/** Kuma's message for a beat in a maintenance window. */
export const MAINTENANCE_MESSAGE = 'Monitor under maintenance';

type Pair = `${BeatStatus}>${BeatStatus}`;

/** Kuma's isImportantBeat: changes shown in the history, maintenance included. */
const IMPORTANT: ReadonlySet<Pair> = new Set<Pair>([
  `${DOWN}>${MAINTENANCE}`, `${UP}>${MAINTENANCE}`, `${MAINTENANCE}>${DOWN}`, `${MAINTENANCE}>${UP}`,
  `${UP}>${DOWN}`, `${DOWN}>${UP}`, `${PENDING}>${DOWN}`,
]);

/** Kuma's isImportantForNotification: the changes that alert; maintenance entries and exits to UP do not. */
const NOTIFIED: ReadonlySet<Pair> = new Set<Pair>([
  `${MAINTENANCE}>${DOWN}`, `${UP}>${DOWN}`, `${DOWN}>${UP}`, `${PENDING}>${DOWN}`,
]);

/** The beat's status and message before retries: maintenance first, then the check, flipped if upside down. */
function observe(result: CheckResult, policy: StatePolicy): { status: BeatStatus; msg: string } {
  if (policy.inMaintenance) return { status: MAINTENANCE, msg: MAINTENANCE_MESSAGE };
  const up = result.status === 'up' ? !policy.upsideDown : policy.upsideDown;
  if (up || !policy.upsideDown) return { status: up ? UP : DOWN, msg: result.message };
  return { status: DOWN, msg: `reachable, which upside-down mode counts as DOWN: ${result.message}` };
}

/** Applies one check result to a monitor's state, exactly as Kuma 2.x's `beat` does. */
export function nextState(prev: MonitorState | undefined, result: CheckResult, policy: StatePolicy): Transition {
  const isFirstBeat = prev === undefined;
  const seen = observe(result, policy);
  let status = seen.status;
  let retries = prev?.retries ?? 0;
  if (status === DOWN) {
    // Kuma: PENDING while retries < maxretries; the count goes on while DOWN.
    if (policy.maxretries > 0 && retries < policy.maxretries) status = PENDING;
    retries += 1;
  } else {
    retries = 0;
  }

  const pair: Pair | undefined = isFirstBeat ? undefined : `${prev.status}>${status}`;
  const important = pair === undefined || IMPORTANT.has(pair);
  // Kuma's sendNotification skips a first beat unless it is DOWN.
  const changeAlert = pair === undefined ? status === DOWN : NOTIFIED.has(pair);

  let downCount = prev?.downCount ?? 0;
  let resend = false;
  if (important) {
    downCount = 0;
  } else if (status === DOWN && policy.resendInterval > 0) {
    downCount += 1;
    if (downCount >= policy.resendInterval) {
      resend = true;
      downCount = 0;
    }
  }

  const heartbeat: Beat = { status, msg: seen.msg, important, retries };
  if (result.ms !== undefined && status !== MAINTENANCE) heartbeat.ping = result.ms;
  return {
    state: { status, retries, downCount },
    heartbeat,
    notify: changeAlert || resend,
    resend,
    nextDelay: status === PENDING ? 'retryInterval' : 'interval',
  };
}
