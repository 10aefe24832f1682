// The one model every source produces: a monitor's state change, a Kuma webhook, a Kuma Matrix message.

/** Heartbeat status codes, as Uptime Kuma numbers them. */
export const HEARTBEAT = { DOWN: 0, UP: 1, PENDING: 2, MAINTENANCE: 3 } as const;

/**
 * What an event says about its service. `test` is a test notification (Kuma's "Test" button, `vigie send-test`);
 * `certificate` warns that a monitor's TLS certificate is about to expire.
 */
export type EventStatus = 'down' | 'up' | 'pending' | 'maintenance' | 'test' | 'certificate';

/** A Kuma-shaped JSON object (heartbeatJSON, monitorJSON): passed to templates as is. */
export type KumaJSON = Record<string, unknown>;

/** An alert on its way to the rooms; everything after the source only ever sees this. */
export interface AlertEvent {
  /** Where it came from: `monitor`, or `uptime-kuma:<source name>`. */
  source: string;
  status: EventStatus;
  /** The service's name (Kuma's `name`). */
  name: string;
  /** Kuma's `hostnameOrURL`: URL for http-like monitors, host:port, hostname, or `Heartbeat` for push. */
  hostnameOrURL: string;
  /** Kuma's `msg`: the whole human line, e.g. `[Site] [🔴 Down] connect ECONNREFUSED`. */
  msg: string;
  /** When it happened (a real instant). */
  time: Date;
  /** Tags of the monitor, for routing. */
  tags: string[];
  /** The monitor's group (Kuma's group monitor), for routing; absent when it has none. */
  group?: string;
  /** Kuma's heartbeat object, or null for a test. */
  heartbeatJSON: KumaJSON | null;
  /** Kuma's monitor object, or null for a test. */
  monitorJSON: KumaJSON | null;
  /** Rooms (short names or ids) this event may go to; undefined means any route may take it. */
  allowedRooms?: string[];
}

/** Kuma's label for a status, as its `status` template variable prints it. */
export function kumaStatusLabel(status: EventStatus): string {
  if (status === 'test') return '⚠️ Test';
  // Kuma sends its expiry warning without a status; Vigie names it so templates and routes can tell it apart.
  if (status === 'certificate') return '⚠️ Certificate';
  return status === 'down' ? '🔴 Down' : '✅ Up';
}

/** The heartbeat code of a status (test and certificate have none: null). */
export function heartbeatCode(status: EventStatus): number | null {
  switch (status) {
    case 'down': return HEARTBEAT.DOWN;
    case 'up': return HEARTBEAT.UP;
    case 'pending': return HEARTBEAT.PENDING;
    case 'maintenance': return HEARTBEAT.MAINTENANCE;
    case 'test':
    case 'certificate': return null;
  }
}

/** An event read back from its JSON text (as the outbox stores it, or the render worker receives it): its time a Date again. */
export function eventFromJson(json: string): AlertEvent {
  // The parsed object itself, its time made a Date: a spread copy with the time added cost ~1 µs and GC work per row.
  const event = JSON.parse(json) as Omit<AlertEvent, 'time'> & { time: string | Date };
  event.time = new Date(event.time);
  return event as AlertEvent;
}
