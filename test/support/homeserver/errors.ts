// Matrix error answers as Synapse writes them: status, errcode, error text, and any extra fields or headers.

/** An error answer; thrown by handlers, written by the server loop. */
export class HsError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${errcode}: ${error}`);
  }

  /** The JSON body: `{errcode, error, ...extra}`. */
  body(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.error, ...this.extra };
  }
}

/** 403 M_FORBIDDEN, Synapse's answer for most refusals. */
export function forbidden(error: string): HsError {
  return new HsError(403, 'M_FORBIDDEN', error);
}

/** 404 M_NOT_FOUND. */
export function notFound(error: string): HsError {
  return new HsError(404, 'M_NOT_FOUND', error);
}

/** 400 with an errcode (M_UNKNOWN, M_BAD_JSON, M_MISSING_PARAM, M_INVALID_PARAM…). */
export function badRequest(errcode: string, error: string): HsError {
  return new HsError(400, errcode, error);
}

/** 429 M_LIMIT_EXCEEDED with `retry_after_ms` and a `Retry-After` header in whole seconds, rounded up. */
export function limitExceeded(retryAfterMs: number): HsError {
  return new HsError(429, 'M_LIMIT_EXCEEDED', 'Too Many Requests', { retry_after_ms: retryAfterMs },
    { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) });
}
