// One HTTP exchange for the http check, on node:http (cheaper per check than undici), redirects followed by hand.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { TLSSocket } from 'node:tls';
import zlib from 'node:zlib';
import { tlsInfoOf } from './tls-info.js';
import type { TlsInfo } from './types.js';

/** Pools used only when a monitor sets keepAlive; otherwise each check opens a fresh connection like a first visit. */
const KEEP_ALIVE = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** What to ask, and how. */
export interface HttpExchange {
  url: URL;
  method: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: string;
  maxRedirects: number;
  ignoreTls: boolean;
  keepAlive: boolean;
  /** Bytes of the final body read at most; past that the connection is dropped. */
  bodyLimit: number;
  /** Keep the body read (for keyword or JSON query); otherwise it is read and thrown away. */
  keepBody: boolean;
  /** Bytes looked for in the whole body, beyond `bodyLimit` (up to SEARCH_LIMIT): a keyword. */
  find?: Buffer;
  signal: AbortSignal;
}

/** The final answer after redirects. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  body: Buffer;
  /** The body was longer than `bodyLimit` and was cut. */
  truncated: boolean;
  /** Whether `find` was in the body (read up to SEARCH_LIMIT); undefined when nothing was looked for. */
  found?: boolean;
  /** The certificate of the first https hop (the configured URL's server). */
  tls?: TlsInfo;
}

/** A redirect chain longer than `maxRedirects`. */
export class TooManyRedirectsError extends Error {
  override readonly name = 'TooManyRedirectsError';
}

/** Credentials meant for the configured host are not handed to another one a redirect points at. */
function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const { authorization: _a, cookie: _c, 'proxy-authorization': _p, ...rest } = headers;
  return rest;
}

interface Hop {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function send(url: URL, hop: Hop, exchange: HttpExchange): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  const agent = exchange.keepAlive ? (secure ? KEEP_ALIVE.https : KEEP_ALIVE.http) : false;
  const headers = { ...hop.headers };
  if (hop.body === undefined) delete headers['content-type'];
  else headers['content-length'] = String(Buffer.byteLength(hop.body));
  const { method, body } = hop;
  const options = { method, headers, agent, signal: exchange.signal, rejectUnauthorized: !exchange.ignoreTls };
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(url, options, resolve);
    request.once('error', reject);
    request.end(body);
  });
}

/**
 * The body as the server meant it: a compressed one (a server that compresses whatever was asked, or a monitor
 * sending its own Accept-Encoding) is decompressed, as Kuma's axios does, so a keyword or JSON query reads text.
 */
function decoded(response: IncomingMessage): AsyncIterable<Buffer> {
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? zlib.createGunzip()
    : encoding === 'deflate' ? zlib.createInflate()
      : encoding === 'br' ? zlib.createBrotliDecompress() : undefined;
  if (!decoder) return response;
  // pipeline, so an error on either side (a reset, a corrupt stream) reaches the reader and closes both.
  pipeline(response, decoder).catch(() => undefined);
  return decompressing(decoder, encoding);
}

async function* decompressing(decoder: AsyncIterable<Buffer>, encoding: string): AsyncGenerator<Buffer> {
  try {
    yield* decoder;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (!code?.startsWith('Z_') && !code?.startsWith('ERR_BROTLI')) throw error;
    throw new Error(`the body says it is ${encoding}-compressed but does not decompress (${message})`, { cause: error });
  }
}

/** How far a body is searched for `find`, kept or not: a keyword near the end of a 50 MB page is still found. */
export const SEARCH_LIMIT = 64 * 1024 * 1024;

/**
 * Reads at most `limit` bytes of `response` (kept if `keep`), and looks for `find` in the whole body up to
 * SEARCH_LIMIT, keeping only the bytes where a match may straddle two chunks; then lets the rest go.
 */
async function readBody(response: AsyncIterable<Buffer>, limit: number, keep: boolean, find?: Buffer): Promise<Pick<HttpAnswer, 'body' | 'truncated' | 'found'>> {
  const chunks: Buffer[] = [];
  let size = 0;
  let found = find === undefined ? undefined : false;
  let tail: Buffer = Buffer.alloc(0);
  const kept = (): Buffer => Buffer.concat(chunks).subarray(0, limit);
  // Reading to the end, even unkept, notices a server that dies halfway through its answer.
  for await (const chunk of response) {
    if (keep && size < limit) chunks.push(chunk);
    size += chunk.length;
    if (find !== undefined && found === false) {
      const window = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
      found = window.includes(find);
      tail = window.subarray(Math.max(0, window.length - find.length + 1));
    }
    const searching = found === false && size <= SEARCH_LIMIT;
    // Leaving the loop destroys the response: a huge page costs at most `limit` bytes kept.
    if (size > limit && !searching) return { body: kept(), truncated: true, found };
  }
  return { body: kept(), truncated: size > limit, found };
}

/** Lets a response we do not need go: drained for reuse on a kept-alive connection, else dropped. */
function discard(response: IncomingMessage, keepAlive: boolean): void {
  if (keepAlive) response.resume();
  else response.destroy();
}

/** Sends the request, follows up to `maxRedirects` redirects, and reads the final body; rejects on network errors. */
export async function exchangeHttp(exchange: HttpExchange): Promise<HttpAnswer> {
  let url = exchange.url;
  let method = exchange.method;
  let body = exchange.body;
  let headers = exchange.headers;
  let tls: TlsInfo | undefined;
  for (let hop = 0; ; hop++) {
    const response = await send(url, { method, headers, body }, exchange);
    // The first https hop, as Kuma takes it: an http:// URL redirected to https:// has its certificate watched too.
    if (tls === undefined && response.socket instanceof TLSSocket) tls = tlsInfoOf(response.socket);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (REDIRECTS.has(status) && location !== undefined && exchange.maxRedirects > 0) {
      discard(response, exchange.keepAlive);
      if (hop >= exchange.maxRedirects) {
        // The target without its query: a redirect may carry the monitor's own ?token= back.
        const shown = new URL(location, url);
        throw new TooManyRedirectsError(`more than ${exchange.maxRedirects} redirects (the last one to ${shown.origin}${shown.pathname}); raise maxRedirects if that is expected`);
      }
      const next = new URL(location, url);
      if (next.host !== url.host) headers = withoutCredentials(headers);
      url = next;
      // Browsers turn these into a GET without body; 307 and 308 keep the method.
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
      continue;
    }
    const read = await readBody(decoded(response), exchange.bodyLimit, exchange.keepBody, exchange.find);
    const answer: HttpAnswer = { status, statusText: response.statusMessage ?? '', ...read };
    if (tls) answer.tls = tls;
    return answer;
  }
}
