// Maintenance windows: one-off or recurring (with a time zone), for some monitors; checks are skipped and alerts silenced.
import { z } from 'zod';
import { zoneClock, type ZoneClock } from '../alert/render/zone-clock.js';
import { timeZoneField } from '../config/fields.js';

const DAY_MS = 86_400_000;
const HALF_DAY_MS = DAY_MS / 2;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
/** "02:00", "23:59": a time of day on the window's wall clock. */
const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** "2025-07-01 22:00", "2025-07-01T22:00:00+02:00", "…Z": without an offset, read on the window's wall clock. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?\s*(Z|[+-]\d{2}:?\d{2})?$/;

const weekday = z.string().transform((value, ctx) => {
  const index = WEEKDAYS.findIndex((day) => day === value.toLowerCase() || day.slice(0, 3) === value.toLowerCase());
  if (index >= 0) return index;
  ctx.issues.push({ code: 'custom', input: value, message: 'expected a day like "mon" or "monday"', params: { showValue: true } });
  return z.NEVER;
});

/** One window as written under `maintenance:` in vigie.yaml. */
export const maintenanceSchema = z.strictObject({
  name: z.string().min(1).optional().describe('A name for logs and /api/monitors'),
  monitors: z.array(z.string()).optional().describe('Monitors (names) it applies to'),
  tags: z.array(z.string()).optional().describe('Monitors with any of these tags it applies to; without monitors and tags: every monitor'),
  start: z.string().regex(DATE_TIME, { message: 'expected a date and time like "2025-07-01 22:00" (an offset like +02:00 or Z is optional)' })
    .optional().describe('One-off window: when it begins, on the window\'s clock unless an offset is given'),
  end: z.string().regex(DATE_TIME, { message: 'expected a date and time like "2025-07-02 02:00"' }).optional()
    .describe('One-off window: when it ends (excluded)'),
  from: z.string().regex(TIME_OF_DAY, { message: 'expected a time of day like "02:00"' }).optional()
    .describe('Recurring window: the time of day it begins'),
  to: z.string().regex(TIME_OF_DAY, { message: 'expected a time of day like "03:30"' }).optional()
    .describe('Recurring window: the time of day it ends (excluded); earlier than from means the next day'),
  weekdays: z.array(weekday).optional().describe('Recurring window: the days it begins on ("mon", "sunday"); default every day'),
  daysOfMonth: z.array(z.int().min(1).max(31)).optional().describe('Recurring window: the days of the month it begins on (1-31)'),
  timezone: timeZoneField.unwrap().optional().describe('IANA time zone of from, to and start/end without offset; default: timezone'),
}).superRefine((window, ctx) => {
  const report = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const oneOff = window.start !== undefined || window.end !== undefined;
  const recurring = window.from !== undefined || window.to !== undefined;
  if (oneOff && recurring) report('from', 'a window is either one-off (start, end) or recurring (from, to), not both');
  else if (oneOff) {
    if (window.start === undefined) report('start', 'a one-off window needs start as well as end');
    if (window.end === undefined) report('end', 'a one-off window needs end as well as start');
    if (window.weekdays ?? window.daysOfMonth) report(window.weekdays ? 'weekdays' : 'daysOfMonth', 'only a recurring window (from, to) has days');
    if (window.start !== undefined && window.end !== undefined && instantOf(window.end, 'UTC') <= instantOf(window.start, 'UTC')) {
      report('end', 'end must come after start');
    }
  } else if (recurring) {
    if (window.from === undefined) report('from', 'a recurring window needs from as well as to');
    if (window.to === undefined) report('to', 'a recurring window needs to as well as from');
  } else {
    report('start', 'a window needs start and end (one-off), or from and to (recurring)');
  }
}).describe('A maintenance window: checks are skipped (MAINTENANCE beats) and no alert is sent');

/** A window as written in the config. */
export type MaintenanceConfig = z.output<typeof maintenanceSchema>;

/** A window ready to be matched: instants and wall-clock times resolved. */
export interface MaintenanceWindow {
  name: string;
  monitors?: ReadonlySet<string>;
  tags?: ReadonlySet<string>;
  /** One-off: [start, end) in ms since the epoch. */
  once?: { start: number; end: number };
  /** Recurring: [from, to) in ms after local midnight, on the days listed (a window crossing midnight ends the next day). */
  recurring?: { from: number; to: number; weekdays?: ReadonlySet<number>; daysOfMonth?: ReadonlySet<number>; clock: ZoneClock };
}

/** What a window needs to know of a monitor. */
export interface MonitorIdentity {
  name: string;
  tags: readonly string[];
}

/** The instant a date-time means: its own offset if it has one, else the wall clock of `timezone`. */
export function instantOf(text: string, timezone: string): number {
  const m = DATE_TIME.exec(text.trim());
  if (!m) throw new RangeError(`expected a date and time like "2025-07-01 22:00", got ${JSON.stringify(text)}`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  const zone = m[7];
  if (zone === 'Z') return wall;
  if (zone !== undefined) return wall - zoneClock(zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone).offsetMs(wall);
  // Offsets change at most once within a few hours: try the one before and the one after.
  const clock = zoneClock(timezone);
  const early = wall - clock.offsetMs(wall - HALF_DAY_MS);
  const late = wall - clock.offsetMs(wall + HALF_DAY_MS);
  const fits = (instant: number) => instant + clock.offsetMs(instant) === wall;
  // A time given twice (clocks going back) is the first; a time skipped (clocks going forward) is read with the
  // offset before the jump, so it lands after the gap, as a wall clock that was not moved yet would say.
  if (fits(early) && fits(late)) return Math.min(early, late);
  if (fits(late)) return late;
  return early;
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return ((hours ?? 0) * 60 + (minutes ?? 0)) * 60_000;
}

/** Resolves the configured windows; `timezone` is the config's, for windows that name none. */
export function compileWindows(windows: readonly MaintenanceConfig[], timezone: string): MaintenanceWindow[] {
  return windows.map((w, i) => {
    const zone = w.timezone ?? timezone;
    const compiled: MaintenanceWindow = { name: w.name ?? `maintenance #${i + 1}` };
    if (w.monitors) compiled.monitors = new Set(w.monitors);
    if (w.tags) compiled.tags = new Set(w.tags);
    if (w.start !== undefined && w.end !== undefined) compiled.once = { start: instantOf(w.start, zone), end: instantOf(w.end, zone) };
    if (w.from !== undefined && w.to !== undefined) {
      compiled.recurring = { from: minutesOf(w.from), to: minutesOf(w.to), clock: zoneClock(zone) };
      if (w.weekdays) compiled.recurring.weekdays = new Set(w.weekdays);
      if (w.daysOfMonth) compiled.recurring.daysOfMonth = new Set(w.daysOfMonth);
    }
    return compiled;
  });
}

function appliesTo(window: MaintenanceWindow, monitor: MonitorIdentity): boolean {
  if (!window.monitors && !window.tags) return true;
  return window.monitors?.has(monitor.name) === true || monitor.tags.some((tag) => window.tags?.has(tag) === true);
}

/** Whether a recurring window may begin on the local day starting at `dayStart` (wall-clock ms, as UTC). */
function beginsOn(recurring: NonNullable<MaintenanceWindow['recurring']>, dayStart: number): boolean {
  const day = new Date(dayStart);
  if (recurring.weekdays && !recurring.weekdays.has(day.getUTCDay())) return false;
  return !recurring.daysOfMonth || recurring.daysOfMonth.has(day.getUTCDate());
}

/** Whether `instant` falls in the window's time, whichever monitor it is for. */
export function windowOpen(window: MaintenanceWindow, instant: number): boolean {
  if (window.once && instant >= window.once.start && instant < window.once.end) return true;
  const recurring = window.recurring;
  if (!recurring) return false;
  // The wall clock, read as if it were UTC: DST only moves where `instant` lands on it.
  const wall = instant + recurring.clock.offsetMs(instant);
  const time = ((wall % DAY_MS) + DAY_MS) % DAY_MS;
  const today = wall - time;
  if (recurring.from < recurring.to) return time >= recurring.from && time < recurring.to && beginsOn(recurring, today);
  // Crossing midnight (or from == to, a whole day): the evening part begins today, the morning part began yesterday.
  return (time >= recurring.from && beginsOn(recurring, today)) || (time < recurring.to && beginsOn(recurring, today - DAY_MS));
}

/** The first window that holds `monitor` at `instant`, or undefined. */
export function openWindow(windows: readonly MaintenanceWindow[], monitor: MonitorIdentity, instant: number): MaintenanceWindow | undefined {
  return windows.find((window) => appliesTo(window, monitor) && windowOpen(window, instant));
}

/** Whether `monitor` is in maintenance at `instant` (ms since the epoch, or a Date). */
export function inMaintenance(windows: readonly MaintenanceWindow[], monitor: MonitorIdentity, instant: number | Date): boolean {
  return openWindow(windows, monitor, typeof instant === 'number' ? instant : instant.getTime()) !== undefined;
}
