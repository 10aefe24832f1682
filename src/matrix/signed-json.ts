// Matrix's signed JSON: canonical JSON and ed25519 signatures, as the spec's "Signing JSON" appendix defines them.
import { createPublicKey, verify } from 'node:crypto';

/** A JSON object that may carry `signatures: { userId: { "ed25519:keyId": base64 } }`. */
export type SignedObject = Record<string, unknown> & { signatures?: Record<string, Record<string, string>> };

/** Canonical JSON: keys sorted by code point, no insignificant whitespace, UTF-8 as is. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    // UTF-8 byte order is code point order (UTF-16 order is not, past U+FFFF).
    entries.sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether `object` carries a valid signature by `signer`'s ed25519 key `keyId` whose public key is `publicKey` (unpadded base64). */
export function hasValidSignature(object: SignedObject, signer: string, keyId: string, publicKey: string): boolean {
  const signature = object.signatures?.[signer]?.[`ed25519:${keyId}`];
  if (typeof signature !== 'string') return false;
  const { signatures: _signatures, unsigned: _unsigned, ...signed } = object;
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey) }, format: 'jwk' });
    return verify(null, Buffer.from(canonicalJson(signed), 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    // A malformed key or signature is no valid signature.
    return false;
  }
}

function toBase64Url(unpadded: string): string {
  return unpadded.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
