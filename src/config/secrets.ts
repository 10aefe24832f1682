// `…File` secrets: read beside the config, trimmed, never quoted in errors; and the token the daemon requires.
import { ConfigError } from './errors.js';
import { osReason, readReferencedFile, type FileContext } from './files.js';
import type { LoadedConfig } from './load.js';
import type { Config, ParsedConfig } from './schema.js';

/** Reads one secret file: trimmed, one word, never quoted back (only its path and the OS reason are). */
export async function readSecretFile(name: string, path: PropertyKey[], ctx: FileContext): Promise<string> {
  let file;
  try {
    file = await readReferencedFile(name, ctx.dir);
  } catch (error) {
    throw ctx.error(path, `cannot read the secret file ${name}: ${osReason(error)}`, error);
  }
  const value = file.text.trim();
  if (value === '') throw ctx.error(path, `the secret file ${name} (${file.path}) is empty; put the secret in it`);
  if (/\s/.test(value)) {
    throw ctx.error(path, `the secret file ${name} (${file.path}) holds more than one word; it must hold only the secret`);
  }
  if (file.worldReadable) {
    ctx.warn(path, `the secret file ${name} can be read by every user of this machine; restrict it with chmod 600 ${file.path}`);
  }
  return value;
}

/**
 * A secret written in the file or taken from the environment: trimmed (a variable read from a file or a Kubernetes
 * secret often ends with a newline), one word unless `spaces` (a passphrase), and never a shell-style `$NAME`, which
 * YAML keeps as text and which would then be the secret.
 */
function inlineSecret(value: string | undefined, path: PropertyKey[], ctx: FileContext, spaces = false): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const variable = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(trimmed);
  if (variable) {
    // A passphrase is free text, so what follows the $ may be the secret itself: it is not repeated.
    const write = spaces ? 'write ${NAME} to read a variable, or use storePassphraseFile' : `write \${${variable[1]}}`;
    throw ctx.error(path, `YAML does not read $NAME from the environment: ${write}`);
  }
  if (!spaces && /\s/.test(trimmed)) throw ctx.error(path, 'the secret holds spaces inside it; it must be one word (check the variable or the quotes)');
  return trimmed === '' ? undefined : trimmed;
}

/** Fills `matrix.accessToken` (unless `accessToken` is false) and each Kuma source's `token` from their `…File` fields. */
export async function resolveSecrets<T extends Pick<ParsedConfig, 'matrix' | 'sources'>>(config: T, ctx: FileContext, read = { accessToken: true }): Promise<T> {
  const matrix = { ...config.matrix, accessToken: inlineSecret(config.matrix.accessToken, ['matrix', 'accessToken'], ctx) };
  matrix.encryption = { ...matrix.encryption, storePassphrase: inlineSecret(matrix.encryption.storePassphrase, ['matrix', 'encryption', 'storePassphrase'], ctx, true) };
  if (matrix.accessTokenFile !== undefined && read.accessToken) {
    matrix.accessToken = await readSecretFile(matrix.accessTokenFile, ['matrix', 'accessTokenFile'], ctx);
  }
  const { storePassphraseFile } = matrix.encryption;
  if (storePassphraseFile !== undefined) {
    const storePassphrase = await readSecretFile(storePassphraseFile, ['matrix', 'encryption', 'storePassphraseFile'], ctx);
    matrix.encryption = { ...matrix.encryption, storePassphrase };
  }
  const uptimeKuma = await Promise.all(
    config.sources.uptimeKuma.map(async (source, i) => {
      if (source.tokenFile !== undefined) {
        return { ...source, token: await readSecretFile(source.tokenFile, ['sources', 'uptimeKuma', i, 'tokenFile'], ctx) };
      }
      const token = inlineSecret(source.token, ['sources', 'uptimeKuma', i, 'token'], ctx);
      if (token === undefined) {
        ctx.warn(['sources', 'uptimeKuma', i, 'token'],
          `source '${source.name}' has an empty token, so Vigie refuses its alerts; set its variable or use tokenFile`);
      }
      return { ...source, token };
    }),
  );
  return { ...config, matrix, sources: { ...config.sources, uptimeKuma } };
}

/** The bot's access token, or a ConfigError saying how to provide one (`vigie login` and `render` do without). */
export function requireAccessToken(from: Pick<Config, 'matrix'> | Pick<LoadedConfig, 'config' | 'path'>, file?: string): string {
  const config = 'config' in from ? from.config : from;
  file ??= 'path' in from ? from.path : 'vigie.yaml';
  const token = config.matrix.accessToken;
  if (token !== undefined && token !== '') return token;
  throw new ConfigError(file, undefined, 'matrix.accessToken',
    'no Matrix access token: set matrix.accessTokenFile to a file holding it, or matrix.accessToken to ${VIGIE_MATRIX_TOKEN} ' +
    'and export that variable (`vigie login` obtains a token)');
}
