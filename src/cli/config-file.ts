// Loading the configuration for a command: the --config path, VIGIE_CONFIG, or ./vigie.yaml.
import { loadConfig, type LoadedConfig, type LoadOptions } from '../config/load.js';
import type { CliIO } from './io.js';

/** The default configuration file, in the current folder. */
export const DEFAULT_CONFIG = 'vigie.yaml';

/** Loads the configuration a command was pointed at, and prints its warnings on stderr. */
export async function loadCommandConfig(path: string | undefined, io: CliIO, options: Omit<LoadOptions, 'env'> = {}): Promise<LoadedConfig> {
  const loaded = await loadConfig(path ?? io.env.VIGIE_CONFIG ?? DEFAULT_CONFIG, { ...options, env: io.env });
  for (const warning of loaded.warnings) io.err(`warning: ${warning}`);
  return loaded;
}
