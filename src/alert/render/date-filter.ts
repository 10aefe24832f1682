// Liquid's `date` filters, replaced: fast strftime in the configured zone, with "now" meaning the event's time.
import { toValue } from 'liquidjs';
import type { FilterImplOptions } from 'liquidjs';
import { printed } from './printed.js';
import { strftime } from './strftime.js';
import { zoneClock, type ZoneClock } from './zone-clock.js';

/** Key under which the render scope carries the event's time (a symbol, so templates cannot see or shadow it). */
export const EVENT_TIME: unique symbol = Symbol('vigie.eventTime');

/** LiquidJS's default format, used when `date` is given none. */
const DEFAULT_FORMAT = '%A, %B %-e, %Y at %-l:%M %P %z';
/** A date-time without a zone, as Kuma writes `heartbeatJSON.time` (`2026-11-26 12:09:41.399`): UTC. */
const ZONELESS = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
/** A string that says its own zone (`Z`, `+02:00`, `GMT`, `CET`…): Date.parse reads it right. */
const HAS_ZONE = /(?:[zZ]|[+-]\d{2}:?\d{2}|\b(?:UTC|GMT|UT|[A-Z]{2,4}T)\b.*)$/;

/** What a filter handler sees as `this`: the render context, whose scope carries the event's time. */
interface FilterThis {
  context: { environments: object; memoryLimit: { use(count: number): void } };
}

function eventTime(self: FilterThis): number {
  const time = (self.context.environments as Record<symbol, unknown>)[EVENT_TIME];
  return time instanceof Date ? time.getTime() : Date.now();
}

/** Reads a zoneless date string as UTC; other strings as Date.parse does, local times taken as UTC too. */
function parseDateString(text: string): number {
  const m = ZONELESS.exec(text);
  if (m) {
    const ms = Number(((m[7] ?? '') + '000').slice(0, 3));
    return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms);
  }
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed) || HAS_ZONE.test(text.trim())) return parsed;
  // Date.parse took the wall time in the process's zone; undo that so the result does not depend on the host.
  return parsed - new Date(parsed).getTimezoneOffset() * 60_000;
}

/** The instant (ms) a `date` input stands for, or undefined when it is not a date (the filter then returns it as is). */
export function toInstant(input: unknown, nowMs: number): number | undefined {
  const value: unknown = toValue(input);
  let ms: number;
  if (value === 'now' || value === 'today') ms = nowMs;
  else if (typeof value === 'number') ms = value * 1000; // Liquid convention: numbers are Unix seconds
  else if (typeof value === 'string') ms = /^\d+$/.test(value) ? Number(value) * 1000 : parseDateString(value);
  else if (value instanceof Date) ms = value.getTime();
  else return undefined;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Kuma's `heartbeatJSON.localDateTime` is the wall time in the heartbeat's zone, without a zone (unlike `time`, which
 * is UTC): read with the heartbeat's `timezoneOffset`, it is the instant it stands for, not one shifted by that offset.
 */
function localTimeOfHeartbeat(self: FilterThis, input: unknown): number | undefined {
  const value: unknown = toValue(input);
  if (typeof value !== 'string') return undefined;
  const heartbeat = (self.context.environments as { heartbeatJSON?: unknown }).heartbeatJSON;
  if (typeof heartbeat !== 'object' || heartbeat === null) return undefined;
  const { localDateTime, timezoneOffset } = heartbeat as { localDateTime?: unknown; timezoneOffset?: unknown };
  if (value !== localDateTime || typeof timezoneOffset !== 'string' || !/^[+-]\d{2}:\d{2}$/.test(timezoneOffset)) return undefined;
  if (!ZONELESS.test(value)) return undefined;
  const wall = parseDateString(value);
  // A fixed offset's clock (zoneClock reads "+01:00"), the same for any instant.
  return wall - zoneClock(timezoneOffset).offsetMs(wall);
}

function clockFor(zone: unknown, fallback: ZoneClock): ZoneClock {
  const name: unknown = toValue(zone);
  return typeof name === 'string' && name !== '' ? zoneClock(name) : fallback;
}

/** Formats an input the way `date` does, with an optional zone argument overriding the configured one. */
function formatInput(self: FilterThis, input: unknown, format: unknown, zone: unknown, clock: ZoneClock): unknown {
  const ms = localTimeOfHeartbeat(self, input) ?? toInstant(input, eventTime(self));
  if (ms === undefined) return input;
  const fmt: unknown = toValue(format);
  const text = fmt === undefined || fmt === null ? DEFAULT_FORMAT : printed(fmt);
  self.context.memoryLimit.use(text.length);
  return strftime(ms, text, clockFor(zone, clock));
}

/** `date_to_string` / `date_to_long_string`: `26 Nov 2026`, or with `ordinal` `26th Nov 2026` (`US`: `Nov 26th, 2026`). */
function stringifyDate(self: FilterThis, input: unknown, month: string, type: unknown, style: unknown, clock: ZoneClock): unknown {
  if (toValue(type) !== 'ordinal') return formatInput(self, input, `%d ${month} %Y`, undefined, clock);
  const format = toValue(style) === 'US' ? `${month} %-d%q, %Y` : `%-d%q ${month} %Y`;
  return formatInput(self, input, format, undefined, clock);
}

/** The date filters for an engine whose messages show times in `timezone` (IANA name or `+05:30`). */
export function dateFilters(timezone: string): Record<string, FilterImplOptions> {
  const clock = zoneClock(timezone);
  return {
    date(this: FilterThis, input: unknown, format?: unknown, zone?: unknown) {
      return formatInput(this, input, format, zone, clock);
    },
    date_to_xmlschema(this: FilterThis, input: unknown) {
      return formatInput(this, input, '%Y-%m-%dT%H:%M:%S%:z', undefined, clock);
    },
    date_to_rfc822(this: FilterThis, input: unknown) {
      return formatInput(this, input, '%a, %d %b %Y %H:%M:%S %z', undefined, clock);
    },
    date_to_string(this: FilterThis, input: unknown, type?: unknown, style?: unknown) {
      return stringifyDate(this, input, '%b', type, style, clock);
    },
    date_to_long_string(this: FilterThis, input: unknown, type?: unknown, style?: unknown) {
      return stringifyDate(this, input, '%B', type, style, clock);
    },
  };
}
