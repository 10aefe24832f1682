// Doctor's cross-signing facts, read from /keys/query and checked signature by signature as members' clients do.
import type { KeySharing } from '../crypto/room-encryption.js';
import { hasValidSignature, type SignedObject } from '../matrix/signed-json.js';
import type { Finding } from './report.js';

type KeysAnswer = Record<string, unknown>;

/** A cross-signing key's id and public key (its one ed25519 key), if the answer has a well-formed one. */
function crossSigningKey(answer: KeysAnswer, field: string, userId: string): { object: SignedObject; id: string; publicKey: string } | undefined {
  const object = (answer[field] as Record<string, SignedObject> | undefined)?.[userId];
  const keys = object?.keys as Record<string, unknown> | undefined;
  const [name, publicKey] = Object.entries(keys ?? {})[0] ?? [];
  if (!object || typeof name !== 'string' || !name.startsWith('ed25519:') || typeof publicKey !== 'string') return undefined;
  return { object, id: name.slice('ed25519:'.length), publicKey };
}

/** The user's published master key, and its self-signing key when the master key validly signed it. */
function identity(answer: KeysAnswer, userId: string) {
  const master = crossSigningKey(answer, 'master_keys', userId);
  const selfSigning = crossSigningKey(answer, 'self_signing_keys', userId);
  const trusted = master && selfSigning && hasValidSignature(selfSigning.object, userId, master.id, master.publicKey) ? selfSigning : undefined;
  return { master, selfSigning: trusted };
}

/** The devices of `userId` signed by the user's own cross-signing identity, every signature checked. */
export function ownerSignedDevices(answer: KeysAnswer, userId: string): Set<string> {
  const { selfSigning } = identity(answer, userId);
  const devices = (answer.device_keys as Record<string, Record<string, SignedObject>> | undefined)?.[userId] ?? {};
  const signed = new Set<string>();
  if (!selfSigning) return signed;
  for (const [deviceId, keys] of Object.entries(devices)) {
    if (hasValidSignature(keys, userId, selfSigning.id, selfSigning.publicKey)) signed.add(deviceId);
  }
  return signed;
}

/**
 * Whether the bot's device is cross-signed, from a /keys/query answer that includes the bot. It is a failure when
 * keys go only to cross-signed devices: the crypto library then refuses to send from an unsigned one.
 */
export function checkBotCrossSigning(answer: KeysAnswer, userId: string, deviceId: string | undefined, sharing: KeySharing): Finding {
  const problem = sharing === 'cross-signed' ? 'fail' : 'warn';
  const { master } = identity(answer, userId);
  const setUp = 'run `vigie login --cross-signing` (stop Vigie first; it keeps the keys in a recovery file) and use the token it writes';
  if (!master) {
    return {
      verdict: problem,
      text: `${userId} has no cross-signing identity: Element marks its encrypted alerts "encrypted by a device not verified by its owner", `
        + 'and clients set to trust only verified devices hide them',
      fix: setUp,
    };
  }
  if (deviceId !== undefined && ownerSignedDevices(answer, userId).has(deviceId)) {
    return { verdict: 'ok', text: `the bot's device ${deviceId} is cross-signed by ${userId} (master key ${master.publicKey})` };
  }
  return {
    verdict: problem,
    text: `${userId} has a cross-signing identity (master key ${master.publicKey}), but the bot's device ${deviceId ?? '(none)'} is not signed by it`,
    fix: 'run `vigie login --cross-signing --recovery-file <the file written when the identity was made>` (or --reset-cross-signing) and use the token it writes',
  };
}
