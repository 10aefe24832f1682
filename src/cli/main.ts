// The `vigie` command: parses arguments, runs one command, prints its error and sets the exit status.
import { Command } from 'commander';
import { TemplateError } from '../alert/render/templates.js';
import { ConfigError } from '../config/errors.js';
import { StoreError } from '../store/errors.js';
import { LockError } from '../store/lock.js';
import { createLogger } from '../logging.js';
import { VERSION } from '../version.js';
import { checkConfigCommand } from './check-config.js';
import { doctorCommand } from './doctor.js';
import { CliError } from './errors.js';
import { processIO, type CliIO } from './io.js';
import { loginCommand } from './login.js';
import { renderCommand } from './render.js';
import { runCommand } from './run.js';
import { sendTestCommand } from './send-test.js';

const CONFIG_HELP = 'configuration file (default: $VIGIE_CONFIG or ./vigie.yaml)';

/** Builds the program; each action resolves with an exit code. */
export function buildProgram(io: CliIO, exit: (code: number) => void): Command {
  const program = new Command('vigie')
    .description('Uptime monitoring with alerts in Matrix rooms')
    .version(VERSION)
    .showHelpAfterError();
  const done = (code: number) => exit(code);

  program.command('run').description('run Vigie: deliver alerts, serve HTTP')
    .option('-c, --config <path>', CONFIG_HELP)
    .action(async (opts: { config?: string }) => done(await runCommand(opts, io)));
  program.command('login').description('log the bot in (m.login.password) and store its access token')
    .option('--homeserver <url>', 'homeserver URL, domain, or web-client URL (e.g. https://app.element.io)')
    .option('--user <name>', 'the bot\'s user name (bot-kuma or @bot-kuma:example.org)')
    .option('--password-file <path>', 'read the password from this file')
    .option('--password-stdin', 'read the password from standard input')
    .option('--device-name <name>', 'name of the bot\'s session (default: matrix.deviceName of --config, else Vigie)')
    .option('--token-file <path>', 'write the access token to this file (mode 0600)')
    .option('--print', 'print the access token instead of writing it')
    .option('--cross-signing', 'set up cross-signing for the bot and sign the new device (needs matrix.encryption in the config)')
    .option('-c, --config <path>', `for matrix.deviceName, and with --cross-signing: ${CONFIG_HELP}`)
    .option('--recovery-file <path>', 'with --cross-signing: where the private keys are kept (default: cross-signing-keys.json beside the token file)')
    .option('--reset-cross-signing', 'with --cross-signing: replace the account\'s cross-signing keys when the recovery file does not hold them')
    .action(async (opts: Parameters<typeof loginCommand>[0]) => {
      done(await loginCommand(opts, io, createLogger({ level: 'warn', stderr: true })));
    });
  program.command('doctor').description('check the homeserver, the token and every room, and say how to fix what is wrong')
    .option('-c, --config <path>', CONFIG_HELP)
    .option('--fix', 'accept pending invites to configured rooms')
    .action(async (opts: { config?: string; fix?: boolean }) => done(await doctorCommand(opts, io)));
  program.command('send-test').description('send a test alert to every configured room, through the outbox')
    .option('-c, --config <path>', CONFIG_HELP)
    .option('--timeout <seconds>', 'how long to wait for the homeserver', (v) => Number(v), 60)
    .action(async (opts: { config?: string; timeout?: number }) => {
      done(await sendTestCommand(opts, io, createLogger({ level: 'warn', stderr: true })));
    });
  program.command('render').description('print what a template makes of an event')
    .option('-c, --config <path>', CONFIG_HELP)
    .option('-t, --template <name>', 'template name (default: the first route\'s)')
    .option('-s, --status <status>', 'up, down, pending, maintenance or test', 'down')
    .option('-e, --event <file>', 'a JSON file with Kuma\'s webhook body {heartbeat, monitor, msg}')
    .option('--json', 'print the Matrix event content')
    .action(async (opts: Parameters<typeof renderCommand>[0]) => done(await renderCommand(opts, io)));
  program.command('check-config').description('validate the configuration and its templates')
    .option('-c, --config <path>', CONFIG_HELP)
    .action(async (opts: { config?: string }) => done(await checkConfigCommand(opts, io)));
  return program;
}

/** Runs the CLI with these arguments; the only place that prints an error and exits. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => { code = c; });
  program.exitOverride();
  program.configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIO): number {
  if (error instanceof Error && 'exitCode' in error && error.name === 'CommanderError') {
    return (error as { exitCode: number }).exitCode;
  }
  if (error instanceof CliError) {
    io.err(`vigie: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof LockError) {
    io.err(`vigie: ${error.message}`);
    return 1;
  }
  if (error instanceof ConfigError || error instanceof TemplateError || error instanceof StoreError) {
    io.err(`vigie: ${error.message}`);
    return 2;
  }
  io.err(`vigie: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 70;
}
