// The test homeserver's request loop: injected faults first, then routing, token auth, the handler, and the answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HsError } from './errors.js';
import { matchRoute, parseJsonBody, type HsContext, type Reply, type RequestCtx, type Route } from './router.js';

/** The largest request body accepted, like Synapse's max_upload_size guard on JSON. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/** One request, for assertions; never holds a token (the path is logged without its query). */
export interface RequestLogEntry {
  method: string;
  path: string;
  /** The query string's parameters (`access_token` left out). */
  query: Record<string, string>;
  userId?: string;
  /** The HTTP status answered; 0 while pending, or when the connection was reset or left hanging. */
  status: number;
}

/** How the whole server misbehaves: connections refused, reset, or a reverse proxy's error page. */
export type DownMode = false | 'refuse' | 'reset' | 502 | 503;

/** What the next send requests get instead of a normal answer. */
export type FailAnswer =
  | { status: number; errcode?: string; error?: string; retryAfterMs?: number }
  /** The connection is reset before the event is sent. */
  | 'reset'
  /** No answer at all, until the client gives up. */
  | 'hang'
  /** The event IS sent, then the connection is reset: the answer is lost, as in a crash mid-request. */
  | 'reset-after-send'
  /** The event IS sent, then no answer ever comes: the client is caught mid-send (to be killed, or to time out). */
  | 'hang-after-send';

/** Faults in force. */
export interface Faults {
  down: DownMode;
  /** Answers for the next requests: sends, or those whose path ends with `on`. */
  failQueue: Array<{ answer: FailAnswer; on?: string }>;
}

/** Everything the loop needs. */
export interface ServeState {
  hs: HsContext;
  routes: readonly Route[];
  faults: Faults;
  log: RequestLogEntry[];
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'X-Requested-With, Content-Type, Authorization, Date',
};

/** The HTML page nginx answers when the homeserver behind it is down. */
export function proxyPage(status: number): string {
  const title = status === 502 ? '502 Bad Gateway' : status === 503 ? '503 Service Temporarily Unavailable' : `${status} Error`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/** Handles one request; never throws. */
export async function serveRequest(state: ServeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query = Object.fromEntries([...url.searchParams].filter(([name]) => name !== 'access_token'));
  const entry: RequestLogEntry = { method: req.method ?? 'GET', path: url.pathname, query, status: 0 };
  state.log.push(entry);
  const down = state.faults.down;
  if (down === 'reset') return reset(req);
  if (down === 502 || down === 503) return write(res, entry, { status: down, html: proxyPage(down), headers: { server: 'nginx' } });
  try {
    const raw = await readBody(req);
    const reply = await dispatch(state, req, url, raw, entry);
    if (reply === 'reset') return reset(req);
    if (reply === 'hang') return;
    write(res, entry, reply);
  } catch (err) {
    const e = err instanceof HsError ? err : new HsError(500, 'M_UNKNOWN', `Internal server error: ${String(err)}`);
    write(res, entry, { status: e.status, body: e.body(), headers: e.headers });
  }
}

async function dispatch(state: ServeState, req: IncomingMessage, url: URL, raw: Buffer, entry: RequestLogEntry): Promise<Reply | 'reset' | 'hang'> {
  const method = req.method ?? 'GET';
  if (method === 'OPTIONS') return { status: 204 };
  const match = matchRoute(state.routes, method, url.pathname);
  if (match === undefined) throw new HsError(404, 'M_UNRECOGNIZED', 'Unrecognized request');
  if (match === 'wrong-method') throw new HsError(405, 'M_UNRECOGNIZED', 'Unrecognized request');
  const { hs } = state;
  const token = bearer(req) ?? url.searchParams.get('access_token') ?? undefined;
  const session = token !== undefined ? hs.accounts.session(token) : undefined;
  if (session) entry.userId = session.userId;
  const queued = state.faults.failQueue.findIndex(({ on }) => (on === undefined ? match.route.isSend === true : url.pathname.endsWith(on)));
  const fault = queued >= 0 ? state.faults.failQueue.splice(queued, 1)[0]!.answer : undefined;
  if (fault === 'reset' || fault === 'hang') return fault;
  if (fault !== undefined && fault !== 'reset-after-send' && fault !== 'hang-after-send') return injected(fault);
  if (match.route.auth) {
    if (token === undefined) throw new HsError(401, 'M_MISSING_TOKEN', 'Missing access token');
    if (session === undefined) throw new HsError(401, 'M_UNKNOWN_TOKEN', 'Unrecognised access token', { soft_logout: false });
  }
  const ctx: RequestCtx = {
    hs, params: match.params, query: url.searchParams, session, token, path: url.pathname,
    remoteAddress: req.socket.remoteAddress ?? 'unknown',
    json: (options) => parseJsonBody(raw, options?.allowEmpty ?? false),
  };
  const reply = await match.route.handle(ctx);
  if (fault === 'reset-after-send') return 'reset';
  return fault === 'hang-after-send' ? 'hang' : reply;
}

/** An injected answer: a Matrix error when it has an errcode, else a proxy's HTML page. */
function injected(fault: { status: number; errcode?: string; error?: string; retryAfterMs?: number }): Reply {
  const headers: Record<string, string> = {};
  if (fault.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(fault.retryAfterMs / 1000));
  if (fault.errcode === undefined) return { status: fault.status, html: proxyPage(fault.status), headers: { ...headers, server: 'nginx' } };
  const body: Record<string, unknown> = { errcode: fault.errcode, error: fault.error ?? 'Injected failure' };
  if (fault.retryAfterMs !== undefined) body.retry_after_ms = fault.retryAfterMs;
  return { status: fault.status, body, headers };
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const m = header === undefined ? null : /^Bearer\s+(.+)$/i.exec(header);
  return m?.[1]?.trim();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new HsError(413, 'M_TOO_LARGE', 'Request content is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function reset(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}

function write(res: ServerResponse, entry: RequestLogEntry, reply: Reply): void {
  const status = reply.status ?? 200;
  entry.status = status;
  const headers: Record<string, string> = { ...CORS, ...reply.headers };
  let body = '';
  if (reply.html !== undefined) {
    headers['content-type'] = 'text/html; charset=utf-8';
    body = reply.html;
  } else if (reply.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(reply.body);
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
}
