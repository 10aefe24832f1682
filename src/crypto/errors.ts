// Why a message for an encrypted room cannot go out: typed so the deliverer parks the room instead of sending in clear.
import { MatrixError } from '../matrix/errors.js';

/** The errcode of every EncryptionUnavailableError, for logs and the retry policy. */
export const ENCRYPTION_UNAVAILABLE = 'VIGIE_ENCRYPTION_UNAVAILABLE';

/**
 * A message for an encrypted room that Vigie cannot encrypt (encryption not configured, an unknown algorithm, a
 * store that will not open). It is a 4xx-like MatrixError so the deliverer parks the room and keeps its alerts:
 * sending them in clear is never the fallback.
 */
export class EncryptionUnavailableError extends MatrixError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ENCRYPTION_UNAVAILABLE, 400, message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Cross-signing could not be set up as asked; the message says what to do. */
export class CrossSigningError extends Error {
  override readonly name = 'CrossSigningError';
}
