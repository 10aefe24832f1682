// `vigie login --cross-signing`: the new device's encryption store (where vigie.yaml keeps it) gets the bot's
// cross-signing identity, and the private keys go to a 0600 recovery file.
import { dirname, join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { CrossSigningError } from '../crypto/errors.js';
import { E2ee } from '../crypto/olm-machine.js';
import type { Logger } from '../logging.js';
import type { LoginResult } from '../matrix/client.js';
import { MatrixClient } from '../matrix/client.js';
import { MatrixError, MatrixNetworkError } from '../matrix/errors.js';
import { openDatabase } from '../store/db.js';
import { acquireLock, LockError, type Lock } from '../store/lock.js';
import { loadCommandConfig } from './config-file.js';
import { CliError } from './errors.js';
import type { CliIO } from './io.js';
import { readRecoveryFile, writeRecoveryFile } from './recovery-file.js';

/** The cross-signing options of `vigie login`. */
export interface CrossSigningOptions {
  /** Vigie's configuration: where the encryption store is and its passphrase. */
  config?: string;
  /** Where the private keys are kept; default `cross-signing-keys.json` beside the token file. */
  recoveryFile?: string;
  /** Replace the account's cross-signing keys when they are not the recovery file's. */
  resetCrossSigning?: boolean;
}

/** Everything checked before logging in, so a refusal does not leave a new device behind. */
export interface CrossSigningPlan {
  loaded: LoadedConfig;
  passphrase: string;
  recoveryFile: string;
  saved: ReturnType<typeof readRecoveryFile>;
  lock: Lock;
}

/** The default recovery file: beside the token file, or in the current folder. */
export function defaultRecoveryFile(tokenFile: string | undefined): string {
  return join(tokenFile ? dirname(tokenFile) : '.', 'cross-signing-keys.json');
}

/** Loads the configuration, reads any recovery file and takes the store's lock; throws CliError saying what is missing. */
export async function prepareCrossSigning(options: CrossSigningOptions, tokenFile: string | undefined, io: CliIO): Promise<CrossSigningPlan> {
  const loaded = await loadCommandConfig(options.config, io, { skipAccessToken: true });
  const { storePassphrase } = loaded.config.matrix.encryption;
  if (storePassphrase === undefined) {
    throw new CliError(`--cross-signing keeps the bot's keys in Vigie's encryption store: set matrix.encryption.storePassphraseFile in `
      + `${loaded.path} to a file holding a long random secret, then run vigie login again`);
  }
  if (loaded.config.store.path === ':memory:') {
    throw new CliError(`--cross-signing needs a store on disk, and ${loaded.path} sets store.path to :memory:`);
  }
  const recoveryFile = resolve(options.recoveryFile ?? defaultRecoveryFile(tokenFile));
  const saved = readRecoveryFile(recoveryFile);
  let lock: Lock;
  try {
    lock = acquireLock(loaded.config.store.path);
  } catch (error) {
    if (!(error instanceof LockError)) throw error;
    throw new CliError(`${error.message}. Stop Vigie before logging in with --cross-signing (it must restart to use the new token anyway)`);
  }
  return { loaded, passphrase: storePassphrase, recoveryFile, saved, lock };
}

/**
 * Sets up cross-signing for the device just logged in, and says what was done; always releases the lock. On failure
 * the new device is logged out, so a refused set-up leaves nothing behind (its token is not written yet).
 */
export async function crossSignDevice(plan: CrossSigningPlan, session: LoginResult & { baseUrl: string },
  login: { user: string; password: string }, reset: boolean, io: CliIO, logger: Logger): Promise<void> {
  const { loaded, recoveryFile, saved } = plan;
  const api = new MatrixClient({ baseUrl: session.baseUrl, accessToken: session.accessToken });
  const db = openDatabase(loaded.config.store.path);
  let e2ee: E2ee | undefined;
  try {
    if (saved && saved.userId !== session.userId) {
      throw new CliError(`the recovery file ${recoveryFile} holds the keys of ${saved.userId}, not of ${session.userId}: give that bot's file with --recovery-file`);
    }
    e2ee = await E2ee.open({
      api, db, userId: session.userId, deviceId: session.deviceId, passphrase: plan.passphrase, logger,
      sharing: loaded.config.matrix.encryption.devices,
    });
    const outcome = await e2ee.setUpCrossSigning({ login: { ...login, user: session.userId }, saved: saved?.keys, reset });
    if (outcome.action !== 'reused') writeRecoveryFile(recoveryFile, session.userId, outcome.keys);
    const what = {
      created: 'Cross-signing set up',
      replaced: 'Cross-signing keys replaced (members who verified the bot will see its identity change)',
      reused: 'Device signed with the cross-signing keys of',
    }[outcome.action];
    io.err(outcome.action === 'reused'
      ? `${what} ${recoveryFile}; master key ${outcome.masterKey}.`
      : `${what}: master key ${outcome.masterKey}; device ${session.deviceId} is signed by it.`);
    if (outcome.action !== 'reused') {
      io.err(`Private cross-signing keys written to ${recoveryFile} (mode 0600). Keep it secret and backed up: it signs the bot's next devices.`);
    }
  } catch (error) {
    await api.logout().catch(() => undefined);
    throw explain(error, session.userId);
  } finally {
    await e2ee?.close();
    db.close();
    plan.lock.release();
  }
}

function explain(error: unknown, userId: string): Error {
  if (error instanceof CrossSigningError || error instanceof MatrixError || error instanceof MatrixNetworkError) {
    return new CliError(`cross-signing ${userId} failed: ${error.message}. The new device was logged out and no token was written.`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
