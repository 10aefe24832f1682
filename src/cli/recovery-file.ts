// The cross-signing recovery file: the bot's private cross-signing keys, JSON, mode 0600, written by `vigie login`.
import { readFileSync } from 'node:fs';
import type { CrossSigningKeys } from '../crypto/cross-signing.js';
import { CliError } from './errors.js';
import { writeSecretFile } from './secret-file.js';

/** What the file holds: whose keys, the keys, and a line for whoever opens it. */
interface RecoveryFile extends CrossSigningKeys {
  about: string;
  userId: string;
  createdAt: string;
}

/** Writes the keys of `userId` to `path` (mode 0600, replaced atomically). */
export function writeRecoveryFile(path: string, userId: string, keys: CrossSigningKeys, now = new Date()): void {
  const file: RecoveryFile = {
    about: `Vigie's cross-signing keys for ${userId}: whoever holds them can sign devices as this bot. Keep this file secret and `
      + 'backed up; `vigie login --cross-signing --recovery-file <this file>` signs a new device of the bot with them.',
    userId,
    masterKey: keys.masterKey,
    selfSigningKey: keys.selfSigningKey,
    userSigningKey: keys.userSigningKey,
    createdAt: now.toISOString(),
  };
  writeSecretFile(path, JSON.stringify(file, null, 2));
}

/** The keys saved in `path` and whose they are, or undefined when there is no file; an unreadable file is an error. */
export function readRecoveryFile(path: string): { userId: string; keys: CrossSigningKeys } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read the recovery file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let file: Partial<RecoveryFile>;
  try {
    file = JSON.parse(text) as Partial<RecoveryFile>;
  } catch {
    throw new CliError(`${path} is not a recovery file written by vigie login (it is not JSON); give another --recovery-file`);
  }
  const { masterKey, selfSigningKey, userSigningKey } = file;
  if (typeof masterKey !== 'string' || typeof selfSigningKey !== 'string' || typeof userSigningKey !== 'string') {
    throw new CliError(`${path} is not a recovery file written by vigie login (it lacks masterKey, selfSigningKey or userSigningKey)`);
  }
  if (typeof file.userId !== 'string') throw new CliError(`${path} is not a recovery file written by vigie login (it lacks userId)`);
  return { userId: file.userId, keys: { masterKey, selfSigningKey, userSigningKey } };
}
