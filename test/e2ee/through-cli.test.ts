// The configured path into an encrypted room: vigie.yaml with matrix.encryption, `vigie send-test`, and a member's
// matrix-js-sdk client that decrypts the alert; without a passphrase the alert waits and nothing goes out in clear.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, writeConfig } from '../support/cli.js';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import { startJsSdkClient, type JsSdkClient } from '../support/js-sdk-client.js';

let hs: TestHomeserver;
let alice: JsSdkClient | undefined;

beforeEach(async () => {
  hs = await startHomeserver({ messageRateLimit: false });
});
afterEach(async () => {
  alice?.stop();
  alice = undefined;
  await hs.close();
});

function setup(encryption: string) {
  const bot = hs.registerUser('vigie', 'bot-pw');
  const aliceId = hs.registerUser('alice', 'alice-pw');
  const roomId = hs.createRoom({ creator: aliceId, join: [bot], encrypted: true, name: 'ops' });
  const yaml = `timezone: Europe/Paris
matrix: { homeserver: ${hs.url}, accessTokenFile: ./token${encryption} }
rooms: { ops: "${roomId}" }
routes: [{ rooms: [ops], template: seed }]
store: { path: ./vigie.db }
`;
  const path = writeConfig(yaml, { token: hs.issueToken(bot, 'VIGIEDEV'), 'e2ee-key': 'correct-horse-battery-staple' });
  return { aliceId, roomId, path };
}

describe('vigie send-test into an encrypted room', () => {
  it('encrypts the alert, and a member\'s own client decrypts it', async () => {
    const { aliceId, roomId, path } = setup(', encryption: { storePassphraseFile: ./e2ee-key }');
    alice = await startJsSdkClient(hs.url, aliceId, 'ALICEPHONE', hs.issueToken(aliceId, 'ALICEPHONE'));
    const run = await runCli(['send-test', '--config', path]);
    expect(run.code, run.all).toBe(0);
    const [event] = hs.messages(roomId);
    expect(event!.type).toBe('m.room.encrypted');
    expect(JSON.stringify(event!.content)).not.toContain('SERVICE');
    const content = await alice.decrypted(event!.event_id);
    expect(content.body).toContain('🖥️ Service : Monitor Name not available');
    expect(run.all).not.toContain('correct-horse-battery-staple');

    const doctor = await runCli(['doctor', '--config', path]);
    expect(doctor.all).toContain('the bot\'s device VIGIEDEV has published its encryption keys');
    expect(doctor.all).toContain('the next alert would be encrypted for 1 device(s) of 1 member(s)');
    expect(doctor.code, doctor.all).toBe(0);
  });

  it('keeps the alert queued, never in clear, when encryption is not configured', async () => {
    const { roomId, path } = setup('');
    const run = await runCli(['send-test', '--config', path]);
    expect(run.code).toBe(1);
    expect(run.out[0]).toMatch(/not delivered: room .* is encrypted and Vigie's encryption is not configured: set matrix.encryption.storePassphraseFile/);
    expect(hs.messages(roomId)).toHaveLength(0);
  });
});
