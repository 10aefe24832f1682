// Discovery over https domains (undici's MockAgent stands in for the sites) and the normalisation of what people type.
import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { discoverHomeserver, DiscoveryError, normalizeInput } from './discovery.js';

type Page = { status?: number; body: string | object };
const VERSIONS: Page = { body: { versions: ['r0.6.1', 'v1.1', 'v1.2'] } };
const ELEMENT: Page = { body: '<!DOCTYPE html><html><head><title>Element</title></head><body></body></html>' };

/** Sites by origin; every other path on a listed origin is a 404, an unlisted origin does not resolve. */
function sites(map: Record<string, Record<string, Page>>): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  for (const [origin, pages] of Object.entries(map)) {
    const pool = agent.get(origin);
    for (const [path, page] of Object.entries(pages)) {
      const isText = typeof page.body === 'string';
      pool.intercept({ path, method: 'GET' })
        .reply(page.status ?? 200, isText ? page.body as string : JSON.stringify(page.body),
          { headers: { 'content-type': isText ? 'text/html' : 'application/json' } })
        .persist();
    }
    pool.intercept({ path: () => true, method: 'GET' }).reply(404, '<html><body>Not Found</body></html>', { headers: { 'content-type': 'text/html' } }).persist();
  }
  return agent;
}

describe('normalizeInput', () => {
  it.each([
    ['example.org', 'https://example.org'],
    ['example.org:8448', 'https://example.org:8448'],
    ['  https://matrix.example.org/  ', 'https://matrix.example.org'],
    ['http://127.0.0.1:8008', 'http://127.0.0.1:8008'],
    ['https://app.element.io/#/room/!abc:example.org', 'https://app.element.io'],
    ['https://matrix.example.org/_matrix/client/versions', 'https://matrix.example.org'],
    ['https://example.org/element/index.html?x=1', 'https://example.org/element'],
    ['@vigie:example.org', 'https://example.org'],
  ])('%s → %s', (input, base) => {
    expect(normalizeInput(input).base).toBe(base);
  });

  it.each(['', 'ftp://example.org', 'https://exa mple.org'])('refuses %j with advice', (input) => {
    expect(() => normalizeInput(input)).toThrow(DiscoveryError);
  });
});

describe('discoverHomeserver over https', () => {
  it('resolves a bare domain through its .well-known', async () => {
    const dispatcher = sites({
      'https://example.org': { '/.well-known/matrix/client': { body: { 'm.homeserver': { base_url: 'https://matrix.example.org/' } } } },
      'https://matrix.example.org': { '/_matrix/client/versions': VERSIONS },
    });
    expect(await discoverHomeserver('example.org', { dispatcher })).toMatchObject({ baseUrl: 'https://matrix.example.org', how: 'well-known' });
  });

  it('reads a .well-known served as text/html, with a byte-order mark, as the JSON it is', async () => {
    const dispatcher = sites({
      'https://example.org': { '/.well-known/matrix/client': { body: '\uFEFF{"m.homeserver": {"base_url": "https://matrix.example.org"}}' } },
      'https://matrix.example.org': { '/_matrix/client/versions': VERSIONS },
    });
    expect(await discoverHomeserver('example.org', { dispatcher })).toMatchObject({ baseUrl: 'https://matrix.example.org', how: 'well-known' });
  });

  it('says a delegated homeserver that does not answer may just be down, rather than blaming the file', async () => {
    const dispatcher = sites({
      'https://example.org': { '/.well-known/matrix/client': { body: { 'm.homeserver': { base_url: 'https://down.example.org' } } } },
    });
    await expect(discoverHomeserver('example.org', { dispatcher })).rejects.toThrow(
      /points at https:\/\/down\.example\.org, which does not answer \(.*\); if the homeserver is down or restarting, try again once it is up; if that address is wrong, fix that file$/);
  });

  it('looks for a server name\'s .well-known on the default port, and the homeserver on the given one', async () => {
    const dispatcher = sites({
      'https://example.org': { '/.well-known/matrix/client': { body: { 'm.homeserver': { base_url: 'https://example.org:8448' } } } },
      'https://example.org:8448': { '/_matrix/client/versions': VERSIONS },
    });
    expect(await discoverHomeserver('example.org:8448', { dispatcher })).toMatchObject({ baseUrl: 'https://example.org:8448', how: 'well-known' });
  });

  it('follows a web client\'s default_server_name to its well-known', async () => {
    const dispatcher = sites({
      'https://element.example.org': { '/': ELEMENT, '/config.json': { body: { default_server_name: 'example.org' } } },
      'https://example.org': { '/.well-known/matrix/client': { body: { 'm.homeserver': { base_url: 'https://hs.example.org' } } } },
      'https://hs.example.org': { '/_matrix/client/versions': VERSIONS },
    });
    expect(await discoverHomeserver('https://element.example.org/#/home', { dispatcher }))
      .toMatchObject({ baseUrl: 'https://hs.example.org', how: 'web-client' });
  });

  it('guesses the parent domain\'s delegation, then matrix.<domain>, as a last resort', async () => {
    const viaParent = sites({
      'https://status.example.org': {},
      'https://example.org': { '/.well-known/matrix/client': { body: { 'm.homeserver': { base_url: 'https://hs.example.org' } } } },
      'https://hs.example.org': { '/_matrix/client/versions': VERSIONS },
    });
    expect(await discoverHomeserver('status.example.org', { dispatcher: viaParent, guess: true })).toMatchObject({ baseUrl: 'https://hs.example.org', how: 'guess' });
    const viaMatrix = sites({ 'https://example.net': {}, 'https://matrix.example.net': { '/_matrix/client/versions': VERSIONS } });
    expect(await discoverHomeserver('example.net', { dispatcher: viaMatrix, guess: true })).toMatchObject({ baseUrl: 'https://matrix.example.net', how: 'guess' });
    // Unless asked for: a guess may be someone else's server, and the caller would send it the token.
    await expect(discoverHomeserver('example.net', { dispatcher: viaMatrix })).rejects.toThrow(DiscoveryError);
  });

  it('says a web client names no homeserver, in words a person can act on', async () => {
    const dispatcher = sites({ 'https://app.element.io': { '/': ELEMENT, '/config.json': { body: { brand: 'Element' } } } });
    await expect(discoverHomeserver('https://app.element.io/#/welcome', { dispatcher })).rejects.toThrow(
      "https://app.element.io is a Matrix web client (Element), not a homeserver, and it names no default homeserver; give your homeserver's URL, usually https://matrix.<your domain>");
  });

  it('treats a site answering HTML for every path as having no .well-known', async () => {
    const dispatcher = sites({
      'https://example.com': { '/.well-known/matrix/client': { body: '<!doctype html><html><body>Home</body></html>' } },
      'https://matrix.example.com': { '/_matrix/client/versions': VERSIONS },
    });
    expect(await discoverHomeserver('example.com', { dispatcher, guess: true })).toMatchObject({ baseUrl: 'https://matrix.example.com', how: 'guess' });
  });
});
