// Local misbehaving servers for the check tests: HTTP routes, HTTPS with a short-lived certificate, DNS, a closed port.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { TEST_CA_DIR_ENV } from './test-ca.js';

/** A running test server. */
export interface Target {
  /** http://127.0.0.1:<port> (or https://localhost:<port>), without a final slash. */
  base: string;
  port: number;
  close(): Promise<void>;
}

/** The JSON the /json route answers. */
export const JSON_BODY = { status: 'degraded', checks: { db: 'ok' }, latency: 42, items: [1, 2, 3] };

/** What the /keyword route's page says. */
export const KEYWORD_PAGE = '<html><body><h1>Status</h1><p>All systems OK</p></body></html>';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

const ROUTES: Record<string, Route> = {
  '/ok': (_req, res) => res.end('OK'),
  '/500': (_req, res) => { res.statusCode = 500; res.end('boom'); },
  // Never answers; the socket is freed when the client gives up or the server closes.
  '/slow': () => undefined,
  '/reset': (req) => req.socket.destroy(),
  // Headers and half a body, then the connection dies.
  '/half': (_req, res) => { res.writeHead(200, { 'content-length': '1000' }); res.write('partial'); setImmediate(() => res.socket?.destroy()); },
  '/keyword': (_req, res) => { res.setHeader('content-type', 'text/html'); res.end(KEYWORD_PAGE); },
  // Compressed whatever the client asked, as some servers and CDNs do.
  '/gzip': (_req, res) => { res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }); res.end(gzipSync(KEYWORD_PAGE)); },
  '/bad-gzip': (_req, res) => { res.writeHead(200, { 'content-encoding': 'gzip' }); res.end('not gzip at all'); },
  '/json': (_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(JSON_BODY)); },
  '/big': (_req, res) => res.end('x'.repeat(2 * 1024 * 1024)),
  // A keyword past the first MiB, cut across two writes, and a multi-byte character in it.
  '/big-needle': (_req, res) => { res.write(`${'x'.repeat(3 * 1024 * 1024)}nee`); res.end('dlé at the end'); },
  '/redirect': (_req, res) => { res.writeHead(302, { location: '/ok' }); res.end(); },
  '/see-other': (_req, res) => { res.writeHead(303, { location: '/echo' }); res.end(); },
  '/loop': (_req, res) => { res.writeHead(302, { location: '/loop' }); res.end(); },
  // A redirect loop carrying a secret back in its query, as a trailing-slash redirect keeps a monitor's ?token=.
  '/loop-secret': (_req, res) => { res.writeHead(302, { location: '/loop-secret?sig=LOOPSECRET' }); res.end(); },
  '/echo': (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
    });
  },
};

function handle(req: IncomingMessage, res: ServerResponse): void {
  const route = ROUTES[new URL(req.url ?? '/', 'http://x').pathname];
  if (route) return route(req, res);
  res.statusCode = 404;
  res.end('not found');
}

async function listen(server: http.Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: http.Server): () => Promise<void> {
  return () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** An HTTP server with routes /ok, /500, /slow, /reset, /half, /keyword, /json, /big, /redirect, /see-other, /loop, /echo. */
export async function startHttpTarget(): Promise<Target> {
  const server = http.createServer(handle);
  const port = await listen(server);
  return { base: `http://127.0.0.1:${port}`, port, close: closer(server) };
}

/** A self-signed certificate for localhost valid `days` days, made by openssl (Node cannot write X.509 itself). */
export async function selfSignedCertificate(days: number): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-cert-'));
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days), '-subj', '/CN=localhost/O=Vigie Test CA',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
    return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
  } catch (error) {
    throw new Error(`could not make a test certificate with openssl (apt-get install openssl): ${String(error)}`, { cause: error });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A certificate for localhost valid `days` days, signed by the CA the test processes trust (test-ca.ts): checked
 * without ignoreTls, as a real site's.
 */
export async function trustedCertificate(days: number): Promise<{ key: string; cert: string }> {
  const ca = process.env[TEST_CA_DIR_ENV];
  if (!ca) throw new Error(`no test CA: ${TEST_CA_DIR_ENV} is unset (vitest.config.ts runs test/support/test-ca.ts first)`);
  const dir = await mkdtemp(join(tmpdir(), 'vigie-cert-'));
  try {
    const run = promisify(execFile);
    await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    await run('openssl', [
      'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'req.pem'),
    ]);
    await run('openssl', [
      'x509', '-req', '-in', join(dir, 'req.pem'), '-CA', join(ca, 'ca.pem'), '-CAkey', join(ca, 'ca.key'), '-set_serial',
      String(Date.now()), '-days', String(days), '-extfile', join(dir, 'ext.cnf'), '-out', join(dir, 'cert.pem'),
    ]);
    return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
  } catch (error) {
    throw new Error(`could not make a test certificate with openssl (apt-get install openssl): ${String(error)}`, { cause: error });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * An HTTPS server with the same routes, whose certificate expires in `days` days: self-signed (refused unless
 * ignoreTls), or signed by the test CA with `trusted`.
 */
export async function startHttpsTarget(days = 6, options: { trusted?: boolean } = {}): Promise<Target & { cert: string }> {
  const { key, cert } = await (options.trusted ? trustedCertificate(days) : selfSignedCertificate(days));
  const server = https.createServer({ key, cert }, handle);
  const port = await listen(server);
  return { base: `https://localhost:${port}`, port, cert, close: closer(server) };
}

/** A port nothing listens on: the OS chose it, then it was closed. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Records a test DNS server knows, by lower-case name then type. */
export type Zone = Record<string, { A?: string[]; TXT?: string[] }>;

/** A DNS server on 127.0.0.1 (UDP) answering A and TXT from `zone`, NXDOMAIN for other names; `silent` never answers. */
export async function startDnsTarget(zone: Zone, options: { silent?: boolean } = {}): Promise<Target & { queries: number }> {
  const socket = dgram.createSocket('udp4');
  const target = { base: '', port: 0, queries: 0, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
  socket.on('message', (query, peer) => {
    target.queries += 1;
    if (options.silent) return;
    const answer = answerQuery(query, zone);
    if (answer) socket.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  target.port = socket.address().port;
  target.base = `127.0.0.1:${target.port}`;
  return target;
}

const TYPE_A = 1;
const TYPE_TXT = 16;

/** Builds the answer to one DNS query (RFC 1035 wire format), or undefined for a packet that is not one. */
function answerQuery(query: Buffer, zone: Zone): Buffer | undefined {
  if (query.length < 12) return undefined;
  const labels: string[] = [];
  let offset = 12;
  while (offset < query.length && query[offset] !== 0) {
    const length = query[offset] ?? 0;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += length + 1;
  }
  const questionEnd = offset + 5;
  if (questionEnd > query.length) return undefined;
  const type = query.readUInt16BE(offset + 1);
  const records = zone[labels.join('.').toLowerCase()];
  const rdatas = records === undefined ? [] : type === TYPE_A ? (records.A ?? []).map(aRecord) : type === TYPE_TXT ? (records.TXT ?? []).map(txtRecord) : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  const recursionDesired = (query.readUInt16BE(2) & 0x0100) !== 0;
  header.writeUInt16BE(0x8080 | (recursionDesired ? 0x0100 : 0) | (records === undefined ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const answers = rdatas.map((rdata) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question
    fixed.writeUInt16BE(type, 2);
    fixed.writeUInt16BE(1, 4); // class IN
    fixed.writeUInt32BE(60, 6);
    fixed.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([fixed, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
}

function aRecord(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

function txtRecord(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}
