// The one error type commands throw: a message for the person at the terminal and an exit code.

/** A failure a command reports to the user; only the entry point prints it and exits. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}
