// `vigie login --cross-signing`: the bot's device is signed by its own cross-signing identity, so a member whose client
// shows only messages from devices their owner verified (Element's "exclude insecure devices") reads Vigie's alerts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OnlySignedDevicesIsolationMode } from 'matrix-js-sdk/lib/crypto-api/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, writeConfig } from '../support/cli.js';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import { startJsSdkClient, type JsSdkClient } from '../support/js-sdk-client.js';

let hs: TestHomeserver;
const clients: JsSdkClient[] = [];

beforeEach(async () => {
  hs = await startHomeserver({ messageRateLimit: false, loginRateLimit: false });
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.stop();
  await hs.close();
});

const PASSWORD = 'bot password 1';
const PASSPHRASE = 'store-passphrase-not-to-be-printed';

/** A bot in an encrypted room with alice, and a Vigie configuration with encryption whose token `vigie login` writes. */
function setup() {
  const bot = hs.registerUser('vigie', PASSWORD);
  const alice = hs.registerUser('alice', 'alice-pw');
  const roomId = hs.createRoom({ creator: alice, join: [bot], encrypted: true, name: 'ops' });
  const config = writeConfig(`timezone: UTC
matrix: { homeserver: ${hs.url}, accessTokenFile: ./secrets/token, encryption: { storePassphraseFile: ./e2ee-key } }
rooms: { ops: "${roomId}" }
routes: [{ rooms: [ops], template: seed }]
store: { path: ./vigie.db }
`, { 'e2ee-key': PASSPHRASE });
  const dir = dirname(config);
  return { bot, alice, roomId, config, dir, tokenFile: join(dir, 'secrets', 'token'), recoveryFile: join(dir, 'secrets', 'cross-signing-keys.json') };
}

function login(config: string, tokenFile: string, ...extra: string[]) {
  return runCli(['login', '--homeserver', hs.url, '--user', 'vigie', '--password-stdin', '--token-file', tokenFile, '--config', config, ...extra],
    { stdin: `${PASSWORD}\n` });
}

async function member(userId: string, deviceId: string): Promise<JsSdkClient> {
  const client = await startJsSdkClient(hs.url, userId, deviceId, hs.issueToken(userId, deviceId));
  clients.push(client);
  return client;
}

/** Whether `viewer`'s client sees the device as signed by its owner's cross-signing identity (keys fetched anew). */
async function signedByOwner(viewer: JsSdkClient, userId: string, deviceId: string): Promise<boolean> {
  const crypto = viewer.client.getCrypto()!;
  await crypto.getUserDeviceInfo([userId], true);
  return (await crypto.getDeviceVerificationStatus(userId, deviceId))?.signedByOwner ?? false;
}

const masterKeyOf = (userId: string) => hs.masterKey(userId);
const botDevice = (out: string) => /device (\w+)\./.exec(out)?.[1] as string;

describe('vigie login --cross-signing', () => {
  it('signs the new device with a new identity, keeps the keys in a 0600 file, and alerts reach members who trust only signed devices', async () => {
    const { bot, alice, roomId, config, tokenFile, recoveryFile } = setup();
    const run = await login(config, tokenFile, '--cross-signing');
    expect(run.code, run.all).toBe(0);
    expect(run.all).toContain(`Cross-signing set up: master key ${masterKeyOf(bot)}`);
    expect(run.all).toContain(`Private cross-signing keys written to ${recoveryFile} (mode 0600)`);
    expect(statSync(recoveryFile).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(recoveryFile, 'utf8')) as Record<string, string>;
    expect(saved.userId).toBe(bot);
    for (const key of ['masterKey', 'selfSigningKey', 'userSigningKey']) expect(saved[key]).toMatch(/^[A-Za-z0-9+/]{43}$/);
    for (const secret of [PASSWORD, PASSPHRASE, readFileSync(tokenFile, 'utf8').trim(), saved.masterKey!, saved.selfSigningKey!]) {
      expect(run.all).not.toContain(secret);
    }

    const phone = await member(alice, 'ALICEPHONE');
    expect(await signedByOwner(phone, bot, botDevice(run.all))).toBe(true);
    phone.client.getCrypto()!.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
    const sent = await runCli(['send-test', '--config', config]);
    expect(sent.code, sent.all).toBe(0);
    const [event] = hs.messages(roomId);
    expect((await phone.decrypted(event!.event_id)).body).toContain('Service');
    const doctor = await runCli(['doctor', '--config', config]);
    expect(doctor.all).toContain(`✓ the bot's device ${botDevice(run.all)} is cross-signed by ${bot} (master key ${masterKeyOf(bot)})`);
  });

  it('without it, the same member\'s client refuses the alert as coming from an unsigned device', async () => {
    const { alice, roomId, config, tokenFile } = setup();
    expect((await login(config, tokenFile)).code).toBe(0);
    const phone = await member(alice, 'ALICEPHONE');
    phone.client.getCrypto()!.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
    expect((await runCli(['send-test', '--config', config])).code).toBe(0);
    const [event] = hs.messages(roomId);
    expect(await phone.attempt(event!.event_id)).toMatchObject({ failure: 'UNSIGNED_SENDER_DEVICE' });
    const doctor = await runCli(['doctor', '--config', config]);
    expect(doctor.all).toContain('! @vigie:localhost has no cross-signing identity: Element marks its encrypted alerts');
    expect(doctor.all).toContain('→ run `vigie login --cross-signing`');
  });

  it('signs a later device with the saved keys: the bot keeps one identity across logins', async () => {
    const { bot, alice, config, tokenFile, recoveryFile } = setup();
    expect((await login(config, tokenFile, '--cross-signing')).code).toBe(0);
    const master = masterKeyOf(bot);
    const before = readFileSync(recoveryFile, 'utf8');

    const again = await login(config, tokenFile, '--cross-signing');
    expect(again.code, again.all).toBe(0);
    expect(again.all).toContain(`Device signed with the cross-signing keys of ${recoveryFile}; master key ${master}.`);
    expect(masterKeyOf(bot)).toBe(master);
    expect(readFileSync(recoveryFile, 'utf8')).toBe(before);
    const phone = await member(alice, 'ALICEPHONE');
    expect(await signedByOwner(phone, bot, botDevice(again.all))).toBe(true);
  });

  it('refuses to replace an identity it has no keys for, unless told to, and leaves no device or token behind', async () => {
    const { bot, config, tokenFile, dir } = setup();
    expect((await login(config, tokenFile, '--cross-signing', '--recovery-file', join(dir, 'elsewhere.json'))).code).toBe(0);
    const master = masterKeyOf(bot);
    const otherToken = join(dir, 'other-token');
    const recoveryFile = join(dir, 'cross-signing-keys.json');

    const refused = await login(config, otherToken, '--cross-signing');
    expect(refused.code).toBe(1);
    expect(refused.all).toContain(`${bot} already has cross-signing keys (master key ${master})`);
    expect(refused.all).toMatch(/--recovery-file .* or pass --reset-cross-signing/);
    expect(refused.all).toContain('The new device was logged out and no token was written.');
    expect(existsSync(otherToken)).toBe(false);
    expect(existsSync(recoveryFile)).toBe(false);
    const device = botDevice(refused.all);
    expect(hs.requests.filter((r) => r.path.endsWith('/logout')).map((r) => r.status)).toEqual([200]);
    expect(hs.hasDeviceKeys(bot, device)).toBe(false);

    const reset = await login(config, otherToken, '--cross-signing', '--reset-cross-signing');
    expect(reset.code, reset.all).toBe(0);
    expect(reset.all).toContain('Cross-signing keys replaced');
    // First keys went up as they were; replacing them took the password (user-interactive auth).
    expect(hs.requests.filter((r) => r.path.endsWith('/keys/device_signing/upload')).map((r) => r.status)).toEqual([200, 401, 200]);
    expect(masterKeyOf(bot)).not.toBe(master);
    expect((JSON.parse(readFileSync(recoveryFile, 'utf8')) as { userId: string }).userId).toBe(bot);
  });

  it('says what the configuration lacks before logging in', async () => {
    hs.registerUser('vigie', PASSWORD);
    const config = writeConfig(`matrix: { homeserver: ${hs.url}, accessTokenFile: ./token }\nrooms: { ops: "!a:localhost" }\n`);
    const run = await login(config, join(dirname(config), 'token'), '--cross-signing');
    expect(run.code).toBe(1);
    expect(run.all).toContain(`set matrix.encryption.storePassphraseFile in ${config}`);
    expect(hs.requests.some((r) => r.path.endsWith('/login'))).toBe(false);
  });
});
