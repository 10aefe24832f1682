// The test homeserver's routing: path templates under r0 and v3, handler context, and what a handler returns.
import type { Accounts, Session } from './accounts.js';
import type { E2eeState } from './e2ee.js';
import { HsError } from './errors.js';
import type { Ratelimiter } from './ratelimit.js';
import type { Rooms } from './rooms.js';

/** Shared server state every handler sees. */
export interface HsContext {
  serverName: string;
  /** The server's base URL (known once it listens). */
  url(): string;
  accounts: Accounts;
  rooms: Rooms;
  /** Device keys, one-time keys, cross-signing keys and to-device inboxes. */
  e2ee: E2eeState;
  limits: { message: Ratelimiter; loginAddress: Ratelimiter; loginAccount: Ratelimiter; loginFailures: Ratelimiter };
  /** Sent txnIds: `user|device|path` → the event id and when it was sent. */
  txns: Map<string, { eventId: string; atMs: number }>;
  /** Filters created with POST /user/{userId}/filter. */
  filters: Map<string, unknown>;
  versions: string[];
  /** The `.well-known/matrix/client` document, or undefined for a 404. */
  wellKnown(): Record<string, unknown> | undefined;
  nowMs(): number;
}

/** One request, as a handler sees it. */
export interface RequestCtx {
  hs: HsContext;
  /** Decoded path parameters. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The authenticated session, on routes with `auth`. */
  session?: Session;
  token?: string;
  /** The raw path (still encoded), e.g. for txnId scoping. */
  path: string;
  remoteAddress: string;
  /** The JSON object body; 400 M_NOT_JSON / M_BAD_JSON otherwise. */
  json(options?: { allowEmpty?: boolean }): Record<string, unknown>;
}

/** A handler's answer: JSON by default, or an HTML page. */
export interface Reply {
  status?: number;
  body?: unknown;
  html?: string;
  headers?: Record<string, string>;
}

/** A route: method, path template (`{v}` is r0 or v3, `:name` a parameter), and whether it needs a token. */
export interface Route {
  method: string;
  path: string;
  auth: boolean;
  /** The room send endpoint, the one failNext() targets. */
  isSend?: boolean;
  handle(ctx: RequestCtx): Reply | Promise<Reply>;
}

/** The route for a path: a match, `wrong-method` (405), or undefined (404). */
export function matchRoute(routes: readonly Route[], method: string, rawPath: string):
  { route: Route; params: Record<string, string> } | 'wrong-method' | undefined {
  const segments = rawPath.split('/');
  let pathMatched = false;
  for (const route of routes) {
    const params = matchPath(route.path.split('/'), segments);
    if (!params) continue;
    if (route.method === method) return { route, params };
    pathMatched = true;
  }
  return pathMatched ? 'wrong-method' : undefined;
}

function matchPath(template: string[], segments: string[]): Record<string, string> | undefined {
  if (template.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of template.entries()) {
    const seg = segments[i] ?? '';
    if (part === '{v}') {
      if (seg !== 'r0' && seg !== 'v3') return undefined;
    } else if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(seg);
      } catch {
        throw new HsError(400, 'M_UNRECOGNIZED', 'Invalid percent-encoding in path');
      }
    } else if (part !== seg) {
      return undefined;
    }
  }
  return params;
}

/** Parses a JSON object body the way Synapse does, with its error codes and messages. */
export function parseJsonBody(raw: Buffer, allowEmpty: boolean): Record<string, unknown> {
  if (raw.length === 0 && allowEmpty) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HsError(400, 'M_NOT_JSON', 'Content not JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HsError(400, 'M_BAD_JSON', 'Content must be a JSON object.');
  }
  return value as Record<string, unknown>;
}
