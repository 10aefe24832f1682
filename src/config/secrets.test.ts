import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { ConfigError } from './errors.js';
import { loadConfig, parseConfig } from './load.js';
import { requireAccessToken } from './secrets.js';

const SECRET = 'syt_Ym90_QmVzdFNlY3JldA_1a2b3c';
const runningAsRoot = process.getuid?.() === 0;

describe('…File secrets', () => {
  let dir: string;
  const yaml = (matrixLines: string, extra = '') =>
    `matrix:\n  homeserver: https://matrix.example.org\n${matrixLines}${extra}`;
  const load = async (text: string) => {
    await writeFile(join(dir, 'vigie.yaml'), text);
    return loadConfig(join(dir, 'vigie.yaml'), { env: {} });
  };
  const failure = async (text: string): Promise<ConfigError> => {
    const error: unknown = await load(text).then(() => undefined, (e: unknown) => e);
    if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
    return error;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigie-secrets-'));
    await mkdir(join(dir, 'secrets'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the token relative to the config file, trimmed of spaces and newlines', async () => {
    await writeFile(join(dir, 'secrets', 'matrix-token'), `  ${SECRET}\r\n\n`, { mode: 0o600 });
    const { config, warnings } = await load(yaml('  accessTokenFile: ./secrets/matrix-token\n'));
    expect(config.matrix.accessToken).toBe(SECRET);
    expect(config.matrix.accessTokenFile).toBe('./secrets/matrix-token');
    expect(warnings).toEqual([]);
    expect(requireAccessToken(config)).toBe(SECRET);
  });

  it('requireAccessToken names the loaded file when the token is absent', async () => {
    const loaded = await load(yaml(''));
    expect(() => requireAccessToken(loaded)).toThrow(`${join(dir, 'vigie.yaml')}: matrix.accessToken: no Matrix access token`);
  });

  it('reads a Kuma source token from its file', async () => {
    await writeFile(join(dir, 'secrets', 'kuma-token'), 'k-123\n', { mode: 0o600 });
    const { config } = await load(yaml('', 'sources:\n  uptimeKuma:\n    - { name: kuma, tokenFile: secrets/kuma-token }\n'));
    expect(config.sources.uptimeKuma[0]?.token).toBe('k-123');
  });

  it('warns, naming the file but not its content, when every user may read the secret', async () => {
    await writeFile(join(dir, 'secrets', 'open-token'), SECRET);
    await chmod(join(dir, 'secrets', 'open-token'), 0o644);
    const { warnings } = await load(yaml('  accessTokenFile: ./secrets/open-token\n'));
    expect(warnings).toEqual([
      `${join(dir, 'vigie.yaml')}:3: matrix.accessTokenFile: the secret file ./secrets/open-token can be read by every user of this machine; ` +
      `restrict it with chmod 600 ${join(dir, 'secrets', 'open-token')}`,
    ]);
  });

  it.each([
    ['a missing file', undefined, './secrets/nope', 'cannot read the secret file ./secrets/nope: ENOENT: no such file or directory'],
    ['a directory', undefined, './secrets', 'cannot read the secret file ./secrets: EISDIR'],
    ['an empty file', ' \n', './secrets/empty', 'is empty; put the secret in it'],
    ['a file of several lines', `${SECRET}\nsecond line\n`, './secrets/two-lines', 'holds more than one word; it must hold only the secret'],
  ])('%s is a ConfigError at the field\'s line that never shows the content', async (_, content, name, message) => {
    if (content !== undefined) await writeFile(join(dir, name), content, { mode: 0o600 });
    const error = await failure(yaml(`  accessTokenFile: ${name}\n`));
    expect(error.line).toBe(3);
    expect(error.field).toBe('matrix.accessTokenFile');
    expect(error.message).toContain(message);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('second line');
  });

  it.skipIf(runningAsRoot)('an unreadable file gives the OS reason (permission denied)', async () => {
    await writeFile(join(dir, 'secrets', 'locked'), SECRET, { mode: 0o000 });
    const error = await failure(yaml('  accessTokenFile: ./secrets/locked\n'));
    expect(error.message).toContain('cannot read the secret file ./secrets/locked: EACCES: permission denied');
  });

  it('a Kuma token file that is missing names the source\'s field', async () => {
    const error = await failure(yaml('', 'sources:\n  uptimeKuma:\n    - name: kuma\n      tokenFile: ./secrets/missing-kuma\n'));
    expect(error.message).toMatch(/:6: sources\.uptimeKuma\[0\]\.tokenFile: cannot read the secret file \.\/secrets\/missing-kuma: ENOENT/);
  });
});

describe('empty secrets mean "not set"', () => {
  const text = 'matrix:\n  homeserver: example.org\n  accessToken: ${VIGIE_MATRIX_TOKEN:-}\n' +
    'sources:\n  uptimeKuma:\n    - { name: kuma, token: "${VIGIE_KUMA_TOKEN:-}" }\n';

  it('loads without the variables; the daemon then asks for a token and the source is refused', async () => {
    const { config, warnings } = await parseConfig(text, 'vigie.yaml', { env: {} });
    expect(config.matrix.accessToken).toBeUndefined();
    expect(config.sources.uptimeKuma[0]?.token).toBeUndefined();
    expect(warnings).toEqual([
      'vigie.yaml:6: sources.uptimeKuma[0].token: source \'kuma\' has an empty token, so Vigie refuses its alerts; set its variable or use tokenFile',
    ]);
    expect(() => requireAccessToken(config, 'vigie.yaml')).toThrow(
      'vigie.yaml: matrix.accessToken: no Matrix access token: set matrix.accessTokenFile to a file holding it, or matrix.accessToken to ${VIGIE_MATRIX_TOKEN}',
    );
  });

  it('uses the variables when they are set', async () => {
    const { config, warnings } = await parseConfig(text, 'vigie.yaml', { env: { VIGIE_MATRIX_TOKEN: SECRET, VIGIE_KUMA_TOKEN: 'k' } });
    expect(requireAccessToken(config)).toBe(SECRET);
    expect(config.sources.uptimeKuma[0]?.token).toBe('k');
    expect(warnings).toEqual([]);
  });
});

describe('secrets written in the file or taken from the environment', () => {
  const text = (token: string) => `matrix:\n  homeserver: example.org\n  accessToken: ${token}\n` +
    'sources:\n  uptimeKuma:\n    - name: kuma\n      token: ${KUMA}\n';

  it('are trimmed, and a numeric one stays text', async () => {
    const { config } = await parseConfig(text('${TOKEN}'), 'vigie.yaml', { env: { TOKEN: `${SECRET}\n`, KUMA: '123456789012' } });
    expect(config.matrix.accessToken).toBe(SECRET);
    expect(config.sources.uptimeKuma[0]?.token).toBe('123456789012');
  });

  it('refuse a shell-style $NAME, which YAML keeps as text, saying how to write it', async () => {
    const error: unknown = await parseConfig(text('$VIGIE_MATRIX_TOKEN'), 'vigie.yaml', { env: { KUMA: 'k' } }).catch((e: unknown) => e);
    expect(String(error)).toContain('vigie.yaml:3: matrix.accessToken: YAML does not read $NAME from the environment: write ${VIGIE_MATRIX_TOKEN}');
  });

  it('refuse a passphrase written as $NAME without repeating it (it may be the passphrase itself)', async () => {
    const text = 'matrix:\n  homeserver: example.org\n  encryption:\n    storePassphrase: $Hunter2\n';
    const error: unknown = await parseConfig(text, 'vigie.yaml', { env: {} }).catch((e: unknown) => e);
    expect(String(error)).toContain('matrix.encryption.storePassphrase: YAML does not read $NAME from the environment: write ${NAME} to read a variable, or use storePassphraseFile');
    expect(String(error)).not.toContain('Hunter2');
  });

  it('refuse a token with a space inside, without quoting it', async () => {
    const error: unknown = await parseConfig(text('${TOKEN}'), 'vigie.yaml', { env: { TOKEN: `${SECRET} x`, KUMA: 'k' } }).catch((e: unknown) => e);
    expect(String(error)).toContain('matrix.accessToken: the secret holds spaces inside it');
    expect(String(error)).not.toContain(SECRET);
  });
});
