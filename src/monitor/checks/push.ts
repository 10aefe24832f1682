// The push check: the service calls Vigie (Kuma's /api/push/<token>); each check reports the last push, or its absence.
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { timeoutField } from './fields.js';
import type { CheckDefinition, CheckResult } from './types.js';

/** What a service said in one push (Kuma's `status`, `msg`, `ping` query parameters). */
export interface Push {
  status: 'up' | 'down';
  msg: string;
  /** Milliseconds the service measured itself, if it said. */
  ping: number | null;
}

/** A push as kept: when it came. */
export interface ReceivedPush extends Push {
  at: Date;
}

/** The message of a check when no push came since the previous check. */
export const NO_PUSH_MESSAGE = 'no push received within the interval';

/** Kuma's limit on `ping` (about 3 years in ms), so it fits the heartbeat store. */
const MAX_PING_MS = 100_000_000_000;

/** Push tokens look like Kuma's: 32 letters and digits. */
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new push token (32 letters and digits, like Kuma's), for a monitor whose config gives none; store it to keep it. */
export function generatePushToken(): string {
  let token = '';
  for (let i = 0; i < 32; i++) token += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return token;
}

/** Reads a push from Kuma's query parameters: `status=up` is UP, anything else DOWN; `msg` defaults to OK. */
export function parsePushQuery(query: URLSearchParams): { push: Push } | { error: string } {
  const pingText = query.get('ping');
  const parsed = pingText === null ? NaN : Number.parseFloat(pingText);
  const ping = Number.isNaN(parsed) || parsed === 0 ? null : parsed;
  if (ping !== null && (ping < 0 || ping > MAX_PING_MS)) return { error: `Invalid ping value. Must be between 0 and ${MAX_PING_MS} ms.` };
  const status = (query.get('status') ?? 'up') === 'up' ? 'up' : 'down';
  return { push: { status, msg: query.get('msg') || 'OK', ping } };
}

/** Pushes received, by token, for the tokens of running push monitors. */
export class PushRegistry {
  readonly #last = new Map<string, { push: ReceivedPush; taken: boolean } | null>();

  /** `onRecord` is told of each accepted push, so the engine may check at once instead of at the next interval. */
  constructor(private readonly options: { onRecord?: (token: string, push: ReceivedPush) => void } = {}) {}

  /** Starts accepting pushes for `token` (a push monitor started). */
  watch(token: string): void {
    if (!this.#last.has(token)) this.#last.set(token, null);
  }

  /** Stops accepting pushes for `token` and forgets them (the monitor was removed). */
  forget(token: string): void {
    this.#last.delete(token);
  }

  /** Keeps a push; false when no running monitor has that token (answer 404, as Kuma does). */
  record(token: string, push: Push, at: Date = new Date()): boolean {
    if (!this.#last.has(token)) return false;
    const received = { ...push, at };
    this.#last.set(token, { push: received, taken: false });
    this.options.onRecord?.(token, received);
    return true;
  }

  /** The last push for `token`, whether or not a check has reported it already. */
  lastPush(token: string): ReceivedPush | undefined {
    return this.#last.get(token)?.push;
  }

  /** The last push if it came after the previous `take` for this token, else undefined. */
  take(token: string): ReceivedPush | undefined {
    const entry = this.#last.get(token);
    if (!entry || entry.taken) return undefined;
    entry.taken = true;
    return entry.push;
  }
}

const schema = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, { message: 'expected 8 to 64 letters, digits, _ or - (it is part of the push URL)' })
    .optional().describe('Secret of the push URL (/api/push/<token>); absent: Vigie generates one and keeps it'),
  timeout: timeoutField(),
});

/** The push fields of a monitor, parsed. */
export type PushTarget = z.output<typeof schema>;

/** The push check type, reading pushes from `registry`. */
export function pushCheck(registry: PushRegistry): CheckDefinition<PushTarget> {
  return {
    type: 'push',
    schema,
    run: async (target): Promise<CheckResult> => {
      if (target.token === undefined) throw new Error('push monitor started without a token: generate one with generatePushToken() first');
      const push = registry.take(target.token);
      if (!push) return { status: 'down', message: NO_PUSH_MESSAGE };
      return push.ping === null ? { status: push.status, message: push.msg } : { status: push.status, message: push.msg, ms: push.ping };
    },
    hostnameOrURL: () => 'Heartbeat',
    // As Kuma: after a maintenance window the job must push again; one pushed during it does not count.
    skipped: (target) => {
      if (target.token !== undefined) registry.take(target.token);
    },
  };
}
