// Field types shared by the config schema: durations, time zones, room targets, addresses, secrets.
import { z } from 'zod';
import { DURATION_HINT, DURATION_PATTERN, formatDuration, parseDuration } from './duration.js';

/** Field names whose values are secrets: kept as text whatever they look like, and never shown in a message. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['accessToken', 'token', 'password', 'storePassphrase']);

/** A Node.js timer holds at most 2^31 - 1 ms (about 24.8 days; beyond, it fires at once): 24 days, as Uptime Kuma caps. */
export const MAX_TIMER_MS = 24 * 86_400_000;

/** Options of `duration()`. */
export interface DurationOptions {
  /** Zero is allowed (and means "off" to the field); default false. */
  zero?: boolean;
  /** Larger values are refused; default MAX_TIMER_MS, as every duration but retention ones is a timer's wait. */
  max?: number;
}

/** A duration ("30s", "5m", "1h30m", or a number of seconds), parsed to milliseconds; more than zero unless `zero`. */
export function duration({ zero = false, max = MAX_TIMER_MS }: DurationOptions = {}) {
  return z
    .union([z.number().nonnegative(), z.string().regex(new RegExp(DURATION_PATTERN), { message: DURATION_HINT })], {
      error: DURATION_HINT,
    })
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms <= 0 && !zero) ctx.issues.push({ code: 'custom', input: value, message: 'must be more than 0', params: { showValue: true } });
      if (ms > max) {
        ctx.issues.push({ code: 'custom', input: value, message: `must be at most ${formatDuration(max)}${max === MAX_TIMER_MS ? ' (a timer cannot wait longer)' : ''}`, params: { showValue: true } });
      }
      return ms;
    });
}

/** The time zone of this machine, the default for `timezone`. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** `timezone`: its default is the machine's, so the JSON Schema generator leaves the default out. */
export const timeZoneField = z
  .string()
  .refine(isTimeZone, { message: 'expected an IANA time zone like "Europe/Paris" or "UTC"', params: { showValue: true } })
  .describe('IANA time zone for times in messages, e.g. Europe/Paris; default: this machine\'s')
  .default(systemTimeZone);

/** Room ids are `!opaque:server` (or `!hash` since room version 12); aliases are always `#name:server`. */
export const ROOM_TARGET_PATTERN = '^(?:![^\\s:]+(?::\\S+)?|#[^\\s:]+:\\S+)$';

/** A room id or alias, checked for its sigil and server part. */
export function roomTarget() {
  return z.string().regex(new RegExp(ROOM_TARGET_PATTERN), {
    message: 'expected a room id like "!abcxyz:example.org" or an alias like "#ops:example.org"',
  });
}

/** A homeserver given as a base URL (http/https) or a bare domain found through .well-known. */
export function isHomeserver(value: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
    } catch {
      return false;
    }
  }
  return /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?)+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(value);
}

/** `host:port`, an IPv6 host in brackets (`[::1]:8080`); port 0 lets the OS choose. */
export const LISTEN_PATTERN = '^(?:\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):\\d{1,5}$';

/** A listen address split for `server.listen(...)`: brackets removed from an IPv6 host. */
export function parseListenAddress(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65_535) throw new RangeError(`expected host:port like 127.0.0.1:8080 or [::1]:8080, got ${JSON.stringify(value)}`);
  return { host: match[1] ?? match[2] ?? '', port };
}

/** A listen address, validated by `parseListenAddress`. */
export function listenAddress() {
  return z.string().regex(new RegExp(LISTEN_PATTERN), {
    message: 'expected host:port like 127.0.0.1:8080 or [::1]:8080',
    abort: true,
  })
    .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65_535, {
      message: 'the port must be between 0 and 65535',
      params: { showValue: true },
    });
}

/** A secret written inline (usually `${VAR}`); an empty value means "not given", so `${VAR:-}` may stay unset. */
export function secret(description: string) {
  return z.string().optional().describe(description);
}

/** The path of a file holding a secret, read relative to the config file's folder. */
export function secretFile(description: string) {
  return z.string().min(1, { message: 'must not be empty' }).optional().describe(description);
}
