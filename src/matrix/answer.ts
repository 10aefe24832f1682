// Turns a homeserver's HTTP answer into JSON or a MatrixError that says what happened and keeps the errcode.
import { MatrixError } from './errors.js';
import { formatDuration, type HttpAnswer } from './http.js';

/** The longest piece of a non-JSON body quoted in an error. */
const SNIPPET_CHARS = 200;

/** Where an answer came from, for messages: what we were doing and which server answered. */
export interface AnswerContext {
  /** What the call was doing, e.g. `sending m.room.message to !abc:example.org`. */
  what: string;
  host: string;
  /** Strings that must never appear in a message (access token, password). */
  secrets?: readonly string[];
}

/** The JSON object of a 2xx answer, or throws the MatrixError the answer stands for. */
export function jsonOrThrow(answer: HttpAnswer, ctx: AnswerContext): Record<string, unknown> {
  const parsed = parseJsonObject(answer.body);
  if (answer.status >= 200 && answer.status < 300) {
    if (parsed) return parsed;
    throw new MatrixError('M_UNKNOWN', answer.status, redact(`${ctx.what}: HTTP ${answer.status} from ${ctx.host} is not JSON `
      + `(${answer.headers['content-type'] ?? 'no content type'}: ${snippet(answer.body)}); is this the homeserver's URL?`, ctx.secrets));
  }
  throw errorFromAnswer(answer, ctx, parsed);
}

/** The MatrixError for a non-2xx answer: the body's errcode and text, or M_UNKNOWN with a piece of the page. */
export function errorFromAnswer(answer: HttpAnswer, ctx: AnswerContext, parsed = parseJsonObject(answer.body)): MatrixError {
  const retryAfterMs = retryAfter(parsed, answer.headers['retry-after']);
  const errcode = typeof parsed?.errcode === 'string' ? parsed.errcode : undefined;
  let detail: string;
  if (errcode !== undefined) {
    const text = typeof parsed?.error === 'string' ? parsed.error : '(no error text)';
    detail = `${errcode} (HTTP ${answer.status}) from ${ctx.host}: ${text}`;
  } else {
    detail = `HTTP ${answer.status} from ${ctx.host}: ${snippet(answer.body) || '(empty body)'}`;
    const location = answer.headers.location;
    if (answer.status >= 300 && answer.status < 400 && location) detail += `; it redirects to ${location}, use that address`;
  }
  const hint = hintFor(errcode ?? 'M_UNKNOWN', answer.status, retryAfterMs);
  const message = `${ctx.what}: ${detail}${hint ? ` — ${hint}` : ''}`;
  return new MatrixError(errcode ?? 'M_UNKNOWN', answer.status, redact(message, ctx.secrets), retryAfterMs, parsed);
}

/** What a person can do about the errors a bot commonly meets. */
function hintFor(errcode: string, status: number, retryAfterMs: number | undefined): string | undefined {
  if (errcode === 'M_UNKNOWN_TOKEN') return 'the access token is wrong or was revoked; log in again to get a new one';
  if (errcode === 'M_MISSING_TOKEN') return 'no access token was sent; configure matrix.accessToken or accessTokenFile';
  if (errcode === 'M_LIMIT_EXCEEDED' || status === 429) {
    const wait = retryAfterMs === undefined ? 'later' : `in ${formatDuration(retryAfterMs)}`;
    return `the homeserver rate-limits this account; retry ${wait} (a server admin can lift the bot's limit)`;
  }
  return undefined;
}

/** How long to wait: the body's `retry_after_ms`, else the `Retry-After` header (seconds or an HTTP date). */
export function retryAfter(body: Record<string, unknown> | undefined, header: string | undefined, now = Date.now()): number | undefined {
  const ms = body?.retry_after_ms;
  if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  if (header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Text of a page as a person would read it: tags and scripts stripped, spaces collapsed, 200 characters. */
export function snippet(body: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1] ?? '';
  // The head holds the title, which error pages repeat in their body; keep it only when the body says nothing.
  const text = body
    .replace(/<head[^>]*>[\s\S]*?<\/head>/gi, ' ')
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim() || title.trim();
  return text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}…` : text;
}

/** A JSON object, or undefined for anything else (HTML, arrays, garbage). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    // A byte-order mark, which some editors write at the start of a hand-made .well-known file, is not JSON.
    const value: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces every secret in a message: a server may echo what we sent. */
export function redact(message: string, secrets: readonly string[] | undefined): string {
  let out = message;
  for (const secret of secrets ?? []) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
