// Synapse's rate limiter (synapse/api/ratelimiting.py): a leaky bucket per key, same arithmetic, same retry hint.
import { limitExceeded } from './errors.js';

/** A rate: `perSecond` actions sustained, `burst` at once. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

interface Bucket {
  count: number;
  startS: number;
}

/** One limiter (messages, logins by address…); keys are user ids or addresses. */
export class Ratelimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly limit: RateLimit | false, private readonly nowMs: () => number) {}

  /**
   * Throws 429 when one more action would exceed the burst. `update` records the action when allowed
   * (Synapse checks with update=false before doing the work and records it once the event is accepted).
   */
  check(key: string, options: { update?: boolean; limit?: RateLimit } = {}): void {
    const limit = options.limit ?? this.limit;
    if (limit === false || limit.perSecond <= 0) return;
    const update = options.update ?? true;
    const nowS = this.nowMs() / 1000;
    let { count, startS } = this.#buckets.get(key) ?? { count: 0, startS: nowS };
    const performed = count - (nowS - startS) * limit.perSecond;
    if (performed < 0) {
      // The bucket drained: forgive everything and restart the window now.
      count = 0;
      startS = nowS;
    }
    const allowed = !(Math.max(performed, 0) > limit.burst - 1);
    if (allowed) count += 1;
    if (update) this.#buckets.set(key, { count, startS });
    if (!allowed) {
      const allowedAtS = Math.max(nowS, startS + (count - limit.burst + 1) / limit.perSecond);
      throw limitExceeded(Math.floor(1000 * (allowedAtS - nowS)));
    }
  }
}
