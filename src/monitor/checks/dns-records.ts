// One DNS query per record type, with the records written the way Kuma's dns monitor writes them.
import { isIP } from 'node:net';
import type { Resolver } from 'node:dns/promises';

/** Record types the dns check asks for. */
export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SRV', 'CAA', 'PTR', 'SOA'] as const;

/** A record type the dns check asks for. */
export type RecordType = (typeof RECORD_TYPES)[number];

/** The answer: `values` to compare with `expected`, and the Kuma-style line listing the records. */
export interface DnsAnswer {
  values: string[];
  message: string;
}

const listed = (prefix: string, values: string[]): DnsAnswer => ({ values, message: `${prefix}${values.join(' | ')}` });

/** How each record type is asked for and written; a table rather than a switch, so each line reads alone. */
const QUERIES: Record<RecordType, (resolver: Resolver, name: string) => Promise<DnsAnswer>> = {
  A: async (r, name) => listed('Records: ', await r.resolve4(name)),
  AAAA: async (r, name) => listed('Records: ', await r.resolve6(name)),
  TXT: async (r, name) => listed('Records: ', (await r.resolveTxt(name)).map((chunks) => chunks.join(''))),
  NS: async (r, name) => listed('Servers: ', await r.resolveNs(name)),
  // An IP address is looked up in in-addr.arpa / ip6.arpa for the user.
  PTR: async (r, name) => listed('Records: ', isIP(name) ? await r.reverse(name) : await r.resolvePtr(name)),
  CNAME: async (r, name) => {
    const values = await r.resolveCname(name);
    return { values, message: values[0] ?? '' };
  },
  MX: async (r, name) => {
    const records = await r.resolveMx(name);
    return {
      values: records.map((mx) => mx.exchange),
      message: records.map((mx) => `Hostname: ${mx.exchange} - Priority: ${mx.priority}`).join(' | '),
    };
  },
  SRV: async (r, name) => {
    const records = await r.resolveSrv(name);
    return {
      values: records.map((srv) => srv.name),
      message: records.map((srv) => `Name: ${srv.name} | Port: ${srv.port} | Priority: ${srv.priority} | Weight: ${srv.weight}`).join(' | '),
    };
  },
  CAA: async (r, name) => {
    const records = await r.resolveCaa(name);
    const values = records.map((caa) => caa.issue ?? caa.issuewild ?? caa.iodef ?? caa.contactemail ?? caa.contactphone ?? '');
    return { values, message: values[0] ?? '' };
  },
  SOA: async (r, name) => {
    const soa = await r.resolveSoa(name);
    return {
      values: [soa.nsname],
      message: `NS-Name: ${soa.nsname} | Hostmaster: ${soa.hostmaster} | Serial: ${soa.serial} | Refresh: ${soa.refresh} | Retry: ${soa.retry} | Expire: ${soa.expire} | MinTTL: ${soa.minttl}`,
    };
  },
};

/** Asks `resolver` for the `type` records of `name`; rejects with the resolver's error (code ENOTFOUND, ENODATA…). */
export function queryRecords(resolver: Resolver, type: RecordType, name: string): Promise<DnsAnswer> {
  return QUERIES[type](resolver, name);
}
