// What to do after a failed send: wait and retry, park the room (or every room), or set the message aside.
import { MatrixError, MatrixNetworkError } from '../matrix/errors.js';

/** Backoff settings; `random` is injectable so tests can pin the jitter. */
export interface RetryPolicy {
  /** First backoff after a server or network failure. */
  initialBackoffMs: number;
  /** Growth factor between consecutive failures. */
  multiplier: number;
  /** Longest backoff, jitter included. */
  maxBackoffMs: number;
  /** Relative jitter: 0.2 spreads each delay over ±20%. */
  jitter: number;
  /** Wait after a rate limit that did not say how long (never 0: that would hammer the server). */
  rateLimitFallbackMs: number;
  /** Parked rooms are probed this often (used in the reasons shown to people). */
  parkedRetryMs: number;
  /** A number in [0, 1); Math.random in production. */
  random: () => number;
}

/** Vigie's defaults: 1 s, ×2, at most 5 min, ±20%, 5 s when a 429 has no hint, probe parked rooms every 5 min. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialBackoffMs: 1_000,
  multiplier: 2,
  maxBackoffMs: 300_000,
  jitter: 0.2,
  rateLimitFallbackMs: 5_000,
  parkedRetryMs: 300_000,
  random: Math.random,
};

/** Why a retry waits: only `rate-limit` does not grow the backoff. */
export type RetryKind = 'rate-limit' | 'server' | 'network' | 'bug';

/** The decision for one failed attempt. */
export type RetryDecision =
  | { action: 'retry'; delayMs: number; kind: RetryKind }
  | { action: 'park'; scope: 'room' | 'all'; reason: string }
  | { action: 'reject'; reason: string };

/** The facts a reason sentence needs: which room, and how many alerts wait there and in all rooms. */
export interface FailureContext {
  roomId: string;
  pendingInRoom: number;
  pendingTotal: number;
}

/** Failures before any byte of the request could reach the homeserver: nothing of it can be in the room. */
const NEVER_SENT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Whether a failed send may have put its event in the room anyway: its answer was lost (a cut connection, a
 * timeout), or a proxy or the server answered 5xx. Only then can a retry after the homeserver forgot the txnId post
 * it twice. Anything unsure counts as "may have".
 */
export function mayHaveArrived(error: unknown): boolean {
  if (error instanceof MatrixError) return error.status >= 500 || error.status === 408;
  if (!(error instanceof MatrixNetworkError)) return false;
  const codes = errorCodes(error.cause);
  return codes.length === 0 || codes.some((code) => !NEVER_SENT_CODES.has(code));
}

/** The codes of an error and of what it wraps (every address tried, for happy eyeballs' AggregateError). */
function errorCodes(error: unknown): string[] {
  if (error instanceof AggregateError) return error.errors.flatMap(errorCodes);
  if (!(error instanceof Error)) return [];
  const code = (error as { code?: unknown }).code;
  const own = typeof code === 'string' ? [code] : [];
  return own.length > 0 ? own : errorCodes(error.cause);
}

/** Errcodes that concern the bot's account or token, so no room can be served until a person acts. */
const ACCOUNT_ERRCODES = new Set(['M_UNKNOWN_TOKEN', 'M_MISSING_TOKEN', 'M_USER_DEACTIVATED', 'M_USER_LOCKED', 'M_USER_SUSPENDED']);

/** Errcodes (and 413) that the server will never accept for this message as it is. */
const MESSAGE_ERRCODES = new Set(['M_TOO_LARGE', 'M_BAD_JSON', 'M_NOT_JSON']);

/**
 * Decides what follows a failed send. `attempt` counts the consecutive failures that grow the backoff,
 * this one included (1 for the first); rate limits are not counted by the caller.
 */
export function decideRetry(error: unknown, attempt: number, policy: RetryPolicy, context: FailureContext): RetryDecision {
  if (error instanceof MatrixNetworkError) return { action: 'retry', kind: 'network', delayMs: backoffMs(attempt, policy) };
  if (!(error instanceof MatrixError)) return { action: 'retry', kind: 'bug', delayMs: backoffMs(attempt, policy) };
  if (error.isRateLimit) return { action: 'retry', kind: 'rate-limit', delayMs: rateLimitDelayMs(error, policy) };
  if (ACCOUNT_ERRCODES.has(error.errcode) || error.status === 401) {
    return { action: 'park', scope: 'all', reason: accountReason(error, context) };
  }
  if (error.errcode === 'M_UNRECOGNIZED') {
    return { action: 'park', scope: 'all', reason: endpointReason(error, context, policy) };
  }
  if (error.status >= 300 && error.status < 400) {
    // A redirect (http:// to https://, an old address) never turns into an answer by retrying: every room waits for the fix.
    return { action: 'park', scope: 'all', reason: redirectReason(error, context, policy) };
  }
  if (MESSAGE_ERRCODES.has(error.errcode) || error.status === 413 || refusesThisMessage(error)) {
    return { action: 'reject', reason: rejectReason(error, context) };
  }
  if (error.status === 408 || error.status >= 500 || error.status < 400) {
    return { action: 'retry', kind: 'server', delayMs: backoffMs(attempt, policy) };
  }
  return { action: 'park', scope: 'room', reason: roomReason(error, context, policy) };
}

/**
 * A 400 about this message, not the room: Synapse's relation checks ("Can't send relation to unknown event", "Cannot
 * start threads from an event with a relation", in M_UNKNOWN) or a parameter it refuses. Parking the room for it would
 * hold every later alert behind a message that can never go.
 */
function refusesThisMessage(error: MatrixError): boolean {
  if (error.status !== 400 || error.errcode.startsWith('VIGIE_')) return false;
  return error.errcode === 'M_INVALID_PARAM' || /relation|thread/i.test(error.message);
}

/** Exponential backoff with jitter, capped at `maxBackoffMs` (jitter included) and never below 1 ms. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** exponent);
  const spread = 1 + policy.jitter * (2 * policy.random() - 1);
  return Math.max(1, Math.min(policy.maxBackoffMs, Math.round(base * spread)));
}

// Synapse truncates the wait to whole milliseconds, so a hint of 0 means "a moment", not "no hint".
const MIN_RATE_LIMIT_WAIT_MS = 50;
// The truncation and timers' millisecond granularity make an exact wait end up to ~2 ms early on the server's clock,
// which earns a second 429; waiting 2 ms more costs nothing.
const RATE_LIMIT_MARGIN_MS = 2;

function rateLimitDelayMs(error: MatrixError, policy: RetryPolicy): number {
  const hint = error.retryAfterMs;
  if (hint === undefined || !Number.isFinite(hint) || hint < 0) return policy.rateLimitFallbackMs;
  return Math.max(Math.ceil(hint) + RATE_LIMIT_MARGIN_MS, MIN_RATE_LIMIT_WAIT_MS);
}

/** `M_FORBIDDEN: You are not in this room` — the server's words, after its code. */
function serverSaid(error: MatrixError): string {
  return error.message ? `${error.errcode}: ${error.message}` : error.errcode;
}

/** `the 3 pending alerts for this room are kept` — singular-aware, since people read it. */
function kept(n: number, where = ''): string {
  return n === 1 ? `the 1 pending alert${where} is kept` : `the ${n} pending alerts${where} are kept`;
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 1 ? `${m} min` : `${Math.round(ms / 1000)} s`;
}

function accountReason(error: MatrixError, { pendingTotal }: FailureContext): string {
  const keptAll = `${kept(pendingTotal)} and will be sent`;
  switch (error.errcode) {
    case 'M_MISSING_TOKEN':
      return `the homeserver received no access token (M_MISSING_TOKEN). Set matrix.accessToken or matrix.accessTokenFile in vigie.yaml and restart Vigie; ${keptAll}.`;
    case 'M_USER_DEACTIVATED':
      return `the bot account is deactivated (M_USER_DEACTIVATED). Create a new bot account, run \`vigie login\`, update the token, and restart Vigie; ${keptAll}.`;
    case 'M_USER_LOCKED':
    case 'M_USER_SUSPENDED':
      return `the bot account is ${error.errcode === 'M_USER_LOCKED' ? 'locked' : 'suspended'} by the homeserver's admin (${error.errcode}). Ask them to lift it; ${keptAll}.`;
    default:
      return `the access token was refused (${error.errcode === 'M_UNKNOWN_TOKEN' ? 'M_UNKNOWN_TOKEN' : `HTTP ${error.status} ${error.errcode}`}): it was revoked or is wrong. Run \`vigie login\`, update the token, and restart Vigie; ${keptAll}.`;
  }
}

function endpointReason(error: MatrixError, { pendingTotal }: FailureContext, policy: RetryPolicy): string {
  return `the homeserver does not know the send endpoint (HTTP ${error.status} ${serverSaid(error)}): matrix.homeserver probably points at something that is not a Matrix homeserver. Fix it (\`vigie doctor\` checks it) and restart Vigie; ${kept(pendingTotal)} (retried every ${minutes(policy.parkedRetryMs)}).`;
}

function redirectReason(error: MatrixError, { pendingTotal }: FailureContext, policy: RetryPolicy): string {
  return `the homeserver answered with a redirect (HTTP ${error.status}), which Vigie does not follow for a send: set matrix.homeserver to the address it redirects to (\`vigie doctor\` finds it) and restart Vigie; ${kept(pendingTotal)} (retried every ${minutes(policy.parkedRetryMs)}).`;
}

function roomReason(error: MatrixError, { roomId, pendingInRoom }: FailureContext, policy: RetryPolicy): string {
  const keptRoom = `${kept(pendingInRoom, ' for this room')} (retried every ${minutes(policy.parkedRetryMs)})`;
  switch (error.errcode) {
    case 'M_FORBIDDEN':
      return `the bot is not allowed to post in room ${roomId} (${serverSaid(error)}). Invite the bot or raise its power level, then run \`vigie doctor --fix\`; ${keptRoom}.`;
    case 'VIGIE_ENCRYPTION_UNAVAILABLE':
      // Vigie's own refusal to send in clear: its message already says what to do.
      return `${error.message.replace(/[.;]?\s*its alerts are kept$/, '')}; ${keptRoom}.`;
    case 'M_NOT_FOUND':
      return `room ${roomId} was not found on the homeserver (${serverSaid(error)}). Check the room id under rooms: in vigie.yaml and that the room still exists, then restart Vigie; ${keptRoom}.`;
    default:
      return `the homeserver refused to post in room ${roomId} (HTTP ${error.status} ${serverSaid(error)}). Run \`vigie doctor\` to find out why; ${keptRoom}.`;
  }
}

function rejectReason(error: MatrixError, { roomId }: FailureContext): string {
  return `room ${roomId} will never accept this alert as it is (HTTP ${error.status} ${serverSaid(error)}): it was set aside in the outbox as 'rejected' and the room's later alerts go on. Shorten the template if it is too large.`;
}

/** One line for `last_error` and logs: the errcode and HTTP status, or the kind of failure, and its message. */
export function describeFailure(error: unknown): string {
  if (error instanceof MatrixError) return `${error.errcode} (HTTP ${error.status}): ${error.message}`;
  if (error instanceof MatrixNetworkError) return `network: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-Error thrown: ${String(error)}`;
}

/** The Matrix errcode of an error, or `none` for failures without an HTTP answer. */
export function errcodeOf(error: unknown): string {
  return error instanceof MatrixError ? error.errcode : 'none';
}
