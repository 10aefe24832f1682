// Ingest tokens: which Kuma source a presented secret belongs to, compared in constant time; never logged.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { UptimeKumaSourceConfig } from '../config/schema.js';

/** Finds the source whose token is the one presented; undefined for a missing, malformed or unknown token. */
export type SourceLookup = (presented: string | undefined) => UptimeKumaSourceConfig | undefined;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Builds the lookup over the configured sources. Both sides are hashed first, so the comparison takes the same
 * time whatever the length or content of the guess, and every source is compared (no early exit on a match).
 * A source without a token (left empty) never matches.
 */
export function sourceLookup(sources: readonly UptimeKumaSourceConfig[]): SourceLookup {
  const known = sources
    .filter((source) => typeof source.token === 'string' && source.token !== '')
    .map((source) => ({ source, hash: digest(source.token!) }));
  return (presented) => {
    if (presented === undefined || presented === '') return undefined;
    const hash = digest(presented);
    let found: UptimeKumaSourceConfig | undefined;
    for (const entry of known) {
      if (timingSafeEqual(hash, entry.hash) && found === undefined) found = entry.source;
    }
    return found;
  };
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other scheme or none. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1] : undefined;
}

/** Decodes one URL path segment; a malformed escape gives undefined (treated like an unknown token). */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * A URL with its ingest secrets replaced by `[redacted]` (the webhook's path token, `access_token=`), for a
 * request serializer if request logging is ever turned on: fastify logs URLs, and these carry tokens.
 */
export function redactTokens(url: string): string {
  return url
    .replace(/^(\/ingest\/uptime-kuma\/)[^?#]+/, '$1[redacted]')
    .replace(/([?&]access_token=)[^&#]*/gi, '$1[redacted]');
}
