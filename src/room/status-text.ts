// The answer to `!vigie status`: what is down or pending and since when, what is muted, in the configured zone.
import { formatDuration } from '../config/duration.js';
import type { EventStatus } from '../alert/event.js';
import type { Mute } from './mutes.js';
import type { OpenIncidentView } from './acknowledger.js';

/** What status needs of a monitor (the engine's snapshot fits). */
export interface MonitorStatus {
  name: string;
  status: EventStatus | null;
  /** When the status took its value (ISO 8601). */
  since: string | null;
  message: string | null;
  /** The maintenance window holding it now. */
  maintenance: string | null;
}

const MARKS: Partial<Record<EventStatus, string>> = { down: '🔴', pending: '🟠', maintenance: '🔧' };

/** A time of day in `timezone`, with the date when it is not today. */
export function clockTime(ms: number, now: number, timezone: string): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
  return day.format(ms) === day.format(now) ? time : `${day.format(ms)} ${time}`;
}

/** Elapsed time to the minute ("35m", "2h5m"), "just now" under a minute. */
function elapsed(fromMs: number, now: number): string {
  const minutes = Math.floor((now - fromMs) / 60_000);
  return minutes < 1 ? 'just now' : formatDuration(minutes * 60_000);
}

function line(m: MonitorStatus, now: number, timezone: string): string {
  const status = m.status ?? 'pending';
  const sinceMs = m.since === null ? undefined : Date.parse(m.since);
  const since = sinceMs === undefined ? '' : ` since ${clockTime(sinceMs, now, timezone)} (${elapsed(sinceMs, now)})`;
  const why = status === 'maintenance' ? m.maintenance ?? '' : m.message ?? '';
  return `${MARKS[status] ?? '•'} ${m.name} — ${status}${since}${why ? `: ${why}` : ''}`;
}

/** Vigie's own monitors: those needing attention, the others counted; nothing when it runs none. */
function ownLines(monitors: readonly MonitorStatus[], now: number, timezone: string): string[] {
  if (monitors.length === 0) return [];
  const attention = monitors.filter((m) => m.status === 'down' || m.status === 'pending' || m.status === 'maintenance');
  const up = monitors.filter((m) => m.status === 'up').length;
  const unchecked = monitors.length - attention.length - up;
  return attention.length === 0
    ? [`✅ All ${monitors.length} monitors are up${unchecked > 0 ? ` (${unchecked} not checked yet)` : ''}.`]
    : [...attention.map((m) => line(m, now, timezone)), `${up} up${unchecked > 0 ? `, ${unchecked} not checked yet` : ''}, of ${monitors.length}.`];
}

/** An outage another source reported (Uptime Kuma), from its open incident. */
function incidentLine(incident: OpenIncidentView, now: number, timezone: string): string {
  const source = incident.source.startsWith('uptime-kuma:') ? `Uptime Kuma ${incident.source.slice('uptime-kuma:'.length)}` : incident.source;
  const acked = incident.ackedBy ? `, acknowledged by ${incident.ackedBy}` : '';
  return `🔴 ${incident.monitor} — down since ${clockTime(incident.startedAt, now, timezone)} (${elapsed(incident.startedAt, now)}), from ${source}${acked}`;
}

/** The status answer; monitors that are up (or not checked yet) are only counted; other sources' open incidents listed. */
export function statusText(
  monitors: readonly MonitorStatus[], mutes: readonly Mute[], now: number, timezone: string, incidents: readonly OpenIncidentView[] = [],
): string {
  const elsewhere = incidents.filter((i) => i.source !== 'monitor').map((i) => incidentLine(i, now, timezone));
  if (monitors.length === 0 && elsewhere.length === 0) return 'Vigie runs no monitors of its own here, and no outage reported to it is open in this room.';
  const lines = [...ownLines(monitors, now, timezone), ...elsewhere];
  for (const mute of mutes) lines.push(`🔇 ${mute.target} muted until ${clockTime(mute.untilMs, now, timezone)} by ${mute.by}`);
  return lines.join('\n');
}
