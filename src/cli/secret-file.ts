// Writing a secret to disk: owner-only from the first byte, replaced atomically.
import { accessSync, chmodSync, constants, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

/** Writes `value` to `path` with mode 0600 (parent folders 0700 when created), replacing any old file atomically. */
export function writeSecretFile(path: string, value: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  // The mode is given at creation so the secret is never readable by others, not even for an instant; 'wx' creates
  // the file itself rather than writing through a link someone left in its place.
  rmSync(temp, { force: true });
  writeFileSync(temp, `${value}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/**
 * Throws, saying why, if `path` cannot be written by writeSecretFile (its folder created if needed): checked before a
 * secret is made, so that a login does not leave a device behind whose token could not be kept.
 */
export function checkSecretFileWritable(path: string): void {
  const folder = dirname(path);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${path} is a folder`);
  accessSync(folder, constants.W_OK);
}
