import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ask, type CliIO } from './io.js';

function terminal(): { io: CliIO; stdin: PassThrough } {
  const stdin = new PassThrough();
  return { stdin, io: { out: () => undefined, err: () => undefined, stdin, interactive: false, env: {} } };
}

describe('ask', () => {
  it('takes a password as typed, spaces included, and trims other answers', async () => {
    const { io, stdin } = terminal();
    const password = ask(io, 'Password: ', { secret: true });
    stdin.write('  pass phrase \n');
    expect(await password).toBe('  pass phrase ');
    const name = ask(io, 'User: ');
    stdin.write('  vigie \n');
    expect(await name).toBe('vigie');
  });

  it('fails when the input ends before an answer, instead of leaving the command hanging or exiting 0', async () => {
    const { io, stdin } = terminal();
    const answer = ask(io, 'User: ');
    stdin.end();
    await expect(answer).rejects.toMatchObject({ name: 'CliError', message: 'no answer: the input ended', exitCode: 1 });
  });
});
