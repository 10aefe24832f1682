// Runs the `vigie` CLI in-process with a captured terminal, and writes throw-away config files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

/** What a CLI run printed and returned. */
export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  /** stdout and stderr together, for "never prints X" assertions. */
  all: string;
}

/** Runs `vigie <args>`; `stdin` is what the user pipes in, `env` replaces the environment. */
export async function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    stdin: Readable.from([options.stdin ?? '']),
    interactive: false,
    env: options.env ?? {},
  };
  const code = await main(args, io);
  return { code, out, err, all: [...out, ...err].join('\n') };
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'vigie-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `vigie.yaml` (and any extra files) into a new temp folder; returns the config path. */
export function writeConfig(yaml: string, files: Record<string, string> = {}): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o600 });
  const path = join(dir, 'vigie.yaml');
  writeFileSync(path, yaml);
  return path;
}
