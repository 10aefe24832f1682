// A Matrix-compatible send endpoint, so Kuma's own "Matrix" notification, pointed at Vigie, delivers through Vigie.
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { OutboxRow } from '../delivery/outbox.js';
import type { UptimeKumaSourceConfig } from '../config/schema.js';
import type { Logger } from '../logging.js';
import { bearerToken, decodeSegment, sourceLookup } from './auth.js';
import { BodyError, claimedContentType, MAX_BODY_BYTES, rawBody, readText, registerRawBody } from './body.js';
import { KUMA_TEXT_TEMPLATE, kumaEventFromText } from './kuma-event.js';
import { RETRY_AFTER_SECONDS, type IngestDeps } from './uptime-kuma.js';

/** Spec versions announced by /versions: the send endpoint is the same in all of them (r0 is what Kuma uses). */
const VERSIONS = ['r0.5.0', 'r0.6.0', 'r0.6.1', 'v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5', 'v1.6', 'v1.7', 'v1.8', 'v1.9', 'v1.10', 'v1.11'];
/** PUT …/send/{type}/{txnId} (Kuma), or the legacy POST …/send/{type} without a txnId (curl scripts). */
const SEND_PATH = /^\/_matrix\/client\/(?:r0|v3)\/rooms\/([^/]+)\/send\/([^/]+)(?:\/([^/]+))?$/;

/** A Matrix error answer: HTTP status, errcode and a message a person can act on. */
class MatrixReject extends Error {
  constructor(readonly statusCode: number, readonly errcode: string, message: string) {
    super(message);
  }
}

/** What the checks before the body established about a send request. */
interface SendTarget {
  source: UptimeKumaSourceConfig;
  /** Short names of the configured rooms the URL's room is (one room may have several names). */
  rooms: string[];
  roomId: string;
  txnId: string | undefined;
}

/** The Matrix-compatible endpoint plugin: /_matrix/client/versions, the send endpoint, M_UNRECOGNIZED for the rest. */
export function matrixProxy(deps: IngestDeps): FastifyPluginAsync {
  const lookup = sourceLookup(deps.sources);
  const log = deps.logger.child({ component: 'ingest-matrix' });
  const now = deps.now ?? (() => new Date());
  const targets = new WeakMap<object, SendTarget>();

  // Everything but the body is checked first, so a refused client never gets its body parsed.
  async function checkSend(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const match = SEND_PATH.exec(request.url.split('?', 1)[0]!);
    if (!match) return undefined;
    const [, room, eventType, txn] = match as unknown as [string, string, string, string | undefined];
    const expected = txn === undefined ? 'POST' : 'PUT';
    if (request.method !== expected) return fail(reply, new MatrixReject(405, 'M_UNRECOGNIZED', `use ${expected} for this endpoint`));
    const token = bearerToken(request.headers.authorization) ?? queryToken(request.query);
    if (token === undefined) return fail(reply, new MatrixReject(401, 'M_MISSING_TOKEN', 'Missing access token: use a Vigie source\'s token as the access token'));
    const source = lookup(token);
    if (!source) {
      log.warn({ ip: request.ip }, 'Matrix send refused: unknown access token (use the token of one of sources.uptimeKuma)');
      return fail(reply, new MatrixReject(401, 'M_UNKNOWN_TOKEN', 'Unrecognised access token: use the token of one of Vigie\'s sources.uptimeKuma'));
    }
    const type = decodeSegment(eventType) ?? eventType;
    if (type !== 'm.room.message') return fail(reply, new MatrixReject(400, 'M_UNRECOGNIZED', `Vigie relays m.room.message events only, not ${type}`));
    const roomId = decodeSegment(room) ?? room;
    let rooms = roomNames(roomId, source, deps.rooms);
    // Kuma asks for the room's internal id (the tutorial's !abc:domain); the configuration may name it by alias.
    if (rooms.length === 0 && roomId.startsWith('!')) rooms = await roomNamesByAlias(roomId, source);
    if (rooms.length === 0) {
      const allowed = source.rooms ?? Object.keys(deps.rooms);
      return fail(reply, new MatrixReject(403, 'M_FORBIDDEN',
        `room ${roomId} is not one source "${source.name}" may post to (${allowed.join(', ') || 'none configured'}): add it to rooms and to the source's rooms in Vigie's configuration`));
    }
    targets.set(request.raw, { source, rooms, roomId, txnId: txn === undefined ? undefined : decodeSegment(txn) ?? txn });
    return undefined;
  }

  /** The source's rooms configured as an alias that the homeserver resolves to `roomId`. */
  async function roomNamesByAlias(roomId: string, source: UptimeKumaSourceConfig): Promise<string[]> {
    const { resolveRoom } = deps;
    if (!resolveRoom) return [];
    const aliased = (source.rooms ?? Object.keys(deps.rooms)).filter((name) => deps.rooms[name]?.startsWith('#'));
    const resolved = await Promise.all(aliased.map((name) => resolveRoom(deps.rooms[name]!).catch(() => undefined)));
    return aliased.filter((_, i) => resolved[i] === roomId);
  }

  async function send(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const target = targets.get(request.raw);
    if (!target) return fail(reply, new MatrixReject(404, 'M_UNRECOGNIZED', 'Unrecognized request'));
    try {
      const body = messageBody(rawBody(request), claimedContentType(request), request.headers['content-encoding']);
      const { source, rooms, txnId } = target;
      const read = kumaEventFromText(body, { source: `uptime-kuma:${source.name}`, now: now() });
      const event = { ...read.event, allowedRooms: rooms };
      const dedupeKey = txnId === undefined ? undefined : `kuma-matrix:${source.name}:${txnId}`;
      const template = read.recognised ? source.template : KUMA_TEXT_TEMPLATE;
      const rows = await Promise.resolve(deps.dispatch(event, { dedupeKey, template }));
      if (rows.length === 0 && event.status === 'test') {
        // Kuma's Test button must not say "Sent Successfully" when nothing will ever be posted.
        throw new MatrixReject(403, 'M_FORBIDDEN',
          `no route of Vigie sends to room ${target.roomId} (${rooms.join(', ')}): add one to Vigie's configuration, e.g. routes: [{ rooms: [${rooms[0]}] }]`);
      }
      if (rows.length === 0) log.warn({ source: source.name, room: target.roomId }, 'no route takes this Kuma Matrix message to its room; nothing was queued');
      return reply.code(200).send({ event_id: eventId(rows, source.name, txnId) });
    } catch (error) {
      if (error instanceof MatrixReject) return fail(reply, error);
      log.error({ source: target.source.name, room: target.roomId, err: (error as Error).message }, 'could not queue a Kuma Matrix message (is the database writable?); answered 503');
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return fail(reply, new MatrixReject(503, 'M_UNKNOWN', `Vigie could not store the message (${(error as Error).message}); retry in ${RETRY_AFTER_SECONDS} s`));
    }
  }

  return async (app) => {
    registerRawBody(app);
    app.addHook('onRequest', checkSend);
    app.setErrorHandler((error: FastifyError, _request, reply) => fail(reply, frameworkRejection(error, log)));
    app.get('/_matrix/client/versions', async () => ({ versions: VERSIONS, unstable_features: {} }));
    app.all('/_matrix/*', send);
  };
}

/** The short names the URL's room stands for among the rooms the source may use: by short name, id or alias. */
export function roomNames(room: string, source: UptimeKumaSourceConfig, rooms: Readonly<Record<string, string>>): string[] {
  const allowed = source.rooms ?? Object.keys(rooms);
  return allowed.filter((name) => name === room || rooms[name] === room);
}

// The message text of an m.room.message content, or a Matrix error saying what is wrong with it.
function messageBody(raw: Buffer, contentType: string | undefined, contentEncoding: string | string[] | undefined): string {
  let content: unknown;
  try {
    content = JSON.parse(readText(raw, contentType, contentEncoding));
  } catch (error) {
    const reason = error instanceof BodyError ? error.message : 'the body is not JSON';
    throw new MatrixReject(400, 'M_NOT_JSON', `Content not JSON: ${reason}`);
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new MatrixReject(400, 'M_BAD_JSON', 'the content must be a JSON object {"msgtype": "m.text", "body": "…"}');
  }
  const { body } = content as { body?: unknown };
  if (typeof body !== 'string') throw new MatrixReject(400, 'M_BAD_JSON', 'the content has no string "body": nothing to deliver');
  if (body.trim() === '') throw new MatrixReject(400, 'M_BAD_JSON', 'the content\'s "body" is empty: nothing to deliver');
  return body;
}

/**
 * The event id answered: derived from the outbox row, so a retried txnId gets the same id. When no route takes
 * the message nothing is queued; the id is then derived from the txnId, still stable across retries.
 */
function eventId(rows: readonly OutboxRow[], source: string, txnId: string | undefined): string {
  const row = rows[0];
  if (row) return `$vigie_${row.txnId.replace(/^vigie\./, '')}`;
  const seed = txnId === undefined ? randomUUID() : createHash('sha256').update(`${source}\n${txnId}`).digest('base64url').slice(0, 27);
  return `$vigie_unrouted_${seed}`;
}

function queryToken(query: unknown): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.access_token;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// Errors fastify raises before the handler, in Matrix's shape so Kuma logs something meaningful.
function frameworkRejection(error: FastifyError, log: Logger): MatrixReject {
  if (error instanceof MatrixReject) return error;
  const status = error.statusCode ?? 500;
  if (status === 413) return new MatrixReject(413, 'M_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
  if (status >= 400 && status < 500) return new MatrixReject(status, 'M_UNKNOWN', `the request could not be read: ${error.message}`);
  log.error({ err: error.message, code: error.code }, 'Matrix request failed inside Vigie');
  return new MatrixReject(500, 'M_UNKNOWN', 'Vigie failed to handle this request; see its log');
}

function fail(reply: FastifyReply, error: MatrixReject): FastifyReply {
  return reply.code(error.statusCode).send({ errcode: error.errcode, error: error.message });
}
