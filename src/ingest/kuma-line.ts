// Reading Kuma's rendered text: its alert line "[name] [🔴 Down] message", its certificate line, its status labels.
import type { EventStatus } from '../alert/event.js';

/** What Kuma's alert line says. Kuma only ever writes `✅ Up` or `🔴 Down` in it (monitor.js sendNotification). */
export interface KumaLine {
  /** The monitor's name, between the first brackets. */
  name: string;
  status: 'up' | 'down';
  /** The heartbeat's own message, after the status. */
  message: string;
  /** The whole line, as Kuma's `msg` holds it. */
  line: string;
}

/** Kuma's certificate warning: "[name][url] <type> certificate <CN> will expire in N days". */
export interface KumaCertificateLine {
  name: string;
  url: string;
  days: number;
}

// The name is lazy so that a message containing "] [" stays in the message; it may contain brackets itself.
const ALERT_LINE = /^\[(.+?)\] \[(✅ Up|🔴 Down)\](?: ([\s\S]*))?$/u;
const CERTIFICATE_LINE = /^\[(.+?)\]\[(.*?)\] .*certificate.* will expire in (-?\d+) days$/u;
/** Kuma's certificate line is short; longer texts are not tried (its pattern backtracks on long crafted input). */
const MAX_CERTIFICATE_LINE = 2000;
/** What Kuma's renderTemplate gives `name` and `hostnameOrURL` when there is no monitor: its test notification. */
const TEST_PLACEHOLDERS = ['Monitor Name not available', 'testing.hostname'];
const LABELS: ReadonlyArray<[string, EventStatus]> = [['🔴 Down', 'down'], ['✅ Up', 'up'], ['⚠️ Test', 'test'], ['⚠ Test', 'test']];

/** Parses a text that is exactly Kuma's alert line (its message may span lines); undefined otherwise. */
export function parseKumaLine(text: string): KumaLine | undefined {
  const line = text.trim();
  const match = ALERT_LINE.exec(line);
  if (!match) return undefined;
  const [, name, label, message = ''] = match as unknown as [string, string, string, string | undefined];
  return { name, status: label === '✅ Up' ? 'up' : 'down', message, line };
}

/**
 * Finds Kuma's alert line in a rendered text: the whole text (Kuma's default body), or else in one line of it, at
 * its start or after a label (a user's Kuma template such as the tutorial's `💬 Message : {{ msg }}`).
 */
export function findKumaLine(text: string): KumaLine | undefined {
  const whole = parseKumaLine(text);
  if (whole && nestsBrackets(whole.name)) return whole;
  for (const line of text.split(/\r?\n/)) {
    if (!line.includes('] [')) continue;
    const found = lineWithin(line);
    if (found) return found;
  }
  return undefined;
}

/**
 * Kuma's line starting at one of the line's `[`, the first whose name nests its brackets: in
 * "[prod] Message : [api] [🔴 Down] x" the name is "api", not "prod] Message : [api".
 */
function lineWithin(line: string): KumaLine | undefined {
  for (let at = line.indexOf('['); at >= 0; at = line.indexOf('[', at + 1)) {
    const found = parseKumaLine(line.slice(at));
    if (found && nestsBrackets(found.name)) return found;
  }
  return undefined;
}

/** Whether every `]` in a name closes a `[` before it, and every `[` is closed. */
function nestsBrackets(name: string): boolean {
  let depth = 0;
  for (const char of name) {
    if (char === '[') depth += 1;
    else if (char === ']' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Parses Kuma's certificate expiry warning, which Kuma sends without heartbeat or monitor. */
export function parseCertificateLine(text: string): KumaCertificateLine | undefined {
  if (text.length > MAX_CERTIFICATE_LINE) return undefined;
  const match = CERTIFICATE_LINE.exec(text.trim());
  if (!match) return undefined;
  return { name: match[1]!, url: match[2]!, days: Number(match[3]) };
}

/**
 * The status a text without Kuma's alert line most likely reports: Kuma's label printed by a template
 * (`{{ status }}`), Kuma's test message ("<notification name> Testing", or the placeholders Kuma's templates get in
 * a test: "Monitor Name not available", "testing.hostname"), else `down`. An unknown text is taken for a problem so
 * that routes filtering on `down` still deliver it: Kuma only notifies on changes worth reading.
 */
export function statusFromText(text: string): EventStatus {
  let first: { at: number; status: EventStatus } | undefined;
  for (const [label, status] of LABELS) {
    const at = text.indexOf(label);
    if (at >= 0 && (!first || at < first.at)) first = { at, status };
  }
  if (first) return first.status;
  if (TEST_PLACEHOLDERS.some((placeholder) => text.includes(placeholder))) return 'test';
  const trimmed = text.trim();
  return !trimmed.includes('\n') && trimmed.endsWith(' Testing') ? 'test' : 'down';
}
