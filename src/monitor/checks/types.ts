// The contract every check type fulfils: a config schema, a run that turns a target into a result, and Kuma's address rule.
import type { z } from 'zod';

/** The check types a monitor can have (`type:` in vigie.yaml). */
export type CheckType = 'http' | 'tcp' | 'dns' | 'ping' | 'push';

/** A TLS certificate seen during a check, so the engine can warn before it expires. */
export interface TlsInfo {
  /** When the certificate stops being valid. */
  validTo: Date;
  /** Whole days until `validTo`, rounded as Kuma does; negative once expired. */
  daysRemaining: number;
  /** Who issued it (organisation or common name), when the certificate says. */
  issuer?: string;
  /** Whom it was issued to (common name), when the certificate says. */
  subject?: string;
  /** SHA-256 fingerprint: a new certificate means earlier expiry warnings no longer apply. */
  fingerprint256?: string;
}

/** What one check found. A failing target is a `down` result, never an exception. */
export interface CheckResult {
  status: 'up' | 'down';
  /** One line a person understands: "status 500 (expected 200-299)", "timeout after 10 s". */
  message: string;
  /** How long the check took (Kuma's `ping`), in milliseconds, when it got that far. */
  ms?: number;
  /** The peer certificate of an https check, recorded even when TLS errors are ignored. */
  tls?: TlsInfo;
}

/** One check type: `schema` validates its fields of a monitor; `run` checks a target once. */
export interface CheckDefinition<T> {
  type: CheckType;
  /** The type's own fields of a monitor in vigie.yaml, with defaults; other fields pass through unread. */
  schema: z.ZodType<T>;
  /** Checks the target once; resolves `down` for a failing target, and resolves soon after `signal` aborts. */
  run(target: T, signal: AbortSignal): Promise<CheckResult>;
  /** Kuma's `hostnameOrURL` for this target (its `extractAddress` rule). */
  hostnameOrURL(target: T): string;
  /** Called instead of run when a maintenance window skips the check: what came in until then is spent. */
  skipped?(target: T): void;
}
