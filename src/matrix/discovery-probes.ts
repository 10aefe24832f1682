// The HTTP probes homeserver discovery is made of: versions, .well-known, and a web client's config.json.
import type { Dispatcher } from 'undici';
import { parseJsonObject } from './answer.js';
import { MatrixNetworkError } from './errors.js';
import { sendHttp, type HttpAnswer } from './http.js';

/** Redirects followed per request, as browsers and the spec's discovery do. */
export const MAX_REDIRECTS = 5;

/** Discovery's pages are small; anything bigger is not what we look for. */
const MAX_PROBE_BYTES = 1024 * 1024;

/** How probes reach the network, and where they write what they did. */
export interface ProbeEnv {
  timeoutMs: number;
  dispatcher?: Dispatcher;
  /** One line per request, for the person reading why discovery chose (or failed). */
  steps: string[];
}

/** A failed probe: why, and whether the host could not be reached at all. */
export interface ProbeFailure { ok: false; reason: string; unreachable: boolean }

/** The versions probe: a URL is a homeserver when `/_matrix/client/versions` lists at least one version. */
export type VersionsProbe = { ok: true; baseUrl: string; versions: string[] } | ProbeFailure;

/** The .well-known probe. `absent` is normal (the spec says ignore it); `broken` must be reported. */
export type WellKnownProbe =
  | { kind: 'found'; baseUrl: string; url: string }
  | { kind: 'absent'; unreachable: boolean; reason: string }
  | { kind: 'broken'; reason: string };

/** The web-client probe: is the page HTML, which client, and what its config names. */
export interface WebClientProbe {
  isWebPage: boolean;
  /** `Element`, `Cinny`…, or undefined when the page does not say. */
  client?: string;
  /** A base URL named by the client's config. */
  baseUrl?: string;
  /** A server name (to resolve through its .well-known) named by the client's config. */
  serverName?: string;
  /** Which config file named it. */
  configUrl?: string;
}

/** GET with redirects followed (at most MAX_REDIRECTS); returns the final URL and answer. */
export async function getFollowing(start: URL, env: ProbeEnv): Promise<{ url: URL; answer: HttpAnswer }> {
  let url = start;
  for (let hop = 0; ; hop++) {
    let answer: HttpAnswer;
    try {
      answer = await sendHttp({ method: 'GET', url, timeoutMs: env.timeoutMs, dispatcher: env.dispatcher, maxBytes: MAX_PROBE_BYTES,
        headers: { accept: 'application/json, text/html;q=0.5' } });
    } catch (err) {
      env.steps.push(`GET ${url.href} → no answer (${err instanceof Error ? err.message : String(err)})`);
      throw err;
    }
    const location = answer.headers.location;
    if (answer.status >= 300 && answer.status < 400 && location !== undefined) {
      const next = new URL(location, url);
      env.steps.push(`GET ${url.href} → ${answer.status}, redirected to ${next.href}`);
      if (hop + 1 > MAX_REDIRECTS) {
        env.steps.push(`${start.href} redirects more than ${MAX_REDIRECTS} times: stopped`);
        throw new Error(`${start.href} redirects more than ${MAX_REDIRECTS} times`);
      }
      url = next;
      continue;
    }
    return { url, answer };
  }
}

/** Checks that a base URL is a homeserver; the returned base is where redirects led, without trailing slash. */
export async function probeVersions(base: string, env: ProbeEnv): Promise<VersionsProbe> {
  const suffix = '/_matrix/client/versions';
  let got: { url: URL; answer: HttpAnswer };
  try {
    got = await getFollowing(new URL(stripSlashes(base) + suffix), env);
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err), unreachable: err instanceof MatrixNetworkError };
  }
  const { url, answer } = got;
  const body = parseJsonObject(answer.body);
  const versions = body?.versions;
  if (answer.status === 200 && Array.isArray(versions) && versions.length > 0 && versions.every((v) => typeof v === 'string')) {
    // Any version will do: v3 paths exist since r0.6.1/v1.1, and old servers are common.
    env.steps.push(`GET ${url.href} → 200, versions ${versions.join(', ')}: a homeserver`);
    const finalBase = url.pathname.endsWith(suffix) ? url.origin + url.pathname.slice(0, -suffix.length) : base;
    return { ok: true, baseUrl: stripSlashes(finalBase), versions };
  }
  const reason = `${url.href} answered ${describeAnswer(answer)}, not a list of Matrix versions`;
  env.steps.push(`GET ${url.href} → ${answer.status}, ${describeAnswer(answer)}: not a homeserver`);
  return { ok: false, reason, unreachable: false };
}

/** Reads `<origin>/.well-known/matrix/client`, the spec's way from a domain to its homeserver. */
export async function probeWellKnown(origin: string, env: ProbeEnv): Promise<WellKnownProbe> {
  const url = new URL('/.well-known/matrix/client', origin);
  let answer: HttpAnswer;
  try {
    ({ answer } = await getFollowing(url, env));
  } catch (err) {
    return { kind: 'absent', unreachable: err instanceof MatrixNetworkError, reason: err instanceof Error ? err.message : String(err) };
  }
  if (answer.status !== 200 || looksLikeHtml(answer)) {
    // 404 is the normal "no delegation"; an HTML page is a site answering every path with its index.
    env.steps.push(`GET ${url.href} → ${answer.status}, ${describeAnswer(answer)}: no .well-known delegation`);
    return { kind: 'absent', unreachable: false, reason: `${url.href} answered ${describeAnswer(answer)}` };
  }
  const body = parseJsonObject(answer.body);
  if (!body) return broken(env, url, 'is not a valid JSON object');
  const hs = body['m.homeserver'];
  const baseUrl = typeof hs === 'object' && hs !== null ? (hs as Record<string, unknown>).base_url : undefined;
  if (typeof baseUrl !== 'string' || baseUrl.trim() === '') return broken(env, url, 'has no m.homeserver.base_url');
  if (!isHttpUrl(baseUrl)) return broken(env, url, `has an invalid m.homeserver.base_url "${baseUrl}" (not an http(s) URL)`);
  env.steps.push(`GET ${url.href} → 200, m.homeserver.base_url = ${baseUrl}`);
  return { kind: 'found', baseUrl: stripSlashes(baseUrl.trim()), url: url.href };
}

function broken(env: ProbeEnv, url: URL, what: string): WellKnownProbe {
  env.steps.push(`GET ${url.href} → 200, but it ${what}`);
  return { kind: 'broken', reason: `${url.href} ${what}` };
}

/** Looks at the page itself: a web client (Element…) answers HTML and may name its homeserver in config.json. */
export async function probeWebClient(base: string, env: ProbeEnv): Promise<WebClientProbe> {
  let page: { url: URL; answer: HttpAnswer };
  try {
    page = await getFollowing(new URL(`${stripSlashes(base)}/`), env);
  } catch {
    return { isWebPage: false };
  }
  if (page.answer.status !== 200 || !looksLikeHtml(page.answer)) {
    env.steps.push(`GET ${page.url.href} → ${page.answer.status}, ${describeAnswer(page.answer)}: not a web client`);
    return { isWebPage: false };
  }
  const client = clientName(page.answer.body);
  env.steps.push(`GET ${page.url.href} → 200, an HTML page${client ? ` (${client})` : ''}`);
  const dir = page.url.href.replace(/[^/]*$/, '');
  for (const name of [`config.${page.url.hostname}.json`, 'config.json']) {
    const configUrl = new URL(name, dir);
    const named = await readClientConfig(configUrl, env);
    if (named) return { isWebPage: true, client, ...named, configUrl: configUrl.href };
  }
  return { isWebPage: true, client };
}

/** What a web client's config names as its default homeserver (Element's and Cinny's formats). */
async function readClientConfig(url: URL, env: ProbeEnv): Promise<{ baseUrl?: string; serverName?: string } | undefined> {
  let answer: HttpAnswer;
  try {
    ({ answer } = await getFollowing(url, env));
  } catch {
    return undefined;
  }
  const config = answer.status === 200 ? parseJsonObject(answer.body) : undefined;
  if (!config) {
    env.steps.push(`GET ${url.href} → ${answer.status}, ${describeAnswer(answer)}: no client config`);
    return undefined;
  }
  const dsc = config.default_server_config as Record<string, Record<string, unknown> | undefined> | undefined;
  const baseUrl = dsc?.['m.homeserver']?.base_url ?? config.default_hs_url;
  if (typeof baseUrl === 'string' && isHttpUrl(baseUrl)) {
    env.steps.push(`GET ${url.href} → 200, the client's default homeserver is ${baseUrl}`);
    return { baseUrl: stripSlashes(baseUrl) };
  }
  // Cinny's format: a list of server names and the index of the default one.
  const list: unknown[] | undefined = Array.isArray(config.homeserverList) ? config.homeserverList as unknown[] : undefined;
  const index = typeof config.defaultHomeserver === 'number' ? config.defaultHomeserver : 0;
  const serverName = config.default_server_name ?? dsc?.['m.homeserver']?.server_name ?? list?.[index];
  if (typeof serverName === 'string' && serverName !== '') {
    env.steps.push(`GET ${url.href} → 200, the client's default server name is ${serverName}`);
    return { serverName };
  }
  env.steps.push(`GET ${url.href} → 200, but it names no default homeserver`);
  return undefined;
}

/** Which Matrix web client a page is, from its title. */
function clientName(html: string): string | undefined {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.trim() ?? '';
  for (const name of ['Element', 'Cinny', 'FluffyChat', 'SchildiChat', 'Hydrogen', 'Commet']) {
    if (title.toLowerCase().includes(name.toLowerCase())) return name;
  }
  return undefined;
}

/**
 * An HTML page, by its content or by its type, unless the text is JSON: some servers serve a .well-known file as
 * text/html, and clients read it all the same (matrix-js-sdk parses the body whatever its type).
 */
function looksLikeHtml(answer: HttpAnswer): boolean {
  if (/^\s*<(!doctype html|html)/i.test(answer.body)) return true;
  return (answer.headers['content-type'] ?? '').includes('text/html') && parseJsonObject(answer.body) === undefined;
}

function describeAnswer(answer: HttpAnswer): string {
  if (looksLikeHtml(answer)) return `HTTP ${answer.status} with an HTML page`;
  if (parseJsonObject(answer.body)) return `HTTP ${answer.status} with JSON`;
  return answer.body.trim() === '' ? `HTTP ${answer.status} with an empty body` : `HTTP ${answer.status} with ${answer.headers['content-type'] ?? 'untyped'} content`;
}

/** An absolute http(s) URL. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text.trim());
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** A URL without its trailing slashes, as base URLs are written. */
export function stripSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
