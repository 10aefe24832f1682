// The dns check: a resolver answers for a name and record type, and, when asked, one record has the expected value.
import { isIP } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { z } from 'zod';
import { abortMessage, elapsedSince, limitSignal } from './failure.js';
import { hostnameField, portField, timeoutField } from './fields.js';
import type { CheckDefinition, CheckResult } from './types.js';
import { RECORD_TYPES, queryRecords } from './dns-records.js';

/** A resolver address: an IP, optionally with a port ("1.1.1.1", "127.0.0.1:5353", "[::1]:53"). */
const RESOLVER_RE = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)|([0-9A-Fa-f:]+))(?::(\d{1,5}))?$/;

function parseResolver(value: string): { host: string; port?: number } | undefined {
  const match = RESOLVER_RE.exec(value.trim());
  if (!match) return undefined;
  const host = match[1] ?? match[2] ?? match[3] ?? '';
  const port = match[4] === undefined ? undefined : Number(match[4]);
  if (isIP(host) === 0 || (port !== undefined && (port < 1 || port > 65_535))) return undefined;
  return port === undefined ? { host } : { host, port };
}

const schema = z.object({
  hostname: hostnameField('Name to resolve (for PTR: an IP address or an in-addr.arpa name)'),
  recordType: z.enum(RECORD_TYPES).default('A').describe('Record type to ask for'),
  resolver: z.string().refine((value) => parseResolver(value) !== undefined, {
    message: 'expected a resolver IP like "1.1.1.1", "127.0.0.1:5353" or "[::1]:53"',
    params: { showValue: true },
  }).optional().describe('DNS server to ask, an IP with an optional port; default: this machine\'s resolvers'),
  port: portField('Port of the DNS server when resolver has none (Kuma\'s port); default 53').optional(),
  expected: z.union([z.string(), z.number()]).transform(String).optional()
    .describe('A value one record must have (an address, a name, TXT text); names compare without case or final dot'),
  timeout: timeoutField(),
});

/** The dns fields of a monitor, parsed. */
export type DnsTarget = z.output<typeof schema>;

/** The servers to ask, in `setServers` form, or undefined for the system's own. */
function serversFor(target: DnsTarget): string[] | undefined {
  const given = target.resolver === undefined ? undefined : parseResolver(target.resolver);
  const withPort = (host: string, port: number | undefined) =>
    port === undefined ? host : isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  if (given) return [withPort(given.host, given.port ?? target.port)];
  if (target.port === undefined) return undefined;
  return new Resolver().getServers().map((server) => withPort(parseResolver(server)?.host ?? server, target.port));
}

const CODE_HINTS: Record<string, (target: DnsTarget, server: string) => string> = {
  ENOTFOUND: (t) => `${t.hostname} does not exist (NXDOMAIN)`,
  ENODATA: (t) => `no ${t.recordType} record for ${t.hostname}`,
  ETIMEOUT: (_t, server) => `DNS server ${server} did not answer`,
  ECONNREFUSED: (_t, server) => `could not reach DNS server ${server}`,
  ESERVFAIL: (_t, server) => `DNS server ${server} failed to answer (SERVFAIL)`,
  EREFUSED: (_t, server) => `DNS server ${server} refused the query`,
};

function dnsFailure(error: unknown, target: DnsTarget, servers: string[] | undefined): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const hint = CODE_HINTS[code]?.(target, servers?.join(', ') ?? 'of this machine');
  return hint ? `${hint} (${error.message})` : error.message;
}

function normalise(value: string): string {
  return value.trim().replace(/\.$/, '').toLowerCase();
}

async function runDns(target: DnsTarget, signal: AbortSignal): Promise<CheckResult> {
  const limit = limitSignal(signal, target.timeout);
  try {
    return await resolveOnce(target, limit.signal);
  } finally {
    limit.dispose();
  }
}

/** Asks once; `limit` aborting cancels the query. */
async function resolveOnce(target: DnsTarget, limit: AbortSignal): Promise<CheckResult> {
  if (limit.aborted) return { status: 'down', message: abortMessage(limit, target.timeout) };
  // The resolver's own limit is a little longer, so the check's limit speaks first with "timeout after …".
  const resolver = new Resolver({ timeout: target.timeout + 1000, tries: 1 });
  const servers = serversFor(target);
  if (servers) resolver.setServers(servers);
  const cancel = () => resolver.cancel();
  limit.addEventListener('abort', cancel, { once: true });
  const start = performance.now();
  try {
    const answer = await queryRecords(resolver, target.recordType, target.hostname);
    const ms = elapsedSince(start);
    if (target.expected === undefined) return { status: 'up', message: answer.message, ms };
    const wanted = normalise(target.expected);
    if (answer.values.some((value) => normalise(value) === wanted)) return { status: 'up', message: answer.message, ms };
    return { status: 'down', message: `expected '${target.expected}' but got ${answer.message || 'no records'}`, ms };
  } catch (error) {
    if (limit.aborted) return { status: 'down', message: abortMessage(limit, target.timeout) };
    return { status: 'down', message: dnsFailure(error, target, servers), ms: elapsedSince(start) };
  } finally {
    limit.removeEventListener('abort', cancel);
  }
}

/** The dns check type. */
export const dns: CheckDefinition<DnsTarget> = {
  type: 'dns',
  schema,
  run: runDns,
  // Kuma: hostname:port when the monitor has a port, else the hostname.
  hostnameOrURL: (target) => (target.port === undefined ? target.hostname : `${target.hostname}:${target.port}`),
};
