// What a command may touch of the terminal, passed in so commands run the same in tests.
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from './errors.js';

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
    const answer = new Promise<string>((resolve, reject) => {
      rl.question(question, resolve);
      // In a terminal, readline takes Ctrl-C for itself: without this the prompt would end with exit status 0.
      rl.once('SIGINT', () => reject(new CliError('cancelled', 130)));
      rl.once('close', () => reject(new CliError('no answer: the input ended')));
    });
    muted = options.secret === true;
    const value = await answer;
    if (options.secret) process.stderr.write('\n');
    // A password is taken as typed: spaces at its ends may be part of it.
    return options.secret ? value : value.trim();
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
