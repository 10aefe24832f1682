import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { ConfigError } from './errors.js';
import { loadConfig, parseConfig } from './load.js';

const MATRIX = 'matrix:\n  homeserver: https://matrix.example.org\n';
const ROOM = 'rooms: { ops: "!a:x.org" }\n';

/** The ConfigError a text gives (fails the test if it loads). */
async function errorOf(text: string, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  const error: unknown = await parseConfig(text, 'vigie.yaml', { env }).then(() => undefined, (e: unknown) => e);
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

describe('parseConfig errors name the file, the line and the field', () => {
  it.each([
    ['a wrong enum value', `${MATRIX}  msgtype: m.txt\n`, 3, 'matrix.msgtype',
      'vigie.yaml:3: matrix.msgtype: expected "m.text" or "m.notice", got "m.txt"'],
    ['a typo in a field name', 'matrix:\n  homeserverr: https://matrix.example.org\n', 2, 'matrix.homeserverr',
      'vigie.yaml:2: matrix.homeserverr: unknown field \'homeserverr\' — did you mean \'homeserver\'?'],
    ['an unknown top-level field', `${MATRIX}monitor: []\n`, 3, 'monitor', 'did you mean \'monitors\'?'],
    ['an unknown field in a route', `${MATRIX}rooms: { ops: "!a:x.org" }\nroutes:\n  - rooms: [ops]\n    contine: true\n`, 6,
      'routes[0].contine', 'did you mean \'continue\'?'],
    ['an unknown field in store', `${MATRIX}store:\n  file: x.db\n`, 4, 'store.file', 'unknown field \'file\' (known fields: path, heartbeatRetention)'],
    ['an unknown field in sources', `${MATRIX}sources:\n  kuma: []\n`, 4, 'sources.kuma', 'unknown field \'kuma\''],
    ['a missing required field (points at its parent)', 'timezone: UTC\nmatrix:\n  msgtype: m.text\n', 2, 'matrix.homeserver',
      'required field is missing'],
    ['a missing section', 'timezone: UTC\n', 1, 'matrix', 'required field is missing'],
    ['a bad homeserver', 'matrix:\n  homeserver: ftp://x.org\n', 2, 'matrix.homeserver', 'expected a homeserver URL like'],
    ['a room without its server part', `${MATRIX}rooms:\n  ops: "!abcxyz"\n  dev: "#dev"\n`, 5, 'rooms.dev',
      'expected a room id like "!abcxyz:example.org" or an alias like "#ops:example.org", got "#dev"'],
    ['a room without a sigil', `${MATRIX}rooms:\n  ops: abcxyz:example.org\n`, 4, 'rooms.ops', 'got "abcxyz:example.org"'],
    ['a bad duration', `${MATRIX}  requestTimeout: 5 min\n`, 3, 'matrix.requestTimeout',
      'expected a duration like 30s, 5m or 1h, got "5 min"'],
    ['a zero duration', `${MATRIX}delivery:\n  maxBackoff: 0s\n`, 4, 'delivery.maxBackoff', 'must be more than 0, got "0s"'],
    ['a wait longer than a timer holds', `${MATRIX}monitors:\n  - { name: Cron, type: push, token: abcdefgh12345678, interval: 30d }\n`, 4,
      'monitors[0].interval', 'must be at most 24d (a timer cannot wait longer), got "30d"'],
    ['a duration of the wrong type', `${MATRIX}delivery:\n  parkedRetry: true\n`, 4, 'delivery.parkedRetry', 'got true'],
    ['a bad time zone', `timezone: Paris\n${MATRIX}`, 1, 'timezone', 'expected an IANA time zone like "Europe/Paris"'],
    ['a bad listen address', `${MATRIX}server:\n  listen: 8080\n`, 4, 'server.listen', 'expected text, got 8080'],
    ['an IPv6 address without brackets', `${MATRIX}server:\n  listen: "::1:8080"\n`, 4, 'server.listen', 'expected host:port'],
    ['a bad log level', `${MATRIX}log: { level: verbose }\n`, 3, 'log.level', 'expected one of "fatal", "error"'],
    ['a list where a map is expected', `${MATRIX}rooms: [ops]\n`, 3, 'rooms', 'expected a map (name: value), got a list'],
    ['a route to an unknown room', `${MATRIX}rooms: { ops: "!a:x.org" }\nroutes:\n  - rooms:\n      - ops\n      - opz\n`, 7,
      'routes[0].rooms[1]', 'unknown room \'opz\' — did you mean \'ops\'? (rooms are: ops; add it under rooms:)'],
    ['a route to no room', `${MATRIX}rooms: { ops: "!a:x.org" }\nroutes:\n  - rooms: []\n`, 5, 'routes[0].rooms', 'needs at least one room'],
    ['a route with an unknown template', `${MATRIX}rooms: { ops: "!a:x.org" }\ntemplates: { seed: hi }\nroutes:\n  - rooms: [ops]\n    template: sed\n`,
      7, 'routes[0].template', 'unknown template \'sed\' — did you mean \'seed\'? (templates are: seed, default, kuma-text, group)'],
    ['a route matching an unknown status', `${MATRIX}rooms: { ops: "!a:x.org" }\nroutes:\n  - rooms: [ops]\n    match: { status: [dwn] }\n`,
      6, 'routes[0].match.status[0]', 'expected one of "down", "up"'],
    ['a route matching an unknown source', `${MATRIX}rooms: { ops: "!a:x.org" }\nroutes:\n  - rooms: [ops]\n    match: { sources: [monitors] }\n`,
      6, 'routes[0].match.sources[0]', 'unknown source \'monitors\' — did you mean \'monitor\'?'],
    ['a source posting to an unknown room', `${MATRIX}sources:\n  uptimeKuma:\n    - name: kuma\n      token: t0ken\n      rooms: [ops]\n`,
      7, 'sources.uptimeKuma[0].rooms[0]', 'unknown room \'ops\' (no rooms are defined yet; add it under rooms:)'],
    ['a source without token', `${MATRIX}sources:\n  uptimeKuma:\n    - name: kuma\n`, 5, 'sources.uptimeKuma[0].token',
      'a source needs token or tokenFile'],
    ['a source name unfit for a URL', `${MATRIX}sources:\n  uptimeKuma:\n    - name: my kuma\n      token: t0ken\n`, 5,
      'sources.uptimeKuma[0].name', 'expected letters, digits, _ or -'],
    ['two monitors with one name', `${MATRIX}${ROOM}monitors:\n  - { name: Site, type: http, url: "https://a.org" }\n  - { name: Site, type: tcp, hostname: a, port: 1 }\n`, 6,
      'monitors[1].name', 'monitor name \'Site\' is already used by monitor #1'],
    ['two push monitors with one token', `${MATRIX}${ROOM}monitors:\n  - { name: A, type: push, token: abcdefgh12345678 }\n  - { name: B, type: push, token: abcdefgh12345678 }\n`, 6,
      'monitors[1].token', 'push monitor \'B\' has the same token as monitor #1 (\'A\'); each push monitor needs its own'],
    ['a monitor of unknown type', `${MATRIX}monitors:\n  - name: Site\n    type: htp\n`, 5, 'monitors[0].type', 'got "htp"'],
    ['a negative maxretries', `${MATRIX}${ROOM}monitors:\n  - name: Site\n    type: http\n    url: https://a.org\n    maxretries: -1\n`, 8,
      'monitors[0].maxretries', 'must be at least 0, got -1'],
    ['a fractional maxretries', `${MATRIX}${ROOM}monitors:\n  - name: Site\n    type: http\n    url: https://a.org\n    maxretries: 1.5\n`, 8,
      'monitors[0].maxretries', 'expected a whole number, got 1.5'],
    ['a monitor without its type\'s field', `${MATRIX}${ROOM}monitors:\n  - name: Site\n    type: tcp\n    hostname: db\n`, 5,
      'monitors[0].port', 'required field is missing'],
    ['a bad field of the monitor\'s type', `${MATRIX}${ROOM}monitors:\n  - name: Site\n    type: http\n    url: example.org\n`, 7,
      'monitors[0].url', 'expected an http or https URL like "https://example.org/health", got "example.org"'],
    ['a field of another type', `${MATRIX}${ROOM}monitors:\n  - name: DB\n    type: tcp\n    hostname: db\n    port: 5432\n    urll: x\n`, 9,
      'monitors[0].urll', 'unknown field \'urll\' (a tcp monitor\'s fields are: name, type, interval'],
    ['a typo in a field of the type', `${MATRIX}${ROOM}monitors:\n  - name: Site\n    type: http\n    url: https://a.org\n    keywrd: OK\n`, 8,
      'monitors[0].keywrd', 'unknown field \'keywrd\' — did you mean \'keyword\'?'],
    ['a push monitor without token', `${MATRIX}${ROOM}monitors:\n  - name: Cron\n    type: push\n`, 5, 'monitors[0].token',
      'a push monitor needs token, the secret of its push URL /api/push/<token>'],
    ['a monitor no route takes', `${MATRIX}${ROOM}routes:\n  - { rooms: [ops], match: { tags: [prod] } }\nmonitors:\n  - { name: Site, type: http, url: "https://a.org", tags: [dev] }\n`, 7,
      'monitors[0].name', 'no route takes the DOWN alerts of monitor \'Site\': add a route that matches it'],
    ['a monitor routed only for recoveries', `${MATRIX}${ROOM}routes:\n  - { rooms: [ops], match: { status: [up] } }\nmonitors:\n  - { name: Site, type: http, url: "https://a.org" }\n`, 7,
      'monitors[0].name', 'no route takes the DOWN alerts of monitor \'Site\''],
    ['a monitor without any room', `${MATRIX}monitors:\n  - { name: Site, type: http, url: "https://a.org" }\n`, 4,
      'monitors[0].name', 'monitor \'Site\' has nowhere to send its alerts: add a room under rooms:'],
    ['a maintenance window for an unknown monitor', `${MATRIX}${ROOM}monitors:\n  - { name: Site, type: http, url: "https://a.org" }\nmaintenance:\n  - { monitors: [Sité], from: "02:00", to: "03:00" }\n`, 7,
      'maintenance[0].monitors[0]', 'unknown monitor \'Sité\' — did you mean \'Site\'? (monitors are: Site)'],
    ['a maintenance window with a bad time', `${MATRIX}maintenance:\n  - from: "2:00"\n    to: "03:00"\n`, 4,
      'maintenance[0].from', 'expected a time of day like "02:00", got "2:00"'],
    ['a template that is neither text nor { file }', `${MATRIX}templates:\n  seed: [a]\n`, 4, 'templates.seed',
      'expected Liquid source text, or { file: path }'],
    ['both accessToken and accessTokenFile', `${MATRIX}  accessToken: abc\n  accessTokenFile: ./t\n`, 4, 'matrix.accessTokenFile',
      'set either accessToken or accessTokenFile, not both'],
    ['an unset variable', `${MATRIX}  accessToken: \${VIGIE_MATRIX_TOKEN}\n`, 3, 'matrix.accessToken',
      'environment variable VIGIE_MATRIX_TOKEN is not set; set it, or give a default with ${VIGIE_MATRIX_TOKEN:-default}'],
    ['a malformed variable reference', `${MATRIX}  deviceName: "\${BAD"\n`, 3, 'matrix.deviceName', 'unterminated "${"'],
  ])('%s', async (_, text, line, field, message) => {
    const error = await errorOf(text);
    expect({ file: error.file, line: error.line, field: error.field }).toEqual({ file: 'vigie.yaml', line, field });
    expect(error.message.split('\n')[0]).toContain(message);
    expect(error.message.startsWith(`vigie.yaml:${line}: ${field}: `)).toBe(true);
  });

  it('takes any zero for a grouping window (off), and a retention longer than a timer holds', async () => {
    const { config } = await parseConfig(`${MATRIX}rooms: { ops: "!a:x" }\nroutes:\n  - { rooms: [ops], groupWait: 0ms }\n  - { rooms: [ops], groupWait: 0m }\n`
      + 'store: { heartbeatRetention: 400d }\n', 'vigie.yaml', { env: {} });
    expect(config.routes.map((r) => r.groupWait)).toEqual([0, 0]);
    expect(config.store.heartbeatRetention).toBe(400 * 86_400_000);
  });

  it.each([
    ['an unclosed flow map', 'matrix: { homeserver: x\n', 2],
    ['a bad indentation', 'matrix:\n  homeserver: x\n bad: 1\n', 3],
    ['a duplicated key', `${MATRIX}rooms: {}\nrooms: {}\n`, 4],
    ['a tab indentation', 'matrix:\n\thomeserver: x\n', 2],
  ])('a YAML syntax error (%s) gives file:line', async (_, text, line) => {
    const error = await errorOf(text);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(new RegExp(`^vigie\\.yaml:${line}: YAML syntax error: `));
  });

  it('never shows a monitor URL\'s password or query, nor a header\'s value, in an error', async () => {
    const url = await errorOf(`${MATRIX}${ROOM}monitors:\n  - { name: A, type: http, url: "http//alice:URLPASSWORD@example.org/x?token=QUERYSECRET" }\n`);
    expect(url.message).toContain('monitors[0].url');
    expect(url.message).not.toMatch(/URLPASSWORD|QUERYSECRET/);
    const header = await errorOf(`${MATRIX}${ROOM}monitors:\n  - { name: A, type: http, url: "https://example.org", headers: { X-Api-Key: 12345678 } }\n`);
    expect(header.message).toContain('monitors[0].headers');
    expect(header.message).not.toContain('12345678');
  });

  it('never repeats a secret that YAML read as a tag or an alias (a passphrase may start with ! or *)', async () => {
    const tag = await errorOf(`${MATRIX}  encryption: { storePassphrase: !SuperSecretPass }\n`);
    expect(tag.message).toBe('vigie.yaml:3: the value of storePassphrase is read as a YAML tag, not as text: put it in quotes');
    const alias = await errorOf(`${MATRIX}  accessToken: *SecretAliasTok\n`);
    expect(alias.message).toBe('vigie.yaml:3: the value of accessToken is read as a YAML alias, not as text: put it in quotes');
  });

  it('a YAML syntax error never quotes the text around it (it may be a token), and is reported once', async () => {
    const error = await errorOf('rooms: { ops: "!abc:example.org" } }\nmatrix: { accessToken: syt_FAKESECRET_abc123XYZ }\n');
    expect(error.message).not.toContain('syt_FAKESECRET');
    expect(error.message).toBe('vigie.yaml:1: YAML syntax error: Unexpected flow-map-end token in YAML stream (7 more errors after it, most likely caused by this one)');
  });

  it.each([
    ['a room id pasted without quotes', `${MATRIX}rooms:\n  ops: !abcxyz:example.org\n`, 4,
      '!abcxyz:example.org is read as a YAML tag, not as text: quote it, "!abcxyz:example.org"'],
    ['an alias pasted without quotes', `${MATRIX}rooms:\n  ops: #ops:example.org\n`, 4,
      'rooms.ops: expected text, got an empty value (an unquoted # starts a comment in YAML: quote room aliases, "#ops:example.org")'],
    ['a server wildcard without quotes', `${MATRIX}commands:\n  allowInvitesFrom:\n    - *:example.org\n`, 5,
      '*:example.org is read as a YAML alias, not as text: quote it, "*:example.org"'],
    ['a user id in a flow list', `${MATRIX}commands: { allowInvitesFrom: [@alice:example.org] }\n`, 3,
      'quote values that start with @'],
  ])('%s says to quote it', async (_, text, line, message) => {
    const error = await errorOf(text);
    expect(error.line).toBe(line);
    expect(error.message).toContain(message);
  });

  it('reports every problem of the file at once, in line order, suppressing the "missing" one a typo explains', async () => {
    const error = await errorOf('log: { level: loud }\nmatrix:\n  homeserverr: x.org\n  msgtype: m.txt\ntimezone: Mars/Olympus\n');
    expect(error.message.split('\n')).toEqual([
      'vigie.yaml:1: log.level: expected one of "fatal", "error", "warn", "info", "debug", "trace" or "silent", got "loud"',
      'vigie.yaml:3: matrix.homeserverr: unknown field \'homeserverr\' — did you mean \'homeserver\'?',
      'vigie.yaml:4: matrix.msgtype: expected "m.text" or "m.notice", got "m.txt"',
      'vigie.yaml:5: timezone: expected an IANA time zone like "Europe/Paris" or "UTC", got "Mars/Olympus"',
    ]);
    expect(error.others).toHaveLength(3);
  });

  it('refuses an alias bomb with a ConfigError', async () => {
    const bomb = `${MATRIX}a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n` +
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    expect((await errorOf(bomb)).message).toMatch(/^vigie\.yaml: YAML error: .*alias/i);
  });

  it('reports every unset variable at once', async () => {
    const error = await errorOf(`matrix:\n  homeserver: \${HS}\n  accessToken: \${TOKEN}\n`);
    expect(error.message).toMatch(/^vigie\.yaml:2: matrix\.homeserver: environment variable HS is not set.*\nvigie\.yaml:3: matrix\.accessToken: environment variable TOKEN/s);
  });
});

describe('parseConfig applies defaults', () => {
  it('fills every default of a minimal file', async () => {
    const { config, path, dir, warnings } = await parseConfig(`${MATRIX}rooms: { ops: "!a:x.org" }\n`, '/etc/vigie/vigie.yaml', { env: {} });
    expect({ path, dir, warnings }).toEqual({ path: '/etc/vigie/vigie.yaml', dir: '/etc/vigie', warnings: [] });
    expect(config).toEqual({
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      matrix: { homeserver: 'https://matrix.example.org', accessToken: undefined, msgtype: 'm.text', requestTimeout: 30_000, deviceName: 'Vigie',
        encryption: { enabled: true, storePassphrase: undefined, devices: 'all', plaintextRooms: [] } },
      rooms: { ops: '!a:x.org' },
      templates: {},
      routes: [{ rooms: ['ops'], template: 'default', continue: false }],
      monitors: [],
      maintenance: [],
      sources: { uptimeKuma: [] },
      store: { path: '/etc/vigie/data/vigie.db', heartbeatRetention: 90 * 86_400_000 },
      server: { listen: '127.0.0.1:8080' },
      delivery: { maxBackoff: 300_000, parkedRetry: 300_000 },
      commands: { enabled: true, powerLevel: 50, allowInvitesFrom: [] },
      log: { level: 'info' },
    });
  });

  it('routes everything to all rooms only when routes is absent, and to nowhere without rooms', async () => {
    const rooms = 'rooms: { ops: "!a:x.org", dev: "#dev:x.org" }\n';
    expect((await parseConfig(`${MATRIX}${rooms}`, 'v.yaml', { env: {} })).config.routes)
      .toEqual([{ rooms: ['ops', 'dev'], template: 'default', continue: false }]);
    expect((await parseConfig(`${MATRIX}${rooms}routes: []\n`, 'v.yaml', { env: {} })).config.routes).toEqual([]);
    expect((await parseConfig(MATRIX, 'v.yaml', { env: {} })).config.routes).toEqual([]);
  });

  it('gives monitors their defaults, retryInterval following interval, and parses type-specific fields with the type\'s schema', async () => {
    const text = `${MATRIX}${ROOM}monitors:\n  - { name: A, type: http, url: "https://a.org", interval: 2m }\n  - { name: B, type: tcp, hostname: b, port: 22, retryInterval: 10, timeout: 5s }\n`;
    const { config } = await parseConfig(text, 'v.yaml', { env: {} });
    const common = { maxretries: 0, resendInterval: 0, tags: [], upsideDown: false };
    expect(config.monitors[0]).toMatchObject({ name: 'A', type: 'http', url: 'https://a.org', interval: 120_000, retryInterval: 120_000, ...common,
      method: 'GET', acceptedStatusCodes: ['200-299'], timeout: 30_000, tlsExpiryDays: [14, 7, 1] });
    expect(config.monitors[1]).toEqual({ name: 'B', type: 'tcp', hostname: 'b', port: 22, interval: 60_000, retryInterval: 10_000, ...common, timeout: 5_000 });
  });

  it('accepts YAML anchors and merge keys (shared monitor settings)', async () => {
    const text = `${MATRIX}x-defaults: &d { interval: 30s, tags: [prod] }\n`;
    expect((await errorOf(text)).field).toBe('x-defaults');
    const merged = `${MATRIX}${ROOM}monitors:\n  - &a { name: A, type: http, url: "https://a.org", interval: 30s, tags: [prod] }\n  - { <<: *a, name: B }\n`;
    const { config } = await parseConfig(merged, 'v.yaml', { env: {} });
    expect(config.monitors[1]).toMatchObject({ name: 'B', type: 'http', interval: 30_000, tags: ['prod'] });
  });
});

describe('parseConfig substitutes ${VAR}', () => {
  it('in any string value, with defaults and the $${ escape', async () => {
    const text = 'matrix:\n  homeserver: https://${HS_HOST}\n  accessToken: ${TOKEN:-}\n  deviceName: "$${not a var}"\n' +
      `${ROOM}monitors:\n  - name: \${SITE:-Site}\n    type: http\n    url: https://a.org\n    interval: "\${EVERY}"\n    maxretries: \${RETRIES}\n`;
    const { config } = await parseConfig(text, 'v.yaml', { env: { HS_HOST: 'm.example.org', EVERY: '5m', RETRIES: '3' } });
    expect(config.matrix).toMatchObject({ homeserver: 'https://m.example.org', accessToken: undefined, deviceName: '${not a var}' });
    expect(config.monitors[0]).toMatchObject({ name: 'Site', interval: 300_000, maxretries: 3 });
  });

  it('hints at quoting when a reference breaks a flow collection', async () => {
    const error = await errorOf(`${MATRIX}monitors:\n  - { name: A, type: http, maxretries: \${RETRIES} }\n`, { RETRIES: '2' });
    expect(error.line).toBe(4);
    expect(error.message).toContain('inside { } or [ ], quote values that use ${…}: "${VAR}"');
  });

  it('names the variable, not its value, when a substituted value is invalid', async () => {
    const error = await errorOf(`matrix:\n  homeserver: \${HS}\n`, { HS: 'not a url' });
    expect(error.message).toBe('vigie.yaml:2: matrix.homeserver: expected a homeserver URL like "https://matrix.example.org" or a domain like "example.org", got the value of ${HS}');
  });

  it('reads process.env by default', async () => {
    process.env.VIGIE_TEST_HOMESERVER = 'example.org';
    try {
      const { config } = await parseConfig('matrix: { homeserver: "${VIGIE_TEST_HOMESERVER}" }\n', 'v.yaml');
      expect(config.matrix.homeserver).toBe('example.org');
    } finally {
      delete process.env.VIGIE_TEST_HOMESERVER;
    }
  });
});

describe('a secret never appears in an error message', () => {
  const SECRET = 'syt_dG9wc2VjcmV0_AbCdEf';
  it.each([
    ['a token of the wrong type', `${MATRIX}  accessToken: [${SECRET}]\n`, {}],
    ['a token that is a map', `${MATRIX}  accessToken: { value: ${SECRET} }\n`, {}],
    ['a token and a token file', `${MATRIX}  accessToken: ${SECRET}\n  accessTokenFile: ./t\n`, {}],
    ['a substituted token and a token file', `${MATRIX}  accessToken: \${TOKEN}\n  accessTokenFile: ./t\n`, { TOKEN: SECRET }],
    ['a token variable put in the wrong field', 'matrix:\n  homeserver: ${TOKEN}\n', { TOKEN: SECRET }],
    ['a token variable used as a room name', `${MATRIX}  accessToken: \${TOKEN}\nrooms: { ops: "!a:x.org" }\nroutes: [{ rooms: ["\${TOKEN}"] }]\n`, { TOKEN: SECRET }],
    ['a Kuma token of the wrong type', `${MATRIX}sources:\n  uptimeKuma:\n    - { name: k, token: [${SECRET}] }\n`, {}],
    ['a Kuma token and token file', `${MATRIX}sources:\n  uptimeKuma:\n    - { name: k, token: ${SECRET}, tokenFile: ./t }\n`, {}],
    ['a Kuma token used as a room', `${MATRIX}sources:\n  uptimeKuma:\n    - { name: k, token: ${SECRET}, rooms: [${SECRET}] }\n`, {}],
    ['a YAML error on the token line', `${MATRIX}  accessToken: ${SECRET}: x\n`, {}],
    ['a YAML error after the token', `${MATRIX}  accessToken: "${SECRET}\n`, {}],
  ])('%s', async (_, text, env) => {
    const error = await errorOf(text, env);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(SECRET.slice(4, 14));
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigie-load-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a file and resolves its paths against its folder', async () => {
    await writeFile(join(dir, 'vigie.yaml'), `${MATRIX}templates:\n  short: { file: short.liquid }\nstore: { path: state/v.db }\n`);
    await writeFile(join(dir, 'short.liquid'), '{{ name }} is {{ status }}\n');
    const loaded = await loadConfig(join(dir, 'vigie.yaml'), { env: {} });
    expect(loaded.path).toBe(join(dir, 'vigie.yaml'));
    expect(loaded.dir).toBe(dir);
    expect(loaded.config.templates).toEqual({ short: '{{ name }} is {{ status }}\n' });
    expect(loaded.config.store.path).toBe(join(dir, 'state/v.db'));
  });

  it('says where it looked and what to do when the file is missing', async () => {
    const missing = join(dir, 'nope.yaml');
    await expect(loadConfig(missing)).rejects.toThrow(
      `${missing}: there is no configuration file at ${missing}; give its path with --config, or start from a copy of vigie.example.yaml`,
    );
  });

  it('names the template file and the OS reason when a template file cannot be read', async () => {
    await writeFile(join(dir, 'bad-tpl.yaml'), `${MATRIX}templates:\n  seed:\n    file: ./missing.liquid\n`);
    const error: unknown = await loadConfig(join(dir, 'bad-tpl.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `${join(dir, 'bad-tpl.yaml')}:5: templates.seed.file: cannot read the template file ./missing.liquid: ENOENT: no such file or directory`,
    );
  });
});
