// Facts about a peer's TLS certificate, and when to warn that it is about to expire.
import type { TLSSocket } from 'node:tls';
import type { TlsInfo } from './types.js';

const DAY_MS = 86_400_000;

/** Whole days from `now` until `validTo`, rounded like Kuma's getDaysRemaining; negative once expired. */
export function daysRemaining(validTo: Date, now: Date = new Date()): number {
  const days = Math.round(Math.abs(validTo.getTime() - now.getTime()) / DAY_MS);
  return validTo.getTime() < now.getTime() ? -days : days;
}

/** A certificate field given more than once comes as an array; the first says enough. */
function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The certificate `socket`'s peer presented, or undefined when it presented none. */
export function tlsInfoOf(socket: TLSSocket, now: Date = new Date()): TlsInfo | undefined {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.valid_to) return undefined;
  const validTo = new Date(cert.valid_to);
  if (Number.isNaN(validTo.getTime())) return undefined;
  const info: TlsInfo = { validTo, daysRemaining: daysRemaining(validTo, now) };
  const issuer = firstOf(cert.issuer?.O) ?? firstOf(cert.issuer?.CN);
  if (issuer) info.issuer = issuer;
  const subject = firstOf(cert.subject?.CN);
  if (subject) info.subject = subject;
  if (cert.fingerprint256) info.fingerprint256 = cert.fingerprint256;
  return info;
}

/** How a person reads the expiry: "certificate expires in 6 days", "certificate expired 2 days ago". */
export function expiryMessage(tls: TlsInfo): string {
  const days = tls.daysRemaining;
  const who = tls.subject ? `certificate of ${tls.subject}` : 'certificate';
  if (days > 1) return `${who} expires in ${days} days`;
  if (days === 1) return `${who} expires in 1 day`;
  if (days === 0) return `${who} expires today`;
  return `${who} expired ${-days} day${days === -1 ? '' : 's'} ago`;
}

/**
 * The threshold (days, from `tlsExpiryDays`) to warn about now, or undefined.
 * One warning per threshold crossed, the tightest first: at 6 days with [14, 7, 1] that is 7; nothing more until 1.
 * `warned` are thresholds already warned about for this certificate (forget them when its fingerprint changes).
 */
export function dueExpiryWarning(days: number, thresholds: readonly number[], warned: readonly number[]): number | undefined {
  const crossed = thresholds.filter((limit) => days <= limit);
  if (crossed.length === 0) return undefined;
  const tightest = Math.min(...crossed);
  return warned.some((limit) => limit <= tightest) ? undefined : tightest;
}
