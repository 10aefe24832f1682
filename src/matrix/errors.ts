// Typed errors from the client-server API, so callers can act on errcode and retry hints.

/** An error answered by a homeserver (or an HTTP failure shaped like one). */
export class MatrixError extends Error {
  override readonly name = 'MatrixError';
  constructor(
    /** Matrix error code, e.g. `M_FORBIDDEN`; `M_UNKNOWN` when the server sent none. */
    readonly errcode: string,
    /** HTTP status of the answer. */
    readonly status: number,
    message: string,
    /** How long the server asked us to wait (429 `retry_after_ms` or `Retry-After`), if it said. */
    readonly retryAfterMs?: number,
    /** The answer's JSON body, e.g. the flows and session of a user-interactive auth challenge (never holds our secrets). */
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }

  /** A rate limit: wait `retryAfterMs` and try again. */
  get isRateLimit(): boolean {
    return this.status === 429 || this.errcode === 'M_LIMIT_EXCEEDED';
  }

  /** An answer that retrying as is cannot fix (bad token, no permission, unknown room…). */
  get isPermanent(): boolean {
    return !this.isRateLimit && this.status >= 400 && this.status < 500;
  }
}

/** The homeserver could not be reached or did not answer in time (no HTTP answer at all). */
export class MatrixNetworkError extends Error {
  override readonly name = 'MatrixNetworkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
