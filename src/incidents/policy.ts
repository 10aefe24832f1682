// Incident decisions as pure functions: what a DOWN or an UP does to a (monitor, room) incident, and how it reads.
import type { AlertEvent } from '../alert/event.js';

import type { IncidentMode } from '../alert/router.js';

export type { IncidentMode } from '../alert/router.js';

/** How a route shows incidents: replies in a thread, an edit of the first message on recovery, both, or neither. */
export const INCIDENT_MODES = ['thread', 'edit', 'both', 'off'] as const satisfies readonly IncidentMode[];
/** A route's `incidents` when it sets none. */
export const DEFAULT_INCIDENT_MODE: IncidentMode = 'both';
/** A route's `groupWait` when it sets none: alerts arriving within 10 s go out as one message. */
export const DEFAULT_GROUP_WAIT_MS = 10_000;

/** What an open incident tells a decision. */
export interface OpenIncident {
  id: number;
  rootRowId: number;
  ackedBy: string | null;
}

/** What to do with one event in one room. */
export type IncidentAction =
  /** An ordinary alert, no incident involved. */
  | { type: 'plain' }
  /** A DOWN with no open incident: its message is the root of a new incident. */
  | { type: 'open' }
  /**
   * A DOWN that starts a new outage while one is still open: the monitor came back unannounced in between (Kuma
   * notifies no recovery out of maintenance). The old incident is closed and the DOWN opens a new one.
   */
  | { type: 'reopen'; incident: OpenIncident }
  /** A DOWN while the incident is open: posted in its thread (or plainly, without threads). */
  | { type: 'resend'; incident: OpenIncident; inThread: boolean }
  /** A resend of an acknowledged incident: nothing is posted. */
  | { type: 'silent'; incident: OpenIncident }
  /** An UP closing the incident: a reply in its thread and/or an edit of its root. */
  | { type: 'resolve'; incident: OpenIncident; reply: boolean; edit: boolean };

/** The key of a monitor's incidents: its source and name (two sources may have monitors of the same name). */
export function incidentKey(event: Pick<AlertEvent, 'source' | 'name'>): string {
  return JSON.stringify([event.source, event.name]);
}

/** The source inside an incident key (`monitor`, `uptime-kuma:<name>`). */
export function sourceOfKey(key: string): string {
  const parsed = JSON.parse(key) as unknown;
  return Array.isArray(parsed) && typeof parsed[0] === 'string' ? parsed[0] : '';
}

/** The monitor name inside an incident key. */
export function nameOfKey(key: string): string {
  const parsed = JSON.parse(key) as unknown;
  return Array.isArray(parsed) && typeof parsed[1] === 'string' ? parsed[1] : key;
}

/** Decides what an event does, given the route's mode and the (monitor, room) incident open now, if any. */
export function decide(event: Pick<AlertEvent, 'status' | 'name' | 'heartbeatJSON'>, mode: IncidentMode, open: OpenIncident | undefined): IncidentAction {
  // Without a monitor's name (a text no source could read) every such alert would share one incident.
  if (mode === 'off' || event.name === '') return { type: 'plain' };
  const thread = mode === 'thread' || mode === 'both';
  if (event.status === 'down') {
    if (!open) return { type: 'open' };
    // Kuma's `important` DOWN is a change to DOWN (from UP, PENDING or maintenance); a resend is not important.
    if (event.heartbeatJSON?.important === true) return { type: 'reopen', incident: open };
    if (open.ackedBy !== null) return { type: 'silent', incident: open };
    return { type: 'resend', incident: open, inThread: thread };
  }
  if (event.status === 'up' && open) return { type: 'resolve', incident: open, reply: thread, edit: mode !== 'thread' };
  // Test, pending, maintenance, certificate warnings and an UP without an outage are plain alerts.
  return { type: 'plain' };
}

/** A duration as people say it: `45 s`, `12 min`, `2 h 5 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** An incident of a root message, as its resolved line needs it. */
export interface RootIncident {
  name: string;
  startedAt: number;
  resolvedAt: number | null;
}

/** Most names listed in one resolved line; the rest are counted. */
const MAX_NAMES = 8;

/**
 * The line put above a root message once some of its incidents are resolved: `✅ Resolved after 12 min` for one;
 * for a group, `✅ All 3 resolved (after 2–14 min)` or `✅ 2 of 5 resolved: A (12 min), B (3 min)`. Undefined when none is.
 */
export function resolvedLine(incidents: readonly RootIncident[]): string | undefined {
  const resolved = incidents.filter((i) => i.resolvedAt !== null);
  if (resolved.length === 0) return undefined;
  const took = (i: RootIncident) => i.resolvedAt! - i.startedAt;
  if (incidents.length === 1) return `✅ Resolved after ${formatDuration(took(resolved[0]!))}`;
  if (resolved.length === incidents.length) {
    const times = resolved.map(took);
    const low = formatDuration(Math.min(...times));
    const high = formatDuration(Math.max(...times));
    return `✅ All ${incidents.length} resolved (after ${low === high ? low : `${low.replace(/ (s|min|h|d)$/, '')}–${high}`})`;
  }
  const named = resolved.slice(0, MAX_NAMES).map((i) => `${i.name} (${formatDuration(took(i))})`);
  const more = resolved.length > MAX_NAMES ? ` and ${resolved.length - MAX_NAMES} more` : '';
  return `✅ ${resolved.length} of ${incidents.length} resolved: ${named.join(', ')}${more}`;
}
