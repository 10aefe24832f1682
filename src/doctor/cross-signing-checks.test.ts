import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../matrix/signed-json.js';
import { checkBotCrossSigning, ownerSignedDevices } from './cross-signing-checks.js';

const BOT = '@vigie:example.org';

function keyPair(): { privateKey: KeyObject; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, pub: Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('base64').replace(/=+$/, '') };
}

function signed(object: Record<string, unknown>, by: { privateKey: KeyObject; pub: string }): Record<string, unknown> {
  const signature = sign(null, Buffer.from(canonicalJson(object)), by.privateKey).toString('base64').replace(/=+$/, '');
  return { ...object, signatures: { [BOT]: { [`ed25519:${by.pub}`]: signature } } };
}

/** A /keys/query answer: master signs the self-signing key, which signs DEVICE1 but not DEVICE2. */
function answer(options: { forgeDevice?: boolean; unsignedSelfSigning?: boolean } = {}) {
  const master = keyPair();
  const ssk = keyPair();
  const sskKey = { user_id: BOT, usage: ['self_signing'], keys: { [`ed25519:${ssk.pub}`]: ssk.pub } };
  const device = (id: string) => ({ user_id: BOT, device_id: id, algorithms: [], keys: { [`ed25519:${id}`]: 'x' } });
  const device1 = signed(device('DEVICE1'), ssk);
  if (options.forgeDevice) (device1.signatures as Record<string, Record<string, string>>)[BOT]![`ed25519:${ssk.pub}`] = 'A'.repeat(86);
  return {
    master_keys: { [BOT]: { user_id: BOT, usage: ['master'], keys: { [`ed25519:${master.pub}`]: master.pub } } },
    self_signing_keys: { [BOT]: options.unsignedSelfSigning ? sskKey : signed(sskKey, master) },
    device_keys: { [BOT]: { DEVICE1: device1, DEVICE2: device('DEVICE2') } },
  };
}

describe('cross-signing as doctor reads it', () => {
  it('counts a device as cross-signed only when every signature on the way checks out', () => {
    expect([...ownerSignedDevices(answer(), BOT)]).toEqual(['DEVICE1']);
    expect(ownerSignedDevices(answer({ forgeDevice: true }), BOT).size).toBe(0);
    expect(ownerSignedDevices(answer({ unsignedSelfSigning: true }), BOT).size).toBe(0);
    expect(ownerSignedDevices({}, BOT).size).toBe(0);
  });

  it('says whether the bot\'s device is signed, and makes it a failure when keys go only to signed devices', () => {
    expect(checkBotCrossSigning(answer(), BOT, 'DEVICE1', 'all').verdict).toBe('ok');
    const unsigned = checkBotCrossSigning(answer(), BOT, 'DEVICE2', 'all');
    expect(unsigned).toMatchObject({ verdict: 'warn', text: expect.stringContaining('the bot\'s device DEVICE2 is not signed by it') as string });
    expect(checkBotCrossSigning(answer(), BOT, 'DEVICE2', 'cross-signed').verdict).toBe('fail');
    expect(checkBotCrossSigning({}, BOT, 'DEVICE1', 'all').text).toContain('has no cross-signing identity');
  });
});
