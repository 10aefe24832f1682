import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import { startStaticServer, type StaticServer } from '../support/static-server.js';
import { runCli, tempDir } from '../support/cli.js';

describe('vigie login', () => {
  let hs: TestHomeserver;
  let web: StaticServer | undefined;
  beforeEach(async () => {
    hs = await startHomeserver({ loginRateLimit: false });
    hs.registerUser('bot-kuma', 'correct horse');
  });
  afterEach(async () => {
    await web?.close();
    web = undefined;
    await hs.close();
  });

  it('logs in with m.login.password and writes the token with mode 0600, never printing it', async () => {
    const tokenFile = join(tempDir(), 'secrets', 'matrix-token');
    const run = await runCli(['login', '--homeserver', hs.url, '--user', 'bot-kuma', '--password-stdin', '--token-file', tokenFile],
      { stdin: 'correct horse\n' });
    expect(run.code, run.all).toBe(0);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token).toMatch(/^syt_/);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(run.all).not.toContain(token);
    expect(run.all).not.toContain('correct horse');
    expect(run.all).toContain('@bot-kuma:localhost');
    expect(run.all).toContain(`homeserver: ${hs.url}`);
    const login = hs.requests.find((r) => r.path.endsWith('/login') && r.method === 'POST');
    expect(login?.status).toBe(200);
  });

  it('checks the token file can be written before logging in, so no session is left whose token nobody has', async () => {
    const blocker = join(tempDir(), 'not-a-folder');
    writeFileSync(blocker, '');
    const run = await runCli(['login', '--homeserver', hs.url, '--user', 'bot-kuma', '--password-stdin', '--token-file', join(blocker, 'token')],
      { stdin: 'correct horse\n' });
    expect(run.code).toBe(1);
    expect(run.err.join('\n')).toMatch(/cannot write the token to .*not-a-folder\/token: .*nothing was sent to the homeserver/);
    expect(hs.requests.filter((r) => r.path.endsWith('/login') && r.method === 'POST')).toEqual([]);
  });

  it('refuses --token-file with --print, and prints the token with a hint that names no file it did not write', async () => {
    const both = await runCli(['login', '--homeserver', hs.url, '--user', 'bot-kuma', '--password-stdin', '--print', '--token-file', join(tempDir(), 't')],
      { stdin: 'correct horse\n' });
    expect(both.code).toBe(1);
    expect(both.err.join('\n')).toContain('--token-file and --print: choose one');
    const printed = await runCli(['login', '--homeserver', hs.url, '--user', 'bot-kuma', '--password-stdin', '--print'], { stdin: 'correct horse\n' });
    expect(printed.code, printed.all).toBe(0);
    expect(printed.out[0]).toMatch(/^syt_/);
    expect(printed.err.join('\n')).toContain('accessTokenFile: <a file holding the token printed above>');
  });

  it('names the session with --device-name, else with the configuration\'s matrix.deviceName', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'vigie.yaml'), `matrix: { homeserver: ${hs.url}, accessTokenFile: ./token, deviceName: "Vigie prod" }\n`);
    const login = async (extra: string[]) => {
      const run = await runCli(['login', '--homeserver', hs.url, '--user', 'bot-kuma', '--password-stdin', '--print', ...extra], { stdin: 'correct horse\n' });
      expect(run.code, run.all).toBe(0);
      const device = /device (\S+)\./.exec(run.err.join('\n'))![1]!;
      return hs.deviceName('@bot-kuma:localhost', device);
    };
    expect(await login(['--config', join(dir, 'vigie.yaml')])).toBe('Vigie prod');
    expect(await login(['--config', join(dir, 'vigie.yaml'), '--device-name', 'Staging'])).toBe('Staging');
    expect(await login([])).toBe('Vigie');
  });

  it('finds the homeserver behind a web client URL (Element and its config.json)', async () => {
    web = await startStaticServer({
      '/': { body: '<!doctype html><html><head><title>Element</title></head><body></body></html>' },
      '/config.json': { body: { default_server_config: { 'm.homeserver': { base_url: hs.url, server_name: 'localhost' } } } },
    });
    const run = await runCli(['login', '--homeserver', `${web.url}/#/home`, '--user', '@bot-kuma:localhost', '--print'],
      { env: { VIGIE_PASSWORD: 'correct horse' } });
    expect(run.code, run.all).toBe(0);
    expect(run.out).toHaveLength(1);
    expect(run.out[0]).toMatch(/^syt_/);
    expect(run.err.join('\n')).toContain(`Homeserver: ${hs.url}`);
    expect(run.err.join('\n')).toContain('web client');
  });

  it('explains a wrong password without echoing it', async () => {
    const run = await runCli(['login', '--homeserver', hs.url, '--user', 'bot-kuma', '--print'], { env: { VIGIE_PASSWORD: 'hunter2-wrong' } });
    expect(run.code).toBe(1);
    expect(run.err.join('\n')).toMatch(/refused the user name or password for "bot-kuma"/);
    expect(run.all).not.toContain('hunter2-wrong');
  });

  it('refuses to run without a password when nobody is at the terminal', async () => {
    const run = await runCli(['login', '--homeserver', hs.url, '--user', 'bot-kuma', '--print']);
    expect(run.code).toBe(1);
    expect(run.err.join('\n')).toMatch(/no password: .*--password-file/);
  });

  it('says what a web client without a homeserver is', async () => {
    web = await startStaticServer({ '/': { body: '<!doctype html><html><title>Element</title></html>' } });
    const run = await runCli(['login', '--homeserver', web.url, '--user', 'bot-kuma', '--print'], { env: { VIGIE_PASSWORD: 'x' } });
    expect(run.code).toBe(1);
    expect(run.err.join('\n')).toMatch(/web client/i);
  });
});
