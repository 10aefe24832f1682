// Doctor's encryption facts for an encrypted room: the bot's device keys are published, and who would read the alert.
import type { KeySharing } from '../crypto/room-encryption.js';
import type { MatrixClient } from '../matrix/client.js';
import { ownerSignedDevices } from './cross-signing-checks.js';
import type { Finding } from './report.js';

/** The bot's own device, as `whoami` named it. */
export interface BotDevice {
  userId: string;
  deviceId: string | undefined;
  /** Which member devices get room keys (matrix.encryption.devices). */
  sharing: KeySharing;
}

/** One `/keys/query` for the bot and the room's members: the bot's keys, and the devices the next alert would reach. */
export async function checkEncryptedRoom(client: MatrixClient, label: string, roomId: string, bot: BotDevice): Promise<Finding[]> {
  const members = await client.joinedMembers(roomId);
  const users = [...new Set([...members, bot.userId])];
  const answer = await client.keysQuery({ device_keys: Object.fromEntries(users.map((u) => [u, []])) });
  const devices = (answer.device_keys ?? {}) as Record<string, Record<string, unknown>>;
  const findings: Finding[] = [];
  const own = bot.deviceId === undefined ? undefined : devices[bot.userId]?.[bot.deviceId];
  findings.push(own
    ? { verdict: 'ok', text: `${label}: the bot's device ${bot.deviceId} has published its encryption keys` }
    : { verdict: 'info', text: `${label}: the bot's device ${bot.deviceId ?? '(none)'} has not published encryption keys yet; Vigie does it before its first encrypted alert` });
  const others = members.filter((m) => m !== bot.userId);
  const all = others.reduce((n, m) => n + Object.keys(devices[m] ?? {}).length, 0);
  if (bot.sharing === 'all') {
    findings.push(all > 0
      ? { verdict: 'ok', text: `${label}: the next alert would be encrypted for ${all} device(s) of ${others.length} member(s)` }
      : { verdict: 'warn', text: `${label}: no member has a device with encryption keys; nobody could read an encrypted alert`, fix: 'log in to the room with Element (or another client with encryption) once' });
    return findings;
  }
  const signed = others.reduce((n, m) => n + ownerSignedDevices(answer, m).size, 0);
  findings.push(signed > 0
    ? { verdict: 'ok', text: `${label}: the next alert would be encrypted for ${signed} cross-signed device(s) of ${others.length} member(s) (${all - signed} other device(s) left out, as matrix.encryption.devices says)` }
    : { verdict: 'warn', text: `${label}: no member device is cross-signed by its owner (${all} device(s) in all), and matrix.encryption.devices is cross-signed: nobody could read an encrypted alert`, fix: 'members verify their devices in Element (Settings > Sessions), or set matrix.encryption.devices: all' });
  return findings;
}
