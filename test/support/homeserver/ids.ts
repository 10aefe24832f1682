// Identifiers shaped like Synapse's: room ids, event ids, device ids and access tokens.
import { randomBytes } from 'node:crypto';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** `!<18 letters>:<server>`, as Synapse makes them. */
export function newRoomId(serverName: string): string {
  return `!${randomFrom(LETTERS + LETTERS.toLowerCase(), 18)}:${serverName}`;
}

/** `$<43 url-safe base64 chars>`: room versions 4+ use the event's hash, with no server name. */
export function newEventId(): string {
  return `$${randomBytes(32).toString('base64url')}`;
}

/** Ten upper-case letters, like Synapse's generated device ids. */
export function newDeviceId(): string {
  return randomFrom(LETTERS, 10);
}

/** `syt_<base64 localpart>_<random>_<check>`, Synapse's access token format. */
export function newAccessToken(localpart: string): string {
  return `syt_${Buffer.from(localpart).toString('base64url')}_${randomFrom(ALNUM, 20)}_${randomFrom(ALNUM, 6)}`;
}
