// Finds the real homeserver behind what a person typed: a domain, a homeserver URL, or a web client's URL.
import type { Dispatcher } from 'undici';
import { probeVersions, probeWebClient, probeWellKnown, stripSlashes, type ProbeEnv, type ProbeFailure, type WebClientProbe } from './discovery-probes.js';

/** Time allowed for each discovery request. */
export const DISCOVERY_TIMEOUT_MS = 10_000;

/** What to do when nothing worked: the usual shape of a homeserver's address. */
const GIVE_URL = "give your homeserver's URL, usually https://matrix.<your domain>";

/** How the homeserver was found: the URL itself, its domain's .well-known, a web client's config, or a guess to confirm. */
export type DiscoveryMethod = 'direct' | 'well-known' | 'web-client' | 'guess';

/** A found homeserver. */
export interface DiscoveredHomeserver {
  /** The base URL to use, validated with /_matrix/client/versions, without trailing slash. */
  baseUrl: string;
  how: DiscoveryMethod;
  /** Every request made and what it showed, in order. */
  steps: string[];
}

/** Options for discovery. */
export interface DiscoveryOptions {
  /** Time allowed for each request, in milliseconds; default 10 000. */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /**
   * Also try where homeservers usually are (the parent domain's delegation, matrix.<domain>); default false. A guess
   * may be someone else's server: a caller must have a person confirm it before sending it any secret.
   */
  guess?: boolean;
}

/** No homeserver could be found; the message says what was tried and what to do, `steps` has the detail. */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
  constructor(message: string, readonly steps: readonly string[]) {
    super(message);
  }
}

/** The typed address, made a URL: bare domains get https, paths into the API or a client's routes are dropped. */
export function normalizeInput(input: string): { url: URL; base: string; wellKnownOrigin: string } {
  let text = input.trim();
  // A user id names its server: @bot:example.org → example.org.
  if (/^@[^:]+:.+/.test(text)) text = text.slice(text.indexOf(':') + 1);
  if (text === '') throw new DiscoveryError(`no homeserver given; ${GIVE_URL}`, []);
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  const withScheme = hasScheme ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new DiscoveryError(`"${input}" is not a domain or a URL; ${GIVE_URL}`, []);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DiscoveryError(`"${input}" is not an http(s) address; ${GIVE_URL}`, []);
  }
  let path = url.pathname;
  for (const marker of ['/_matrix/', '/_synapse/', '/.well-known/']) {
    const at = path.indexOf(marker);
    if (at >= 0) path = path.slice(0, at);
  }
  path = path.replace(/\/[^/]*\.html?$/i, '');
  url.hash = '';
  url.search = '';
  url.pathname = path === '' ? '/' : path;
  // A bare server name (`example.org:8448`) has its .well-known on https port 443, as the spec says; a URL keeps its port.
  const wellKnownOrigin = hasScheme ? url.origin : `https://${url.hostname}`;
  return { url, base: stripSlashes(url.origin + path), wellKnownOrigin };
}

/** Finds and validates the homeserver behind `input`; throws DiscoveryError saying what to do when there is none. */
export async function discoverHomeserver(input: string, options: DiscoveryOptions = {}): Promise<DiscoveredHomeserver> {
  const { url, base, wellKnownOrigin } = normalizeInput(input);
  const env: ProbeEnv = { timeoutMs: options.timeoutMs ?? DISCOVERY_TIMEOUT_MS, dispatcher: options.dispatcher, steps: [] };
  const found = (baseUrl: string, how: DiscoveryMethod): DiscoveredHomeserver => ({ baseUrl, how, steps: env.steps });

  // (a) The domain's own delegation comes first: it is how the spec resolves a domain.
  const wellKnown = await probeWellKnown(wellKnownOrigin, env);
  /** What is wrong with the domain's delegation, and what to do about it. */
  let brokenWellKnown: string | undefined;
  let fix = 'fix that file, or give the homeserver\'s URL directly';
  if (wellKnown.kind === 'found') {
    const check = await probeVersions(wellKnown.baseUrl, env);
    if (check.ok) return found(check.baseUrl, 'well-known');
    brokenWellKnown = check.unreachable
      ? `${wellKnown.url} points at ${wellKnown.baseUrl}, which does not answer (${check.reason})`
      : `${wellKnown.url} points at ${wellKnown.baseUrl}, which is not a working homeserver (${check.reason})`;
    // Unreachable is most often a homeserver down or restarting, not a wrong file.
    if (check.unreachable) fix = 'if the homeserver is down or restarting, try again once it is up; if that address is wrong, fix that file';
  } else if (wellKnown.kind === 'broken') {
    brokenWellKnown = wellKnown.reason;
  }

  // (b) The URL may be the homeserver itself.
  const direct = await probeVersions(base, env);
  if (direct.ok) return found(direct.baseUrl, 'direct');
  if (brokenWellKnown !== undefined) {
    // A broken delegation must be fixed, not papered over with guesses.
    throw new DiscoveryError(`${brokenWellKnown}; ${fix}`, env.steps);
  }
  if (direct.unreachable && wellKnown.kind === 'absent' && wellKnown.unreachable && isIpOrLocal(url.hostname)) {
    throw new DiscoveryError(`${direct.reason}; check the address and that the homeserver is running`, env.steps);
  }

  // (c) A web client (Element…) answers HTML and usually names its homeserver in config.json.
  const page = direct.unreachable ? { isWebPage: false } : await probeWebClient(base, env);
  const fromClient = await fromWebClient(page, env);
  if (fromClient.baseUrl !== undefined) return found(fromClient.baseUrl, 'web-client');

  // (d) Last guesses, which the caller must confirm with the person.
  for (const guess of options.guess === true ? guesses(url) : []) {
    const hit = await tryGuess(guess, env);
    if (hit !== undefined) return found(hit, 'guess');
  }
  throw new DiscoveryError(failureMessage(base, page, fromClient.problem, direct), env.steps);
}

/** The homeserver a web client's config names, validated; or why it could not be used. */
async function fromWebClient(page: WebClientProbe, env: ProbeEnv): Promise<{ baseUrl?: string; problem?: string }> {
  if (page.baseUrl !== undefined) {
    const check = await probeVersions(page.baseUrl, env);
    return check.ok ? { baseUrl: check.baseUrl } : { problem: `${page.configUrl} names ${page.baseUrl}, which is not a working homeserver (${check.reason})` };
  }
  if (page.serverName !== undefined) {
    const hit = await resolveServerName(page.serverName, env);
    return hit !== undefined ? { baseUrl: hit } : { problem: `${page.configUrl} names the server ${page.serverName}, whose homeserver could not be found` };
  }
  return {};
}

/** A server name to a base URL, as Element does it: its https .well-known, else the name itself. */
async function resolveServerName(name: string, env: ProbeEnv): Promise<string | undefined> {
  const origin = `https://${name}`;
  const wk = await probeWellKnown(origin, env);
  if (wk.kind === 'found') {
    const check = await probeVersions(wk.baseUrl, env);
    if (check.ok) return check.baseUrl;
  }
  const direct = await probeVersions(origin, env);
  return direct.ok ? direct.baseUrl : undefined;
}

type Guess = { kind: 'well-known' | 'direct'; origin: string };

/** Where a homeserver usually is when the typed host is not it: the parent domain's delegation, then matrix.<domain>. */
function guesses(url: URL): Guess[] {
  const host = url.hostname;
  if (isIpOrLocal(host)) return [];
  const labels = host.split('.');
  const parent = labels.length >= 3 ? labels.slice(1).join('.') : host;
  const out: Guess[] = [];
  if (parent !== host) out.push({ kind: 'well-known', origin: `${url.protocol}//${parent}` });
  if (host !== `matrix.${parent}`) out.push({ kind: 'direct', origin: `${url.protocol}//matrix.${parent}` });
  return out;
}

async function tryGuess(guess: Guess, env: ProbeEnv): Promise<string | undefined> {
  if (guess.kind === 'direct') {
    const check = await probeVersions(guess.origin, env);
    return check.ok ? check.baseUrl : undefined;
  }
  const wk = await probeWellKnown(guess.origin, env);
  if (wk.kind !== 'found') return undefined;
  const check = await probeVersions(wk.baseUrl, env);
  return check.ok ? check.baseUrl : undefined;
}

function failureMessage(base: string, page: WebClientProbe, clientProblem: string | undefined, direct: ProbeFailure): string {
  if (clientProblem !== undefined) return `${base} is a Matrix web client, not a homeserver: ${clientProblem}; ${GIVE_URL}`;
  if (page.isWebPage) {
    if (page.client !== undefined) {
      return `${base} is a Matrix web client (${page.client}), not a homeserver, and it names no default homeserver; ${GIVE_URL}`;
    }
    return `${base} is a web page, not a Matrix homeserver, and names none (no /.well-known/matrix/client, no client config.json); ${GIVE_URL}`;
  }
  if (direct.unreachable) return `${direct.reason}; check the address, or ${GIVE_URL}`;
  return `${base} is not a Matrix homeserver (${direct.reason}) and names none in /.well-known/matrix/client; ${GIVE_URL}`;
}

function isIpOrLocal(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':') || host.startsWith('[') || !host.includes('.');
}
