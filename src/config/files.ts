// Reading the files a config names (secrets, templates): relative to the config's folder, errors with the OS reason.
import { open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigError } from './errors.js';

/** What resolving file references needs: the config's folder and a way to blame a field. */
export interface FileContext {
  /** Folder of the configuration file; relative paths start here. */
  dir: string;
  /** Builds the error for a field of the file (located at its line). */
  error(path: PropertyKey[], message: string, cause?: unknown): ConfigError;
  /** Records a warning for a field of the file. */
  warn(path: PropertyKey[], message: string): void;
}

/** A file's text and whether other users of the machine may read it. */
export interface FileText {
  text: string;
  /** Absolute path that was read. */
  path: string;
  worldReadable: boolean;
}

/** Reads a UTF-8 file named in the config; on failure throws a reason like `ENOENT: no such file or directory`. */
export async function readReferencedFile(name: string, dir: string): Promise<FileText> {
  const path = isAbsolute(name) ? name : resolve(dir, name);
  const handle = await open(path, 'r');
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw Object.assign(new Error('EISDIR: it is a directory'), { code: 'EISDIR' });
    const text = await handle.readFile('utf8');
    const worldReadable = process.platform !== 'win32' && (stats.mode & 0o004) !== 0;
    return { text, path, worldReadable };
  } finally {
    await handle.close();
  }
}

/** The OS's reason without the path node puts in its messages (the caller names the path itself). */
export function osReason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const head = typeof message === 'string' ? message.split(', ')[0] : undefined;
  return head ?? code ?? String(error);
}
