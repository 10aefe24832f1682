// `vigie render`: prints what a template makes of an event, without sending anything.
import { readFile } from 'node:fs/promises';
import type { AlertEvent, EventStatus } from '../alert/event.js';
import { kumaEventFromPayload, kumaEventFromText, PayloadError } from '../ingest/kuma-event.js';
import { toMessageContent } from '../alert/render/message.js';
import { testEvent } from '../app.js';
import { loadCommandConfig } from './config-file.js';
import { CliError } from './errors.js';
import type { CliIO } from './io.js';

/** Options of `vigie render`. */
export interface RenderOptions {
  config?: string;
  /** A template name; default: the first route's. */
  template?: string;
  status?: string;
  /** A JSON file: Kuma's webhook body `{heartbeat, monitor, msg}`. */
  event?: string;
  /** Print the Matrix event content (JSON) instead of the text. */
  json?: boolean;
}

/** Renders and prints. */
export async function renderCommand(options: RenderOptions, io: CliIO): Promise<number> {
  const { config, templates } = await loadCommandConfig(options.config, io);
  const name = options.template ?? config.routes[0]?.template ?? 'default';
  if (!templates.has(name)) throw new CliError(`no template named "${name}"; known: ${templates.names.join(', ')}`);
  const event = options.event ? await eventFromFile(options.event) : sampleEvent(parseStatus(options.status ?? 'down'));
  const rendered = templates.render(name, event);
  if (options.json) io.out(JSON.stringify(toMessageContent(rendered, config.matrix.msgtype), null, 2));
  else io.out(rendered.body);
  return 0;
}

function parseStatus(value: string): EventStatus {
  const statuses: EventStatus[] = ['up', 'down', 'pending', 'maintenance', 'test'];
  if (!statuses.includes(value as EventStatus)) throw new CliError(`--status must be one of ${statuses.join(', ')}, not "${value}"`);
  return value as EventStatus;
}

async function eventFromFile(path: string): Promise<AlertEvent> {
  let payload: unknown;
  try {
    payload = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read the event file ${path}: ${(error as Error).message}`);
  }
  // Captured requests wrap the body: {method, path, headers, body}.
  const body = (payload as { body?: unknown } | null)?.body ?? payload;
  // Kuma's Matrix notification: a message whose text Kuma rendered.
  const text = (body as { msgtype?: unknown; body?: unknown } | null)?.body;
  if (typeof text === 'string' && typeof (body as { msgtype?: unknown }).msgtype === 'string') {
    return kumaEventFromText(text, { source: 'file', now: new Date() }).event;
  }
  try {
    return kumaEventFromPayload(body, { source: 'file', now: new Date() });
  } catch (error) {
    if (error instanceof PayloadError) throw new CliError(`${path} is not an event Vigie reads: ${error.message}`);
    throw error;
  }
}

/** Kuma's heartbeat status codes (DOWN 0, UP 1, PENDING 2, MAINTENANCE 3). */
const KUMA_STATUS: Partial<Record<EventStatus, number>> = { down: 0, up: 1, pending: 2, maintenance: 3 };

/** An example event for a service, so a template can be seen without a real alert. */
export function sampleEvent(status: EventStatus): AlertEvent {
  if (status === 'test') return testEvent();
  const down = status !== 'up';
  const msg = down ? 'connect ECONNREFUSED 203.0.113.10:443' : '200 - OK';
  const label = down ? '🔴 Down' : '✅ Up';
  return {
    source: 'monitor', status, name: 'Site web', hostnameOrURL: 'https://example.org', time: new Date(),
    msg: `[Site web] [${label}] ${msg}`, tags: ['prod'],
    heartbeatJSON: { status: KUMA_STATUS[status], msg, time: new Date().toISOString().replace('T', ' ').replace('Z', '') },
    monitorJSON: { name: 'Site web', type: 'http', url: 'https://example.org' },
  };
}
