// What a command may touch of the terminal, passed in so commands run the same in tests.
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** The terminal, as commands see it. */
export interface CliIO {
  /** Writes one line to standard output (results, what scripts read). */
  out(line: string): void;
  /** Writes one line to standard error (progress, hints). */
  err(line: string): void;
  stdin: Readable;
  /** Whether a person is at the keyboard (prompts are allowed). */
  interactive: boolean;
  env: NodeJS.ProcessEnv;
}

/** The real terminal. */
export function processIO(): CliIO {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    stdin: process.stdin,
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
    env: process.env,
  };
}

/** Asks one question on stderr and reads the answer; with `secret`, what is typed is not echoed. */
export async function ask(io: CliIO, question: string, options: { secret?: boolean } = {}): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: io.stdin, output, terminal: io.interactive });
  try {
    const answer = new Promise<string>((resolve) => rl.question(question, resolve));
    muted = options.secret === true;
    const value = await answer;
    if (options.secret) process.stderr.write('\n');
    return value.trim();
  } finally {
    rl.close();
  }
}

/** Reads the first line of a stream (for `--password-stdin`). */
export async function readFirstLine(stream: Readable): Promise<string> {
  const rl = createInterface({ input: stream, terminal: false });
  try {
    for await (const line of rl) return line.replace(/\r$/, '');
    return '';
  } finally {
    rl.close();
  }
}
