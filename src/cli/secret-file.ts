// Writing a secret to disk: owner-only from the first byte, replaced atomically.
import { mkdirSync, renameSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

/** Writes `value` to `path` with mode 0600 (parent folders 0700 when created), replacing any old file atomically. */
export function writeSecretFile(path: string, value: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  // The mode is given at creation so the secret is never readable by others, not even for an instant.
  writeFileSync(temp, `${value}\n`, { mode: 0o600, flag: 'w' });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}
