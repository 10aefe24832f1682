// The variables a template sees: exactly Uptime Kuma's `renderTemplate` context, built from an AlertEvent.
import type { AlertEvent, KumaJSON } from '../event.js';
import { printed } from './printed.js';
import { statusValue } from './status-value.js';

/** Kuma's `name` for a test notification, which has no monitor. */
export const TEST_NAME = 'Monitor Name not available';
/** Kuma's `hostnameOrURL` for a test notification. */
export const TEST_HOSTNAME = 'testing.hostname';

/** Kuma's `extractAddress`: URL for http-like monitors, host:port for port monitors, hostname for ping/dns, `Heartbeat` for push. */
export function kumaHostnameOrURL(monitorJSON: KumaJSON | null): string {
  if (!monitorJSON) return '';
  const { hostname, port, url } = monitorJSON;
  switch (monitorJSON.type) {
    case 'push':
      return 'Heartbeat';
    case 'ping':
      return printed(hostname);
    case 'port':
    case 'dns':
    case 'gamedig':
    case 'steam':
      return port ? `${printed(hostname)}:${printed(port)}` : printed(hostname);
    case 'globalping':
      if (monitorJSON.subtype === 'ping' || monitorJSON.subtype === 'dns') return printed(hostname);
      return monitorJSON.subtype === 'http' ? printed(url) : '';
    default:
      // A URL field left at its placeholder means the monitor has none.
      return url === 'https://' || url === 'http://' ? '' : printed(url);
  }
}

/**
 * The template context of an event, named as Kuma names it (plus the legacy upper-case names).
 * A test event with no name or target gets Kuma's placeholders, so Kuma templates read the same.
 */
export function kumaContext(event: AlertEvent): Record<string, unknown> {
  const isTest = event.status === 'test';
  const status = statusValue(event.status);
  const name = isTest && event.name === '' ? TEST_NAME : event.name;
  const hostnameOrURL = isTest && event.hostnameOrURL === '' ? TEST_HOSTNAME : event.hostnameOrURL;
  return {
    STATUS: status,
    NAME: name,
    HOSTNAME_OR_URL: hostnameOrURL,
    status,
    name,
    hostnameOrURL,
    monitorJSON: event.monitorJSON,
    heartbeatJSON: event.heartbeatJSON,
    msg: event.msg,
  };
}
