// One HTTP exchange with a Matrix server: a timeout on every call, and "no answer at all" typed as MatrixNetworkError.
import { request, type Dispatcher } from 'undici';
import { MatrixError, MatrixNetworkError } from './errors.js';
import { USER_AGENT } from '../version.js';

/** The largest answer read; a Matrix API answer this big means the URL points at something else. */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** What to send. */
export interface HttpRequest {
  method: Dispatcher.HttpMethod;
  url: URL;
  headers?: Record<string, string>;
  /** A JSON text, sent with `Content-Type: application/json`. */
  json?: string;
  /** Whole exchange (headers and body), in milliseconds. */
  timeoutMs: number;
  /** The caller's cancellation; when it fires, its reason is thrown as is. */
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  /** Answers larger than this are refused; default MAX_ANSWER_BYTES. */
  maxBytes?: number;
}

/** What came back: any HTTP status is an answer, errors included. */
export interface HttpAnswer {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/** Sends one request and reads the whole answer; throws MatrixNetworkError when no HTTP answer arrives. */
export async function sendHttp(req: HttpRequest): Promise<HttpAnswer> {
  if (req.signal?.aborted) throw req.signal.reason;
  // Composed by hand: AbortSignal.any leaks when one input is long-lived (nodejs/node#55351), like a shutdown signal.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  }, req.timeoutMs);
  const onCallerAbort = (): void => controller.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json', ...req.headers };
  if (req.json !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await request(req.url, {
      method: req.method, headers, body: req.json, signal: controller.signal, dispatcher: req.dispatcher,
    });
    const body = await readBody(res.body, req.maxBytes ?? MAX_ANSWER_BYTES, req.url, res.statusCode);
    return { status: res.statusCode, headers: flattenHeaders(res.headers), body };
  } catch (err) {
    if (err instanceof MatrixError) throw err;
    if (req.signal?.aborted) throw req.signal.reason;
    if (timedOut) {
      throw new MatrixNetworkError(`${req.url.host} gave no answer within ${formatDuration(req.timeoutMs)}`, { cause: err });
    }
    if (isCutConnection(err)) {
      throw new MatrixNetworkError(`${req.url.host} closed the connection before answering (${describeCause(err)})`, { cause: err });
    }
    throw new MatrixNetworkError(`could not reach ${req.url.host}: ${describeCause(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onCallerAbort);
  }
}

async function readBody(body: Dispatcher.ResponseData['body'], maxBytes: number, url: URL, status: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      body.destroy();
      throw new MatrixError('M_UNKNOWN', status,
        `HTTP ${status} from ${url.host}: the answer is larger than ${Math.round(maxBytes / 1024)} KiB; is this really a Matrix homeserver?`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The human part of a network failure: "connect ECONNREFUSED 127.0.0.1:8448", "getaddrinfo ENOTFOUND x". */
export function describeCause(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    // Happy-eyeballs tries each address; every one of them failed, so say so once each.
    return [...new Set(err.errors.map((e) => describeCause(e)))].join('; ');
  }
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  let text = err.message || err.name;
  if (typeof code === 'string' && !text.includes(code)) text = `${text} (${code})`;
  if (err.cause !== undefined && err.cause !== err && !(code === 'UND_ERR_SOCKET')) {
    const inner = describeCause(err.cause);
    if (!text.includes(inner)) text = `${text}: ${inner}`;
  }
  return text;
}

/** A connection that was made, then reset or closed: the server (or a proxy) dropped it mid-request. */
function isCutConnection(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
}

/** "30s", "1.5s", "250ms": durations as a person reads them. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}
