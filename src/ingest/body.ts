// Decoding what Kuma posts, whatever its Content-Type claims: JSON, form-data with a `data` field, query, or text.
import { TextDecoder } from 'node:util';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hasKumaShape } from './kuma-event.js';

/** Largest body read; Kuma's biggest payload (heartbeat and monitor JSON) is a few KiB. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Most string values of a non-Kuma JSON body searched for Kuma's alert line. */
const MAX_CANDIDATES = 1000;

/** A body that cannot be used; `statusCode` is the answer (400 malformed, 413 too large, 415 unreadable). */
export class BodyError extends Error {
  override readonly name = 'BodyError';
  constructor(readonly statusCode: 400 | 413 | 415, message: string) {
    super(message);
  }
}

/** What a request carried: Kuma's payload (to check with kumaEventFromPayload), or a rendered text. */
export type DecodedBody =
  | { kind: 'payload'; payload: unknown; form: 'json' | 'form-data' | 'query' }
  /** `candidates`: where to look for Kuma's alert line (the text, or the string values of a JSON body). */
  | { kind: 'text'; text: string; candidates: string[] };

const ORIGINAL_CONTENT_TYPE = new WeakMap<object, string | undefined>();

/**
 * Makes every body of this (encapsulated) plugin arrive as a raw Buffer of at most MAX_BODY_BYTES. The claimed
 * Content-Type is kept aside and replaced, because fastify refuses a malformed one with 415 before any parser runs,
 * and a Kuma user can put any Content-Type in the webhook's additional headers.
 */
export function registerRawBody(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    ORIGINAL_CONTENT_TYPE.set(request.raw, request.headers['content-type']);
    if (request.headers['content-type'] !== undefined) request.headers['content-type'] = 'application/octet-stream';
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) => done(null, body));
}

/** The Content-Type the client sent (registerRawBody replaces the header fastify sees). */
export function claimedContentType(request: FastifyRequest): string | undefined {
  return ORIGINAL_CONTENT_TYPE.has(request.raw) ? ORIGINAL_CONTENT_TYPE.get(request.raw) : request.headers['content-type'];
}

/** The body as a Buffer (empty when there was none). */
export function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/** The body as text, in the charset the Content-Type names (UTF-8 by default); throws BodyError 415 if unreadable. */
export function readText(body: Buffer, contentType: string | undefined, contentEncoding?: string | string[]): string {
  refuseCompressed(contentEncoding);
  const charset = /;\s*charset="?([\w.:-]+)"?/i.exec(contentType ?? '')?.[1] ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new BodyError(415, `unknown charset "${charset.slice(0, 40)}" in the Content-Type: send UTF-8`);
  }
  try {
    return decoder.decode(body);
  } catch {
    throw new BodyError(415, `the body is not valid ${charset} text, JSON or form-data`);
  }
}

/** Decodes a webhook POST body: form-data (by header or by its first line), Kuma's JSON, other JSON, or text. */
export async function decodeWebhookBody(body: Buffer, contentType: string | undefined, contentEncoding?: string | string[]): Promise<DecodedBody> {
  if (body.length === 0) throw new BodyError(400, 'the body is empty: expected Kuma\'s JSON {heartbeat, monitor, msg}, form-data or text');
  refuseCompressed(contentEncoding);
  const boundary = multipartBoundary(body, contentType);
  if (boundary !== undefined) {
    return { kind: 'payload', payload: await formDataPayload(body, boundary), form: 'form-data' };
  }
  const text = readText(body, contentType, contentEncoding);
  if (text.trim() === '') throw new BodyError(400, 'the body is blank: expected Kuma\'s JSON {heartbeat, monitor, msg}, form-data or text');
  const json = parseJson(text);
  if (json === undefined) return { kind: 'text', text, candidates: [text] };
  if (hasKumaShape(json)) return { kind: 'payload', payload: json, form: 'json' };
  if (typeof json === 'string') return { kind: 'text', text: json, candidates: [json] };
  return { kind: 'text', text, candidates: stringLeaves(json) };
}

/** Decodes a webhook GET: Kuma puts `msg`, and `heartbeat` and `monitor` as JSON strings, in the query. */
export function decodeWebhookQuery(query: unknown): DecodedBody {
  const params = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const field = (name: string): string | undefined => {
    const value = params[name];
    if (value === undefined || typeof value === 'string') return value;
    throw new BodyError(400, `query parameter ${name} is given more than once`);
  };
  const msg = field('msg');
  const heartbeat = field('heartbeat');
  const monitor = field('monitor');
  if (msg === undefined && heartbeat === undefined && monitor === undefined) {
    throw new BodyError(400, 'a GET needs the query parameters Kuma sends: msg, and heartbeat and monitor as JSON');
  }
  const payload = { msg: msg ?? '', heartbeat: queryJson(heartbeat, 'heartbeat'), monitor: queryJson(monitor, 'monitor') };
  return { kind: 'payload', payload, form: 'query' };
}

// fastify does not decompress request bodies, and Kuma never compresses them.
function refuseCompressed(contentEncoding: string | string[] | undefined): void {
  const encoding = Array.isArray(contentEncoding) ? contentEncoding.join(',') : contentEncoding;
  if (encoding !== undefined && encoding.trim() !== '' && encoding.trim().toLowerCase() !== 'identity') {
    throw new BodyError(415, `Content-Encoding "${encoding.slice(0, 40)}" is not supported: send the body uncompressed`);
  }
}

function queryJson(value: string | undefined, name: string): unknown {
  if (value === undefined || value === '') return null;
  const parsed = parseJson(value);
  if (parsed === undefined) throw new BodyError(400, `query parameter ${name} is not JSON (Kuma sends JSON.stringify of the ${name})`);
  return parsed;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// A boundary from the header, or from the body's first line when the header claims something else.
function multipartBoundary(body: Buffer, contentType: string | undefined): string | undefined {
  const declared = /^\s*multipart\/form-data\s*;(?:.*;)?\s*boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (declared !== undefined) return declared.trim();
  const head = body.subarray(0, 200).toString('latin1');
  const sniffed = /^--([0-9A-Za-z'()+_,\-./:=?]{1,70})\r?\n[Cc]ontent-[Dd]isposition: *form-data/.exec(head);
  return sniffed?.[1];
}

async function formDataPayload(body: Buffer, boundary: string): Promise<unknown> {
  let form: FormData;
  try {
    const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    form = await new Response(body, { headers }).formData();
  } catch {
    throw new BodyError(415, 'the multipart/form-data body could not be read (truncated, or a wrong boundary)');
  }
  const data = form.get('data');
  if (data === null) throw new BodyError(400, 'the form-data has no field "data" (Kuma sends its JSON in one field named data)');
  const text = typeof data === 'string' ? data : await data.text();
  const payload = parseJson(text);
  if (payload === undefined) throw new BodyError(400, 'the form-data field "data" is not JSON (Kuma sends {heartbeat, monitor, msg} in it)');
  return payload;
}

// String values of a JSON body, breadth first and bounded: a custom Kuma body may hold `{{ msg }}` in any field.
function stringLeaves(value: unknown): string[] {
  const found: string[] = [];
  const queue: unknown[] = [value];
  for (let i = 0; i < queue.length && found.length < MAX_CANDIDATES; i++) {
    const item = queue[i];
    if (typeof item === 'string') found.push(item);
    else if (typeof item === 'object' && item !== null) {
      for (const child of Object.values(item)) if (queue.length < 10 * MAX_CANDIDATES) queue.push(child);
    }
  }
  return found;
}
