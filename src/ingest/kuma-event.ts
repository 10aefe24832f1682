// Uptime Kuma's notification payload ({heartbeat, monitor, msg}), or its rendered text, turned into Vigie's AlertEvent.
import { HEARTBEAT, heartbeatCode, type AlertEvent, type EventStatus, type KumaJSON } from '../alert/event.js';
import { kumaHostnameOrURL } from '../alert/render/context.js';
import { findKumaLine, parseCertificateLine, statusFromText } from './kuma-line.js';
import { kumaTime as formatKumaTime } from '../monitor/kuma-json.js';

/**
 * The template for a text Kuma rendered that Vigie cannot read: a built-in printing `{{ msg }}` as it is.
 * Until it exists, dispatch falls back to the event's `msg`, which is the same text.
 */
export const KUMA_TEXT_TEMPLATE = 'kuma-text';

/** A payload that is not Kuma's shape; the message says which part is wrong. */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

/** Where the payload came from, and the clock for a test notification (which has no time of its own). */
export interface KumaEventOptions {
  source: string;
  now: Date;
}

const STATUS_BY_CODE: Record<number, EventStatus> = {
  [HEARTBEAT.DOWN]: 'down', [HEARTBEAT.UP]: 'up', [HEARTBEAT.PENDING]: 'pending', [HEARTBEAT.MAINTENANCE]: 'maintenance',
};

/**
 * Builds the event; heartbeat and monitor both null is Kuma's test notification. Kuma's certificate warning comes
 * that way too: it becomes a `certificate` event with the monitor's name and URL, as Vigie's own TLS checks make,
 * so that routes matching `status: [certificate]` take it and a DOWN-only route does not (a test passes every filter).
 */
export function kumaEventFromPayload(payload: unknown, options: KumaEventOptions): AlertEvent {
  if (!isObject(payload)) throw new PayloadError('expected a JSON object {heartbeat, monitor, msg}');
  const heartbeat = objectOrNull(payload.heartbeat, 'heartbeat');
  const monitor = objectOrNull(payload.monitor, 'monitor');
  const msg = typeof payload.msg === 'string' ? payload.msg : '';
  if (!heartbeat && !monitor && msg === '') throw new PayloadError('expected at least one of heartbeat, monitor or msg');
  if (!heartbeat && !monitor) return withCertificate(testEvent(msg, options));
  return {
    source: options.source,
    status: heartbeat ? statusOf(heartbeat.status) : 'test',
    name: monitor && typeof monitor.name === 'string' ? monitor.name : '',
    hostnameOrURL: kumaHostnameOrURL(monitor),
    msg,
    time: heartbeat ? kumaTime(heartbeat.time) ?? options.now : options.now,
    tags: monitor ? tagNames(monitor.tags) : [],
    group: monitor ? groupOf(monitor.path) : undefined,
    heartbeatJSON: heartbeat,
    monitorJSON: monitor,
  };
}

/** Kuma's payload shape: an object whose heartbeat and monitor are objects or null, with at least one of them named. */
export function hasKumaShape(value: unknown): value is Record<string, unknown> {
  if (!isObject(value) || !('heartbeat' in value || 'monitor' in value)) return false;
  const objectOrNothing = (v: unknown): boolean => v === null || v === undefined || isObject(v);
  return objectOrNothing(value.heartbeat) && objectOrNothing(value.monitor) && (value.msg === undefined || typeof value.msg === 'string');
}

/** An event read from Kuma's rendered text, and whether Kuma's alert line was found in it. */
export interface TextEvent {
  event: AlertEvent;
  /** False: the text is delivered as it is (its status guessed by `statusFromText`). */
  recognised: boolean;
}

/**
 * Builds an event from a text Kuma rendered (a custom webhook body, a Matrix message). With Kuma's alert line in
 * it (in `text` or, for a JSON body, in one of `candidates`), the event is real: name, status, `msg` = the line,
 * and a minimal heartbeatJSON {status, msg, time} so templates reading `heartbeatJSON.msg` work.
 */
export function kumaEventFromText(text: string, options: KumaEventOptions, candidates: readonly string[] = [text]): TextEvent {
  for (const candidate of candidates) {
    const line = findKumaLine(candidate);
    if (!line) continue;
    const heartbeatJSON = { status: heartbeatCode(line.status), msg: line.message, time: formatKumaTime(options.now.getTime()) };
    const event: AlertEvent = {
      ...testEvent(line.line, options), status: line.status, name: line.name, heartbeatJSON,
    };
    return { event, recognised: true };
  }
  // Kuma's certificate warning: a `certificate` event, with its name and URL (see kumaEventFromPayload).
  const plain = testEvent(text.trim(), options);
  const certificate = withCertificate(plain);
  const event = certificate !== plain ? certificate : { ...plain, status: statusFromText(text) };
  return { event, recognised: false };
}

/** Kuma writes times as UTC without a zone ("2026-11-26 12:09:41.399"); an ISO time with a zone is taken as is. */
export function kumaTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const iso = value.trim().replace(' ', 'T');
  const hasZone = /(?:Z|[+-]\d\d:?\d\d)$/i.test(iso);
  const date = new Date(hasZone ? iso : `${iso}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

// An event with no heartbeat or monitor: Kuma's test notification, or a text we could not read.
function testEvent(msg: string, options: KumaEventOptions): AlertEvent {
  return {
    source: options.source, status: 'test', name: '', hostnameOrURL: '', msg, time: options.now, tags: [],
    heartbeatJSON: null, monitorJSON: null,
  };
}

function withCertificate(event: AlertEvent): AlertEvent {
  const certificate = parseCertificateLine(event.msg);
  return certificate ? { ...event, status: 'certificate', name: certificate.name, hostnameOrURL: certificate.url } : event;
}

function statusOf(code: unknown): EventStatus {
  // A string code must be digits: Number('') is 0, which would read an empty status as DOWN.
  const numeric = typeof code === 'number' ? code : typeof code === 'string' && /^\d+$/.test(code.trim()) ? Number(code) : undefined;
  const status = numeric === undefined ? undefined : STATUS_BY_CODE[numeric];
  if (!status) throw new PayloadError(`heartbeat.status must be 0 (down), 1 (up), 2 (pending) or 3 (maintenance), got ${JSON.stringify(code)}`);
  return status;
}

// Kuma's monitor tags are objects ({name, value, color…}); routes match on their names.
function tagNames(tags: unknown): string[] {
  if (!Array.isArray(tags)) return [];
  return tags.flatMap((tag: unknown) => {
    if (typeof tag === 'string') return [tag];
    if (isObject(tag) && typeof tag.name === 'string') return [tag.name];
    return [];
  });
}

// Kuma's monitor path is [group…, name]: the group is the one right above the monitor.
function groupOf(path: unknown): string | undefined {
  if (!Array.isArray(path) || path.length < 2) return undefined;
  const group: unknown = path[path.length - 2];
  return typeof group === 'string' && group !== '' ? group : undefined;
}

function objectOrNull(value: unknown, field: string): KumaJSON | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) throw new PayloadError(`${field} must be an object or null`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
