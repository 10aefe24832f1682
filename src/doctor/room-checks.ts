// Doctor's checks of one room: it resolves, the bot is in it, may post, and whether it is encrypted.
import type { MatrixClient } from '../matrix/client.js';
import { MatrixError } from '../matrix/errors.js';
import { roomCreators, sendPermission, type PowerLevels } from '../matrix/power-levels.js';
import { MEGOLM } from '../crypto/room-encryption.js';
import type { KeySharing } from '../crypto/room-encryption.js';
import { checkEncryptedRoom } from './encryption-checks.js';
import type { Finding } from './report.js';

/** What doctor knows of the bot when it checks rooms. */
export interface BotContext {
  client: MatrixClient;
  userId: string;
  joined: ReadonlySet<string>;
  invited: ReadonlySet<string>;
  /** Accept invites (`--fix`). */
  fix: boolean;
  /** The bot's device (whoami), whose keys encrypted rooms need. */
  deviceId: string | undefined;
  /** Whether Vigie can encrypt (matrix.encryption enabled, with a store passphrase). */
  canEncrypt: boolean;
  /** Which member devices get room keys (matrix.encryption.devices). */
  sharing: KeySharing;
  /** Room ids and short names allowed plaintext when Vigie cannot encrypt. */
  plaintextRooms: ReadonlySet<string>;
}

/** Checks one configured room; returns its findings in order. */
export async function checkRoom(name: string, ref: string, bot: BotContext): Promise<Finding[]> {
  const label = ref === name ? ref : `room "${name}" (${ref})`;
  const findings: Finding[] = [];
  let roomId = ref;
  if (ref.startsWith('#')) {
    try {
      roomId = (await bot.client.resolveAlias(ref)).roomId;
      findings.push({ verdict: 'ok', text: `${label}: alias resolves to ${roomId}` });
    } catch (error) {
      findings.push({ verdict: 'fail', text: `${label}: the alias does not resolve (${describe(error)})`, fix: 'check the alias in Element (Room settings > General > Published addresses), or use the room id from Room settings > Advanced' });
      return findings;
    }
  }
  const membership = await ensureMembership(label, roomId, bot);
  findings.push(membership.finding);
  if (!membership.joined) return findings;
  const upgraded = await upgradeFinding(name, label, roomId, bot);
  if (upgraded) return [...findings, upgraded];
  findings.push(...(await checkPowerAndEncryption(label, roomId, bot)));
  return findings;
}

async function ensureMembership(label: string, roomId: string, bot: BotContext): Promise<{ joined: boolean; finding: Finding }> {
  if (bot.joined.has(roomId)) return { joined: true, finding: { verdict: 'ok', text: `${label}: ${bot.userId} is a member` } };
  if (bot.invited.has(roomId)) {
    if (!bot.fix) return { joined: false, finding: { verdict: 'fail', text: `${label}: ${bot.userId} is invited but has not joined`, fix: 'run `vigie doctor --fix` to accept the invite' } };
    try {
      await bot.client.joinRoom(roomId);
      return { joined: true, finding: { verdict: 'ok', text: `${label}: invite accepted, ${bot.userId} joined` } };
    } catch (error) {
      return { joined: false, finding: { verdict: 'fail', text: `${label}: could not accept the invite (${describe(error)})`, fix: 'invite the bot again from the room' } };
    }
  }
  return {
    joined: false,
    finding: { verdict: 'fail', text: `${label}: ${bot.userId} is not in the room`, fix: `invite ${bot.userId} (in Element: Room info > People > Invite), then run \`vigie doctor --fix\`` },
  };
}

/**
 * An upgraded room (m.room.tombstone) is closed: its server raises the levels needed to post there, and nobody reads
 * it any more. The fix is the new room, whatever the old one's power levels say.
 */
async function upgradeFinding(name: string, label: string, roomId: string, bot: BotContext): Promise<Finding | undefined> {
  let tombstone: { replacement_room?: unknown } | null;
  try {
    tombstone = await bot.client.getStateEvent<{ replacement_room?: unknown }>(roomId, 'm.room.tombstone');
  } catch {
    return undefined; // Unreadable: the checks that follow say what is wrong.
  }
  if (!tombstone) return undefined;
  const next = typeof tombstone.replacement_room === 'string' ? tombstone.replacement_room : undefined;
  return {
    verdict: 'fail', text: `${label}: the room was upgraded${next ? ` to ${next}` : ''}, and alerts posted here would go unread`,
    fix: next ? `set rooms.${name}: "${next}" and invite ${bot.userId} there` : `set rooms.${name} to the room that replaced it`,
  };
}

async function checkPowerAndEncryption(label: string, roomId: string, bot: BotContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  try {
    const levels = await bot.client.getStateEvent<PowerLevels>(roomId, 'm.room.power_levels');
    const creators = roomCreators(await bot.client.getStateEvent(roomId, 'm.room.create', '', { format: 'event' }));
    const perm = sendPermission(levels, bot.userId, 'm.room.message', creators);
    const level = perm.userLevel === Infinity ? 'creator' : `level ${perm.userLevel}`;
    findings.push(perm.allowed
      ? { verdict: 'ok', text: `${label}: the bot may send messages (${level} ≥ ${perm.requiredLevel})` }
      : { verdict: 'fail', text: `${label}: the bot may not send messages (its level ${perm.userLevel} < ${perm.requiredLevel} needed)`, fix: `raise ${bot.userId} to ${perm.requiredLevel} or lower "Send messages" (Element: Room settings > Roles & Permissions)` });
    const encryption = await bot.client.getStateEvent<{ algorithm?: string }>(roomId, 'm.room.encryption');
    if (encryption) {
      const finding = encryptionFinding(label, roomId, encryption.algorithm, bot);
      findings.push(finding);
      if (finding.verdict === 'ok') findings.push(...(await checkEncryptedRoom(bot.client, label, roomId, bot)));
    } else {
      findings.push({ verdict: 'ok', text: `${label}: not encrypted` });
    }
  } catch (error) {
    findings.push({ verdict: 'fail', text: `${label}: cannot read the room's state (${describe(error)})` });
  }
  return findings;
}

function encryptionFinding(label: string, roomId: string, algorithm: string | undefined, bot: BotContext): Finding {
  if (algorithm !== MEGOLM) {
    return { verdict: 'fail', text: `${label}: encrypted with "${algorithm ?? 'no algorithm'}", which Vigie cannot encrypt with (only ${MEGOLM})`, fix: 'use a room encrypted with Megolm (any room Element creates)' };
  }
  if (bot.canEncrypt) return { verdict: 'ok', text: `${label}: end-to-end encrypted; Vigie encrypts its alerts here` };
  if (bot.plaintextRooms.has(roomId)) {
    return { verdict: 'warn', text: `${label}: end-to-end encrypted, and Vigie will send in clear (listed in matrix.encryption.plaintextRooms)`, fix: 'set matrix.encryption.storePassphraseFile so Vigie encrypts instead' };
  }
  return {
    verdict: 'fail', text: `${label}: end-to-end encrypted, and Vigie's encryption is not configured: its alerts would wait in the outbox`,
    fix: 'create a passphrase (openssl rand -hex 32 > secrets/e2ee-key; chmod 600) and set matrix.encryption.storePassphraseFile: ./secrets/e2ee-key',
  };
}

function describe(error: unknown): string {
  if (error instanceof MatrixError) return `${error.errcode}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
