// `vigie doctor`'s checks in order: the homeserver, the token, then every configured room.
import type { Config } from '../config/schema.js';
import type { KeySharing } from '../crypto/room-encryption.js';
import { MatrixClient } from '../matrix/client.js';
import { discoverHomeserver } from '../matrix/discovery.js';
import { MatrixError } from '../matrix/errors.js';
import { checkBotCrossSigning } from './cross-signing-checks.js';
import { checkRateLimit } from './rate-limit.js';
import type { Finding } from './report.js';
import { checkRoom } from './room-checks.js';

/** Options of a doctor run. */
export interface DoctorOptions {
  /** Accept pending invites to configured rooms. */
  fix: boolean;
  /** Where each finding goes as soon as it is known. */
  report(finding: Finding): void;
}

/** Runs every check; returns whether none failed. */
export async function runDoctor(config: Config, options: DoctorOptions): Promise<boolean> {
  let failed = false;
  const report = (finding: Finding) => {
    if (finding.verdict === 'fail') failed = true;
    options.report(finding);
  };
  const baseUrl = await checkHomeserver(config.matrix.homeserver, report);
  if (!baseUrl) return false;
  const token = config.matrix.accessToken;
  if (!token) {
    report({ verdict: 'fail', text: 'no access token configured', fix: 'run `vigie login --token-file ./secrets/matrix-token` and set matrix.accessTokenFile to that file' });
    return false;
  }
  const client = new MatrixClient({ baseUrl, accessToken: token, timeoutMs: config.matrix.requestTimeout });
  const me = await checkToken(client, report);
  if (!me) return false;
  const { userId } = me;

  let joined: string[];
  try {
    joined = await client.joinedRooms();
  } catch (error) {
    // The token was just accepted, so this is the server struggling (a restart, a rate limit): say so, not crash.
    report({ verdict: 'fail', text: `cannot list the rooms ${userId} is in: ${(error as Error).message}`, fix: 'run doctor again in a moment; if it persists, look at the homeserver\'s logs' });
    return false;
  }
  const invited = await client.invitedRooms().catch(() => []);
  const { enabled, storePassphrase, plaintextRooms, devices } = config.matrix.encryption;
  const bot = {
    client, userId, deviceId: me.deviceId, joined: new Set(joined), invited: new Set(invited), fix: options.fix,
    canEncrypt: enabled && storePassphrase !== undefined, sharing: devices,
    plaintextRooms: new Set(plaintextRooms.map((name) => config.rooms[name] ?? name)),
  };
  const rooms = Object.entries(config.rooms);
  if (rooms.length === 0) report({ verdict: 'fail', text: 'no rooms configured', fix: 'add a room under rooms: (its id is in Element: Room settings > Advanced)' });
  if (bot.canEncrypt) report(await crossSigningFinding(client, userId, me.deviceId, devices));
  for (const [name, ref] of rooms) (await checkRoom(name, ref, bot)).forEach(report);
  report(await checkRateLimit(client, userId));
  return !failed;
}

async function crossSigningFinding(client: MatrixClient, userId: string, deviceId: string | undefined, sharing: KeySharing): Promise<Finding> {
  try {
    return checkBotCrossSigning(await client.keysQuery({ device_keys: { [userId]: [] } }), userId, deviceId, sharing);
  } catch (error) {
    return { verdict: 'warn', text: `cannot read ${userId}'s cross-signing keys: ${(error as Error).message}` };
  }
}

async function checkHomeserver(input: string, report: (f: Finding) => void): Promise<string | undefined> {
  const isUrl = /^https?:\/\//i.test(input);
  if (isUrl) {
    try {
      const { versions } = await new MatrixClient({ baseUrl: input }).versions();
      report({ verdict: 'ok', text: `${input} is a Matrix homeserver (spec versions ${versions[0] ?? '?'} to ${versions.at(-1) ?? '?'})` });
      return input.replace(/\/+$/, '');
    } catch {
      // Not a homeserver itself: maybe a domain or a web client in front of one; discovery says which.
    }
  }
  try {
    const found = await discoverHomeserver(input, { guess: true });
    if (found.how === 'guess') {
      // Maybe not the user's server: named, never sent the token.
      report({ verdict: 'fail', text: `${input} is not a homeserver and names none; one answers at ${found.baseUrl}`, fix: `if it is yours, set matrix.homeserver: ${found.baseUrl}` });
      return undefined;
    }
    if (isUrl) {
      report({ verdict: 'fail', text: `${input} is not a homeserver's API; the homeserver behind it is ${found.baseUrl}`, fix: `set matrix.homeserver: ${found.baseUrl}` });
    } else {
      report({ verdict: 'ok', text: `${input} → homeserver ${found.baseUrl} (${found.how})` });
    }
    return found.baseUrl;
  } catch (error) {
    report({ verdict: 'fail', text: `no Matrix homeserver found at ${input}: ${(error as Error).message}`, fix: 'set matrix.homeserver to your homeserver\'s URL, e.g. https://matrix.example.org' });
    return undefined;
  }
}

async function checkToken(client: MatrixClient, report: (f: Finding) => void): Promise<{ userId: string; deviceId?: string } | undefined> {
  try {
    const me = await client.whoami();
    report({ verdict: 'ok', text: `the access token is valid: ${me.userId}${me.deviceId ? ` (device ${me.deviceId})` : ''}` });
    return me;
  } catch (error) {
    if (error instanceof MatrixError && (error.errcode === 'M_UNKNOWN_TOKEN' || error.errcode === 'M_MISSING_TOKEN')) {
      report({ verdict: 'fail', text: `the homeserver refused the access token (${error.errcode}): it was revoked, or belongs to another server`, fix: 'run `vigie login` to get a new one' });
    } else {
      report({ verdict: 'fail', text: `cannot check the access token: ${(error as Error).message}` });
    }
    return undefined;
  }
}
