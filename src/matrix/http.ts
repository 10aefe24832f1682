// One HTTP exchange with a Matrix server: a timeout on every call, and "no answer at all" typed as MatrixNetworkError.
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import { MatrixError, MatrixNetworkError } from './errors.js';
import { USER_AGENT } from '../version.js';

/** The largest answer read; a Matrix API answer this big means the URL points at something else. */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** Where a request goes: a URL, or the same parts already split (the client's sends build no URL object). */
export type HttpTarget = Pick<URL, 'origin' | 'host' | 'pathname' | 'search'>;

/** What to send. */
export interface HttpRequest {
  method: Dispatcher.HttpMethod;
  url: HttpTarget;
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

/**
 * Sends one request and reads the whole answer; throws MatrixNetworkError when no HTTP answer arrives.
 * Built on undici's dispatch() rather than request(): no stream and no AbortController per call, costs the
 * deliverer would otherwise pay at every message.
 */
export function sendHttp(req: HttpRequest): Promise<HttpAnswer> {
  if (req.signal?.aborted) return Promise.reject(req.signal.reason as Error);
  return new Promise((resolve, reject) => new Exchange(req, resolve, reject).start());
}

/** One request as undici's dispatch handler: collects the answer, and ends it on timeout or the caller's abort. */
class Exchange implements Dispatcher.DispatchHandler {
  readonly #req: HttpRequest;
  readonly #resolve: (answer: HttpAnswer) => void;
  readonly #reject: (error: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  /** Why the exchange ended early (timeout, abort, too large), once it did. */
  #failure: unknown;
  #settled = false;
  #timer: NodeJS.Timeout | undefined;
  #status = 0;
  #headers: Record<string, string> = {};
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(req: HttpRequest, resolve: (answer: HttpAnswer) => void, reject: (error: unknown) => void) {
    this.#req = req;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  start(): void {
    const { url, timeoutMs, signal } = this.#req;
    this.#timer = setTimeout(() => this.#fail(new MatrixNetworkError(`${url.host} gave no answer within ${formatDuration(timeoutMs)}`)), timeoutMs);
    if (signal) watch(signal, this);
    // Filled one by one: a property added after an object spread takes a slow path on Node 20 (~1 µs a request, and a
    // copy for the scavenges to move).
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json' };
    const extra = this.#req.headers;
    if (extra) for (const name in extra) headers[name] = extra[name]!;
    if (this.#req.json !== undefined) headers['content-type'] = 'application/json';
    (this.#req.dispatcher ?? getGlobalDispatcher()).dispatch({
      origin: url.origin, path: url.pathname + url.search, method: this.#req.method, headers, body: this.#req.json ?? null,
    }, this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // Ended while waiting for a connection: undici can only be told now.
    if (this.#settled) controller.abort(this.#failure as Error);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx: informational, the answer follows
    this.#status = statusCode;
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) this.#headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const maxBytes = this.#req.maxBytes ?? MAX_ANSWER_BYTES;
    this.#size += chunk.length;
    if (this.#size > maxBytes) {
      this.#fail(new MatrixError('M_UNKNOWN', this.#status,
        `HTTP ${this.#status} from ${this.#req.url.host}: the answer is larger than ${Math.round(maxBytes / 1024)} KiB; is this really a Matrix homeserver?`));
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (!this.#end()) return;
    const body = this.#chunks.length === 1 ? this.#chunks[0]!.toString('utf8') : Buffer.concat(this.#chunks).toString('utf8');
    this.#resolve({ status: this.#status, headers: this.#headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (!this.#end()) return;
    const host = this.#req.url.host;
    this.#reject(isCutConnection(err)
      ? new MatrixNetworkError(`${host} closed the connection before answering (${describeCause(err)})`, { cause: err })
      : new MatrixNetworkError(`could not reach ${host}: ${describeCause(err)}`, { cause: err }));
  }

  /** The caller's signal fired: its reason is thrown as is. */
  callerAborted(): void {
    this.#fail(this.#req.signal?.reason);
  }

  /** Ends the exchange with `error` now, and tells undici to drop the request. */
  #fail(error: unknown): void {
    if (!this.#end()) return;
    this.#failure = error;
    this.#reject(error);
    this.#controller?.abort(error as Error);
  }

  /** Settles once: false when the exchange already ended (undici then reports the abort we asked for). */
  #end(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    if (this.#req.signal) underSignal.get(this.#req.signal)?.delete(this);
    return true;
  }
}

/**
 * The exchanges under way under each caller's signal. One 'abort' listener per signal rather than one per request:
 * the deliverer gives every send of a room the same signal, and EventTarget's add and remove cost ~2.5 µs a request.
 */
const underSignal = new WeakMap<AbortSignal, Set<Exchange>>();

function watch(signal: AbortSignal, exchange: Exchange): void {
  let exchanges = underSignal.get(signal);
  if (exchanges === undefined) {
    const under = new Set<Exchange>();
    signal.addEventListener('abort', () => {
      for (const each of [...under]) each.callerAborted();
    }, { once: true });
    underSignal.set(signal, under);
    exchanges = under;
  }
  exchanges.add(exchange);
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
