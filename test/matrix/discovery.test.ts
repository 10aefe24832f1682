// Homeserver discovery against real local servers: .well-known, direct URLs, Element-like web clients, redirects, failures.
import { afterEach, describe, expect, it } from 'vitest';
import { discoverHomeserver, DiscoveryError } from '../../src/matrix/discovery.js';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import { startStaticServer, type StaticRoute, type StaticServer } from '../support/static-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function homeserver(options?: Parameters<typeof startHomeserver>[0]): Promise<TestHomeserver> {
  const hs = await startHomeserver(options);
  cleanups.push(() => hs.close());
  return hs;
}

async function site(routes: Record<string, StaticRoute>): Promise<StaticServer> {
  const server = await startStaticServer(routes);
  cleanups.push(() => server.close());
  return server;
}

const ELEMENT_PAGE = '<!doctype html><html><head><title>Element</title></head><body><noscript>Sorry, Element requires JavaScript</noscript></body></html>';

async function failure(input: string): Promise<DiscoveryError> {
  try {
    await discoverHomeserver(input);
  } catch (err) {
    if (err instanceof DiscoveryError) return err;
    throw err;
  }
  throw new Error(`discovery of ${input} unexpectedly succeeded`);
}

describe('discoverHomeserver', () => {
  it('follows a domain\'s .well-known to its homeserver, and removes the trailing slash', async () => {
    const hs = await homeserver();
    const domain = await site({ '/.well-known/matrix/client': { body: { 'm.homeserver': { base_url: `${hs.url}/` } } } });
    const found = await discoverHomeserver(domain.url);
    expect(found).toMatchObject({ baseUrl: hs.url, how: 'well-known' });
    expect(found.steps.join('\n')).toContain('m.homeserver.base_url');
  });

  it('takes a homeserver URL as is, even with an API path or a client route after it', async () => {
    const hs = await homeserver();
    for (const input of [hs.url, `${hs.url}/`, `${hs.url}/_matrix/client/versions`, `${hs.url}/#/room/!abc:localhost`]) {
      expect(await discoverHomeserver(input)).toMatchObject({ baseUrl: hs.url, how: 'direct' });
    }
  });

  it('accepts an old server that lists only r0.x versions, but not one that lists none', async () => {
    const old = await homeserver({ versions: ['r0.5.0', 'r0.6.1'] });
    expect(await discoverHomeserver(old.url)).toMatchObject({ baseUrl: old.url, how: 'direct' });
    const empty = await site({ '/_matrix/client/versions': { body: { versions: [] } } });
    expect((await failure(empty.url)).message).toContain('is not a Matrix homeserver');
  });

  it('reads an Element web client\'s config.json to find its default homeserver', async () => {
    const hs = await homeserver();
    const element = await site({
      '/': { body: ELEMENT_PAGE },
      '/config.json': { body: { default_server_config: { 'm.homeserver': { base_url: hs.url, server_name: 'localhost' } }, brand: 'Element' } },
    });
    const found = await discoverHomeserver(`${element.url}/#/welcome`);
    expect(found).toMatchObject({ baseUrl: hs.url, how: 'web-client' });
    // Element's own lookup order: the per-host config first.
    expect(element.requests).toContain('/config.127.0.0.1.json');
  });

  it('explains that a web client without a default homeserver is not one', async () => {
    const element = await site({ '/': { body: ELEMENT_PAGE }, '/config.json': { body: { brand: 'Element' } } });
    const err = await failure(element.url);
    expect(err.message).toBe(`${element.url} is a Matrix web client (Element), not a homeserver, and it names no default homeserver; `
      + "give your homeserver's URL, usually https://matrix.<your domain>");
    expect(err.steps.length).toBeGreaterThan(2);
  });

  it('follows redirects to the homeserver (at most 5)', async () => {
    const hs = await homeserver();
    const proxy = await site({
      '/_matrix/client/versions': { status: 301, body: '', headers: { location: `${hs.url}/_matrix/client/versions` } },
    });
    expect(await discoverHomeserver(proxy.url)).toMatchObject({ baseUrl: hs.url, how: 'direct' });
    const loop = await site({ '/_matrix/client/versions': { status: 302, body: '', headers: { location: '/_matrix/client/versions' } } });
    expect((await failure(loop.url)).steps.join('\n')).toContain('redirects more than 5 times');
  });

  it('reports a broken .well-known instead of guessing around it', async () => {
    const badJson = await site({ '/.well-known/matrix/client': { type: 'application/json', body: '{"m.homeserver": ' } });
    expect((await failure(badJson.url)).message).toContain('/.well-known/matrix/client is not a valid JSON object; fix that file');
    const badUrl = await site({ '/.well-known/matrix/client': { body: { 'm.homeserver': { base_url: 'matrix.example.org' } } } });
    expect((await failure(badUrl.url)).message).toContain('invalid m.homeserver.base_url "matrix.example.org"');
    const dead = await startStaticServer({});
    const deadUrl = dead.url;
    await dead.close();
    const toDead = await site({ '/.well-known/matrix/client': { body: { 'm.homeserver': { base_url: deadUrl } } } });
    const err = await failure(toDead.url);
    // Nothing answers there: maybe the homeserver is down, maybe the file is wrong; the message says both.
    expect(err.message).toContain(`points at ${deadUrl}, which does not answer`);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).toMatch(/if the homeserver is down or restarting, try again once it is up; if that address is wrong, fix that file$/);
  });

  it('still uses the URL itself when it is a homeserver next to a broken .well-known', async () => {
    const hs = await homeserver({ wellKnown: { 'm.homeserver': { base_url: 'nonsense' } } });
    const found = await discoverHomeserver(hs.url);
    expect(found).toMatchObject({ baseUrl: hs.url, how: 'direct' });
    expect(found.steps.join('\n')).toContain('invalid m.homeserver.base_url');
  });

  it('says what to check when nothing answers', async () => {
    const dead = await startStaticServer({});
    const url = dead.url;
    await dead.close();
    const err = await failure(url);
    expect(err.message).toContain(`could not reach ${new URL(url).host}: connect ECONNREFUSED`);
    expect(err.message).toContain('that the homeserver is running');
  });
});
