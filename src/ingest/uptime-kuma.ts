// The Uptime Kuma webhook: /ingest/uptime-kuma[/<token>], every form Kuma sends, answered once durably queued.
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { DispatchOptions } from '../alert/dispatch.js';
import type { AlertEvent } from '../alert/event.js';
import type { UptimeKumaSourceConfig } from '../config/schema.js';
import type { OutboxRow } from '../delivery/outbox.js';
import type { Logger } from '../logging.js';
import { bearerToken, decodeSegment, sourceLookup } from './auth.js';
import { BodyError, claimedContentType, decodeWebhookBody, decodeWebhookQuery, MAX_BODY_BYTES, rawBody, registerRawBody } from './body.js';
import { PayloadError } from './kuma-event.js';
import type { PreparedWebhook, WebhookJob } from './render-pool.js';
import { webhookEvent, type WebhookEvent } from './webhook-event.js';

/**
 * A `Dispatch` (src/alert/dispatch.ts), or an asynchronous one that resolves once the rows are durably stored
 * (group commit: many requests, one transaction); either way the client is answered only after it returns.
 */
export type IngestDispatch = (event: AlertEvent, options?: DispatchOptions) => OutboxRow[] | Promise<OutboxRow[]>;

/** What both ingest plugins need; app.ts provides it. */
export interface IngestDeps {
  /** The configured `sources.uptimeKuma`; a source without a token is refused. */
  sources: UptimeKumaSourceConfig[];
  /** Room short names → room ids or aliases, as configured. */
  rooms: Record<string, string>;
  /** Routes, renders and queues durably; throws (or rejects) when the database fails. */
  dispatch: IngestDispatch;
  logger: Logger;
  /**
   * Decodes, routes and renders a webhook POST off the event loop (the render worker); undefined: do it here. Rejects
   * with BodyError or PayloadError as decoding here would.
   */
  prepareWebhook?: (job: Omit<WebhookJob, 'kind'>) => Promise<PreparedWebhook | undefined>;
  /** The clock, for events without a time of their own (tests, texts); default: the system's. */
  now?: () => Date;
  /** A configured room alias as its room id (asking the homeserver); undefined: an alias only matches as written. */
  resolveRoom?: (alias: string) => Promise<string>;
}

/** The webhook's path; the token follows it (`/ingest/uptime-kuma/<token>`) or comes as a bearer token. */
export const WEBHOOK_PATH = '/ingest/uptime-kuma';
/** Seconds a client is asked to wait after Vigie could not store an alert. */
export const RETRY_AFTER_SECONDS = 10;

/** How a request ended, for the plugin's one error path. */
class Rejection extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

/** The webhook route plugin (encapsulated: its raw-body parser and hooks stay inside it). */
export function uptimeKumaWebhook(deps: IngestDeps): FastifyPluginAsync {
  const lookup = sourceLookup(deps.sources);
  const log = deps.logger.child({ component: 'ingest-webhook' });
  const now = deps.now ?? (() => new Date());
  const sourceOf = new WeakMap<object, UptimeKumaSourceConfig>();

  // Authenticates before the body is read: an unknown client never gets a megabyte parsed.
  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (request.method !== 'GET' && request.method !== 'POST') {
      reply.header('allow', 'GET, POST');
      return fail(reply, new Rejection(405, `${request.method} is not accepted here: Kuma's webhook uses POST (or GET with msg, heartbeat and monitor in the query)`));
    }
    const presented = pathToken(request.url) ?? bearerToken(request.headers.authorization);
    const source = lookup(presented);
    if (source) {
      sourceOf.set(request.raw, source);
      return undefined;
    }
    reply.header('www-authenticate', 'Bearer');
    if (presented === undefined) {
      return fail(reply, new Rejection(401, `no token: post to ${WEBHOOK_PATH}/<token>, or send "Authorization: Bearer <token>" (Kuma's additional headers)`));
    }
    log.warn({ ip: request.ip }, 'webhook refused: unknown token (check the token in Kuma\'s webhook URL against sources.uptimeKuma)');
    return fail(reply, new Rejection(401, 'unknown token: use the token of one of sources.uptimeKuma in Vigie\'s configuration'));
  }

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const source = sourceOf.get(request.raw);
    if (!source) return fail(reply, new Rejection(401, 'unknown token'));
    try {
      const prepared = request.method === 'POST' ? await deps.prepareWebhook?.(webhookJob(request, source, now())) : undefined;
      const { event, template } = prepared ?? await eventOf(request, source, now());
      const options = prepared ? { template, rendered: prepared.rendered, eventJson: prepared.eventJson } : { template };
      const rows = await Promise.resolve(deps.dispatch(event, options));
      if (rows.length === 0 && event.status === 'test') {
        // Kuma's Test button must not report a success when no route will ever post anything.
        throw new Rejection(422, `no route of Vigie takes alerts of source "${source.name}": add one to Vigie's configuration, e.g. routes: [{ rooms: [ops], match: { sources: ["uptime-kuma:${source.name}"] } }]`);
      }
      log.debug({ source: source.name, monitor: event.name, status: event.status, rows: rows.length }, 'webhook alert queued');
      return reply.code(202).send({ status: 'queued', messages: rows.length });
    } catch (error) {
      if (error instanceof BodyError || error instanceof Rejection) return fail(reply, error);
      if (error instanceof PayloadError) return fail(reply, new Rejection(400, `malformed Kuma payload: ${error.message}`));
      log.error({ source: source.name, err: (error as Error).message }, 'could not queue a webhook alert (is the database writable?); answered 503');
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return fail(reply, new Rejection(503, `Vigie could not store the alert (${(error as Error).message}); retry in ${RETRY_AFTER_SECONDS} s`));
    }
  }

  return async (app) => {
    registerRawBody(app);
    app.addHook('onRequest', authenticate);
    app.setErrorHandler((error: FastifyError, _request, reply) => fail(reply, frameworkRejection(error, log)));
    app.all(WEBHOOK_PATH, handle);
    app.all(`${WEBHOOK_PATH}/*`, handle);
  };
}

/** The event of a request decoded here (a GET, or a POST the worker cannot take): the worker runs the same code. */
async function eventOf(request: FastifyRequest, source: UptimeKumaSourceConfig, now: Date): Promise<WebhookEvent> {
  const decoded = request.method === 'GET'
    ? decodeWebhookQuery(request.query)
    : await decodeWebhookBody(rawBody(request), claimedContentType(request), request.headers['content-encoding']);
  return webhookEvent(decoded, source, now);
}

/** A POST as the render worker decodes it: a copy of its body (which may share a pooled buffer), without the token. */
function webhookJob(request: FastifyRequest, source: UptimeKumaSourceConfig, now: Date): Omit<WebhookJob, 'kind'> {
  return {
    body: new Uint8Array(rawBody(request)), contentType: claimedContentType(request), contentEncoding: request.headers['content-encoding'],
    source: { name: source.name, template: source.template, rooms: source.rooms }, now: now.getTime(),
  };
}

/** The token in the path after WEBHOOK_PATH, decoded; undefined when the path has none. */
function pathToken(url: string): string | undefined {
  const path = url.split('?', 1)[0]!;
  if (!path.startsWith(`${WEBHOOK_PATH}/`)) return undefined;
  const segment = path.slice(WEBHOOK_PATH.length + 1);
  return segment === '' ? undefined : decodeSegment(segment) ?? segment;
}

// Errors fastify raises before the handler (body too large, length mismatch): a 4xx with the reason, never the URL.
function frameworkRejection(error: FastifyError, log: Logger): Rejection {
  if (error instanceof Rejection || error instanceof BodyError) return error;
  const status = error.statusCode ?? 500;
  if (status === 413) return new Rejection(413, `the body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
  if (status >= 400 && status < 500) return new Rejection(status, `the request could not be read: ${error.message}`);
  log.error({ err: error.message, code: error.code }, 'webhook request failed inside Vigie');
  return new Rejection(500, 'Vigie failed to handle this request; see its log');
}

function fail(reply: FastifyReply, error: Rejection | BodyError): FastifyReply {
  return reply.code(error.statusCode).send({ error: error.message });
}
