// `vigie login`: finds the homeserver, logs the bot in with m.login.password, and stores the access token.
import { discoverHomeserver, DiscoveryError } from '../matrix/discovery.js';
import { MatrixClient } from '../matrix/client.js';
import { MatrixError, MatrixNetworkError } from '../matrix/errors.js';
import type { Logger } from '../logging.js';
import { crossSignDevice, prepareCrossSigning, type CrossSigningOptions } from './cross-signing.js';
import { loadCommandConfig } from './config-file.js';
import { CliError } from './errors.js';
import { ask, readFirstLine, type CliIO } from './io.js';
import { checkSecretFileWritable, writeSecretFile } from './secret-file.js';
import { readFileSync } from 'node:fs';

/** Options of `vigie login`; whatever is missing is asked for when a person is at the terminal. */
export interface LoginOptions extends CrossSigningOptions {
  homeserver?: string;
  user?: string;
  /** A file holding the password (first line). */
  passwordFile?: string;
  /** Read the password from the first line of standard input. */
  passwordStdin?: boolean;
  /** The device's display name, shown in the bot's sessions list. Default "Vigie". */
  deviceName?: string;
  /** Where to write the token (mode 0600). */
  tokenFile?: string;
  /** Print the token on standard output instead of writing it. */
  print?: boolean;
  /** Give the bot a cross-signing identity and sign the new device with it (keys kept in the recovery file). */
  crossSigning?: boolean;
}

/** Runs the login; returns the exit code. */
export async function loginCommand(options: LoginOptions, io: CliIO, logger: Logger): Promise<number> {
  if (!options.tokenFile && !options.print) {
    throw new CliError('say where the token goes: --token-file ./secrets/matrix-token (written with mode 0600), or --print to show it');
  }
  if (options.tokenFile && options.print) throw new CliError('--token-file and --print: choose one (the token is either written or shown)');
  if (options.tokenFile) checkTokenFile(options.tokenFile);
  const input = options.homeserver ?? io.env.VIGIE_HOMESERVER ?? (await prompt(io, 'Homeserver (URL or domain): '));
  const user = options.user ?? io.env.VIGIE_USER ?? (await prompt(io, 'Bot user name (e.g. bot-kuma): '));
  const password = await readPassword(options, io);
  const deviceName = await deviceNameOf(options, io);
  // Checked before logging in: a refusal must not leave a new device behind.
  const plan = options.crossSigning ? await prepareCrossSigning(options, options.tokenFile, io) : undefined;

  let session;
  try {
    const found = await discover(input);
    io.err(`Homeserver: ${found.baseUrl} (${describeHow(found.how, input)})`);
    if (found.how === 'guess') await confirmGuess(io, input, found.baseUrl);
    const client = new MatrixClient({ baseUrl: found.baseUrl });
    session = { ...await login(client, user, password, deviceName, io), baseUrl: found.baseUrl };
  } catch (error) {
    plan?.lock.release();
    throw error;
  }
  io.err(`Logged in as ${session.userId}, device ${session.deviceId}.`);
  if (plan) await crossSignDevice(plan, session, { user, password }, options.resetCrossSigning === true, io, logger);

  if (options.print) {
    io.out(session.accessToken);
  } else if (options.tokenFile) {
    await keepToken(options.tokenFile, session);
    io.err(`Access token written to ${options.tokenFile} (mode 0600). The password was not stored.`);
  }
  io.err('');
  io.err('In vigie.yaml:');
  io.err('  matrix:');
  io.err(`    homeserver: ${session.baseUrl}`);
  io.err(options.tokenFile ? `    accessTokenFile: ${options.tokenFile}` : '    accessTokenFile: <a file holding the token printed above>   # or accessToken: ${VIGIE_MATRIX_TOKEN}');
  io.err('Then run `vigie doctor` to check the rooms.');
  return 0;
}

/** --device-name, else the configuration's matrix.deviceName when --config is given, else Vigie. */
async function deviceNameOf(options: LoginOptions, io: CliIO): Promise<string> {
  if (options.deviceName !== undefined) return options.deviceName;
  if (options.config === undefined) return 'Vigie';
  // The token this login makes is not needed (nor, on a first login, there) to read the rest of the file.
  return (await loadCommandConfig(options.config, io, { skipAccessToken: true })).config.matrix.deviceName;
}

function checkTokenFile(path: string): void {
  try {
    checkSecretFileWritable(path);
  } catch (error) {
    throw new CliError(`cannot write the token to ${path}: ${describeFsError(error)}; choose another --token-file (nothing was sent to the homeserver)`);
  }
}

/** Writes the token; if that fails, logs the new session out, so no device is left whose token nobody has. */
async function keepToken(path: string, session: { accessToken: string; baseUrl: string }): Promise<void> {
  try {
    writeSecretFile(path, session.accessToken);
  } catch (error) {
    const loggedOut = await new MatrixClient({ baseUrl: session.baseUrl, accessToken: session.accessToken }).logout().then(() => true, () => false);
    throw new CliError(`cannot write the token to ${path}: ${describeFsError(error)}; `
      + (loggedOut ? 'the new session was logged out again' : 'the new session could not be logged out: remove it in Element (Settings > Sessions)'));
  }
}

function describeFsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ? `${code} (${message.replace(/^[A-Z]+: /, '')})` : String(message ?? error);
}

/** A guessed homeserver may be someone else's: the password only goes there once the person says it is theirs. */
async function confirmGuess(io: CliIO, input: string, baseUrl: string): Promise<void> {
  const notFound = `${input} is not a homeserver and names none (no .well-known/matrix/client)`;
  if (!io.interactive) throw new CliError(`${notFound}; one answers at ${baseUrl}: if it is yours, pass --homeserver ${baseUrl}`);
  const answer = await ask(io, `${notFound}, but ${baseUrl} is a homeserver. Log in there? [y/N] `);
  if (!/^y(es)?$/i.test(answer)) throw new CliError(`not logged in: give your homeserver's URL with --homeserver`);
}

async function prompt(io: CliIO, question: string): Promise<string> {
  if (!io.interactive) throw new CliError(`missing value for "${question.replace(/[:(].*$/, '').trim()}": pass it as an option (see vigie login --help)`);
  const value = await ask(io, question);
  if (!value) throw new CliError('no value given');
  return value;
}

async function readPassword(options: LoginOptions, io: CliIO): Promise<string> {
  let password: string | undefined;
  if (options.passwordFile) password = readPasswordFile(options.passwordFile);
  else if (options.passwordStdin) password = await readFirstLine(io.stdin);
  else if (io.env.VIGIE_PASSWORD) password = io.env.VIGIE_PASSWORD;
  else if (io.interactive) password = await ask(io, 'Password (not shown, never stored): ', { secret: true });
  if (!password) {
    throw new CliError('no password: type it at the prompt, or use --password-file, --password-stdin or VIGIE_PASSWORD (it is never stored)');
  }
  return password;
}

function readPasswordFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/)[0] ?? '';
  } catch (error) {
    throw new CliError(`cannot read the password file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

async function discover(input: string): ReturnType<typeof discoverHomeserver> {
  try {
    return await discoverHomeserver(input, { guess: true });
  } catch (error) {
    if (error instanceof DiscoveryError) throw new CliError(error.message);
    throw error;
  }
}

function describeHow(how: string, input: string): string {
  switch (how) {
    case 'well-known': return `found through ${input}'s .well-known/matrix/client`;
    case 'web-client': return `${input} is a web client; this is the homeserver it uses`;
    case 'guess': return `found near ${input}`;
    default: return 'answers as a Matrix homeserver';
  }
}

/** The longest wait for a rate-limited login before giving up with the time to wait. */
const MAX_LOGIN_WAIT_MS = 60_000;

// Synapse limits logins (burst 3); one wait for the time it asks is kinder than failing.
async function login(client: MatrixClient, user: string, password: string, deviceName: string, io: CliIO) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.login({ user, password, deviceName });
    } catch (error) {
      const waitMs = error instanceof MatrixError && error.isRateLimit ? error.retryAfterMs ?? 5000 : undefined;
      if (waitMs !== undefined && waitMs <= MAX_LOGIN_WAIT_MS && attempt === 0) {
        io.err(`${client.baseUrl} limits logins: trying again in ${Math.ceil(waitMs / 1000)} s`);
        await new Promise((r) => setTimeout(r, waitMs));
        continue;
      }
      throw explainLoginError(error, user, client.baseUrl);
    }
  }
}

function explainLoginError(error: unknown, user: string, baseUrl: string): Error {
  if (error instanceof MatrixError) {
    if (error.errcode === 'M_FORBIDDEN') return new CliError(`${baseUrl} refused the user name or password for "${user}" (M_FORBIDDEN). Check both; the user name is the bot's, e.g. bot-kuma or @bot-kuma:example.org`);
    if (error.errcode === 'M_USER_DEACTIVATED') return new CliError(`the account "${user}" is deactivated on ${baseUrl}`);
    if (error.isRateLimit) return new CliError(`${baseUrl} limits logins; try again in ${Math.ceil((error.retryAfterMs ?? 5000) / 1000)} s`);
    return new CliError(`login failed at ${baseUrl}: ${error.errcode} ${error.message}`);
  }
  if (error instanceof MatrixNetworkError) return new CliError(`cannot reach ${baseUrl}: ${error.message}`);
  return error instanceof Error ? error : new Error(String(error));
}
