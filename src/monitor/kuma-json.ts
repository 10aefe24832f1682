// Kuma-shaped heartbeatJSON and monitorJSON for Vigie's own monitors, so templates written for Kuma render the same.
import type { AlertEvent, EventStatus, KumaJSON } from '../alert/event.js';
import { zoneClock } from '../alert/render/zone-clock.js';
import { expiryMessage } from './checks/tls-info.js';
import type { CheckType, TlsInfo } from './checks/types.js';
import type { StoredBeat } from './heartbeats.js';
import { DOWN, MAINTENANCE, PENDING, UP, type BeatStatus } from './state.js';

/** The fields of a monitor these objects read: the common ones, and the type's own as parsed by its schema. */
export interface MonitorFields {
  name: string;
  type: CheckType;
  interval: number;
  retryInterval: number;
  maxretries: number;
  resendInterval: number;
  tags: readonly string[];
  group?: string;
  upsideDown: boolean;
  [field: string]: unknown;
}

/** "2026-11-26 12:09:41.399": Kuma's way of writing a time (UTC for `time`, local for `localDateTime`). */
export function kumaTime(ms: number, withMillis = true): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, withMillis ? 23 : 19)}`;
}

/** "+01:00", "-05:30": an offset in ms as Kuma writes `timezoneOffset`. */
function kumaOffset(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** Kuma's name for the monitor's type: an http monitor with a keyword is Kuma's "keyword", with a JSON query "json-query". */
export function kumaType(monitor: MonitorFields): string {
  switch (monitor.type) {
    case 'http':
      if (monitor.keyword !== undefined) return 'keyword';
      return monitor.jsonQuery !== undefined ? 'json-query' : 'http';
    case 'tcp':
      return 'port';
    default:
      return monitor.type;
  }
}

/** Kuma's tag objects; a tag written "env:prod" is the tag env with the value prod. */
function kumaTags(tags: readonly string[]): KumaJSON[] {
  return tags.map((tag) => {
    const colon = tag.indexOf(':');
    return colon > 0 ? { name: tag.slice(0, colon), value: tag.slice(colon + 1) } : { name: tag, value: '' };
  });
}

const seconds = (ms: unknown) => (typeof ms === 'number' ? Math.round(ms / 1000) : null);
const valueOr = <T>(value: unknown, fallback: T): unknown => (value === undefined ? fallback : value);

/** What Kuma's monitor object holds for features Vigie does not have: their defaults, as Kuma 2.5 sends them. */
const KUMA_DEFAULTS: KumaJSON = {
  wsIgnoreSecWebsocketAcceptHeader: false, wsSubprotocol: '', location: 'world', protocol: null, weight: 2000,
  active: true, forceInactive: false, subtype: null, retryOnlyOnStatusCodeFailure: false, domainExpiryNotification: false,
  packetSize: 56, dns_last_result: null, docker_container: '', docker_host: null, proxyId: null, notificationIDList: {},
  mqttTopic: '', mqttSuccessMessage: '', mqttCheckType: 'keyword', databaseQuery: null, authMethod: null, grpcUrl: null,
  grpcProtobuf: null, grpcMethod: null, grpcServiceName: null, grpcEnableTls: false, radiusCalledStationId: null,
  radiusCallingStationId: null, game: null, gamedigGivenPortOnly: true, httpBodyEncoding: 'json', system_service_name: '',
  kafkaProducerTopic: null, kafkaProducerBrokers: [], kafkaProducerSsl: false, kafkaProducerAllowAutoTopicCreation: false,
  kafkaProducerMessage: null, screenshot: null, cacheBust: false, remote_browser: null, screenshot_delay: 0, snmpOid: null,
  snmpVersion: '2c', smtpSecurity: null, rabbitmqNodes: [], conditions: [], ntpStratumThreshold: 5,
  ntpTimeOffsetThreshold: 1000, ntpRootDispersionThreshold: 500, ipFamily: null, expectedTlsAlert: null, ping_numeric: true,
  ping_per_request_timeout: 2, saveResponse: false, saveErrorResponse: true, responseMaxLength: 1024,
};

/**
 * Kuma's `monitorJSON` for a monitor (its `toJSON` without sensitive data: no headers, body or push token).
 * `id` is the monitor's row id, stable across restarts; `maintenance` says whether a window holds it now.
 */
export function monitorJSON(monitor: MonitorFields, id: number, maintenance = false): KumaJSON {
  const isHttp = monitor.type === 'http';
  return {
    id, name: monitor.name, description: null,
    path: monitor.group ? [monitor.group, monitor.name] : [monitor.name],
    pathName: monitor.group ? `${monitor.group} / ${monitor.name}` : monitor.name, parent: null, childrenIDs: [],
    // Kuma's form leaves "https://" in the URL field of monitors that have none.
    url: isHttp ? monitor.url : 'https://',
    method: isHttp ? monitor.method : 'GET',
    hostname: isHttp ? null : valueOr(monitor.hostname, null),
    port: isHttp ? null : valueOr(monitor.port, null),
    maxretries: monitor.maxretries,
    type: kumaType(monitor),
    timeout: seconds(monitor.timeout),
    interval: seconds(monitor.interval),
    retryInterval: seconds(monitor.retryInterval),
    resendInterval: monitor.resendInterval,
    keyword: valueOr(monitor.keyword, null),
    invertKeyword: valueOr(monitor.invertKeyword, false),
    expiryNotification: valueOr(monitor.expiryNotification, false),
    ignoreTls: valueOr(monitor.ignoreTls, false),
    upsideDown: monitor.upsideDown,
    maxredirects: valueOr(monitor.maxRedirects, 10),
    accepted_statuscodes: valueOr(monitor.acceptedStatusCodes, ['200-299']),
    dns_resolve_type: valueOr(monitor.recordType, 'A'),
    dns_resolve_server: valueOr(monitor.resolver, ''),
    tags: kumaTags(monitor.tags),
    maintenance,
    jsonPath: valueOr(monitor.jsonQuery, null),
    expectedValue: monitor.jsonQuery === undefined ? null : valueOr(monitor.expectedValue, null),
    jsonPathOperator: monitor.jsonQuery === undefined ? null : valueOr(monitor.jsonPathOperator, null),
    ping_count: valueOr(monitor.count, 1),
    ...KUMA_DEFAULTS,
    includeSensitiveData: false,
  };
}

/** Kuma's `heartbeatJSON` of a beat: `time` in UTC as Kuma stores it, `localDateTime` on the configured zone's clock. */
export function heartbeatJSON(beat: StoredBeat, timezone: string, lastDownTime?: number): KumaJSON {
  const offset = zoneClock(timezone).offsetMs(beat.time);
  const json: KumaJSON = {
    monitorID: beat.monitorId,
    status: beat.status,
    time: kumaTime(beat.time),
    msg: beat.msg,
    ping: beat.ping ?? null,
    important: beat.important,
    retries: beat.retries,
    timezone,
    timezoneOffset: kumaOffset(offset),
    localDateTime: kumaTime(beat.time + offset, false),
  };
  if (lastDownTime !== undefined) json.lastDownTime = kumaTime(lastDownTime);
  return json;
}

/** The event status of a beat status. */
export const STATUS_NAMES: Record<BeatStatus, EventStatus> = { [DOWN]: 'down', [UP]: 'up', [PENDING]: 'pending', [MAINTENANCE]: 'maintenance' };

/** A monitor as the events about it need it: its fields, its row id and Kuma's address of its target. */
export interface EventSubject {
  monitor: MonitorFields;
  id: number;
  hostnameOrURL: string;
}

/** The alert for a notified beat; `msg` is Kuma's line "[name] [🔴 Down] message". */
export function beatEvent(subject: EventSubject, beat: StoredBeat, timezone: string, lastDownTime?: number): AlertEvent {
  const { monitor } = subject;
  const label = beat.status === UP ? '✅ Up' : '🔴 Down';
  return {
    source: 'monitor', status: STATUS_NAMES[beat.status], name: monitor.name, hostnameOrURL: subject.hostnameOrURL,
    msg: `[${monitor.name}] [${label}] ${beat.msg}`, time: new Date(beat.time), tags: [...monitor.tags], group: monitor.group,
    heartbeatJSON: heartbeatJSON(beat, timezone, lastDownTime), monitorJSON: monitorJSON(monitor, subject.id),
  };
}

/**
 * The warning that a certificate nears its expiry; `msg` is Kuma's line ("[name][url] server certificate CN will
 * expire in N days"), or says it expires today or has expired. Like Kuma's, it has no heartbeat.
 */
export function certificateEvent(subject: EventSubject, tls: TlsInfo, at: number): AlertEvent {
  const { monitor } = subject;
  const prefix = `[${monitor.name}][${subject.hostnameOrURL}]`;
  const line = tls.daysRemaining > 0
    ? `${prefix} server certificate ${tls.subject ?? subject.hostnameOrURL} will expire in ${tls.daysRemaining} days`
    : `${prefix} ${expiryMessage(tls)}`;
  return {
    source: 'monitor', status: 'certificate', name: monitor.name, hostnameOrURL: subject.hostnameOrURL, msg: line,
    time: new Date(at), tags: [...monitor.tags], group: monitor.group, heartbeatJSON: null, monitorJSON: monitorJSON(monitor, subject.id),
  };
}
