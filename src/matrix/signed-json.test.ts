import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, hasValidSignature } from './signed-json.js';

// The spec's "Signing JSON" example: the key with seed YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1, id ed25519:1.
const SPEC_PUBLIC_KEY = 'XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI';

describe('canonicalJson', () => {
  it('sorts keys by code point at every depth, without whitespace, keeping UTF-8 as is', () => {
    expect(canonicalJson({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}');
    expect(canonicalJson({ auth: { success: true, mxid: '@john.doe:example.com', profile: { display_name: 'John Doe', three_pids: [{ medium: 'email', address: 'john.doe@example.org' }] } } }))
      .toBe('{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"}]},"success":true}}');
    expect(canonicalJson({ a: '日本語' })).toBe('{"a":"日本語"}');
    expect(canonicalJson({ 本: 2, 日: 1 })).toBe('{"日":1,"本":2}');
    // U+1F600 sorts after U+FFFD by code point, though its first UTF-16 unit is smaller.
    expect(canonicalJson({ '😀': 1, '\uFFFD': 2 })).toBe('{"\uFFFD":2,"😀":1}');
    expect(canonicalJson({ a: null })).toBe('{"a":null}');
  });
});

describe('hasValidSignature', () => {
  it('accepts the spec\'s signed examples and refuses them once changed', () => {
    const empty = { signatures: { domain: { 'ed25519:1': 'K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ' } } };
    expect(hasValidSignature(empty, 'domain', '1', SPEC_PUBLIC_KEY)).toBe(true);
    const twoFields = { one: 1, two: 'Two', unsigned: { age_ts: 1 }, signatures: { domain: { 'ed25519:1': 'KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw' } } };
    expect(hasValidSignature(twoFields, 'domain', '1', SPEC_PUBLIC_KEY)).toBe(true);
    expect(hasValidSignature({ ...twoFields, two: 'two' }, 'domain', '1', SPEC_PUBLIC_KEY)).toBe(false);
    expect(hasValidSignature(twoFields, 'other', '1', SPEC_PUBLIC_KEY)).toBe(false);
    expect(hasValidSignature(twoFields, 'domain', '1', 'not a key')).toBe(false);
  });

  it('checks a signature made by another key against the right public key only', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('base64').replace(/=+$/, '');
    const object = { user_id: '@bot:x', keys: { 'ed25519:DEV': 'abc' } };
    const signature = sign(null, Buffer.from(canonicalJson(object)), privateKey).toString('base64').replace(/=+$/, '');
    const signed = { ...object, signatures: { '@bot:x': { 'ed25519:SSK': signature } } };
    expect(hasValidSignature(signed, '@bot:x', 'SSK', pub)).toBe(true);
    expect(hasValidSignature(signed, '@bot:x', 'SSK', SPEC_PUBLIC_KEY)).toBe(false);
  });
});
