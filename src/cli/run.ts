// `vigie run`: the daemon. Delivers queued alerts, serves HTTP, and stops cleanly on SIGTERM/SIGINT.
import { createApp } from '../app.js';
import { createLogger } from '../logging.js';
import { loadCommandConfig } from './config-file.js';
import type { CliIO } from './io.js';

/** Runs until a signal; resolves with the exit code. */
export async function runCommand(options: { config?: string }, io: CliIO): Promise<number> {
  const loaded = await loadCommandConfig(options.config, io);
  const logger = createLogger({ level: io.env.VIGIE_LOG_LEVEL ?? loaded.config.log.level });
  const app = await createApp(loaded, { logger, server: true, lock: true });
  await app.start();
  logger.info({ config: loaded.path, rooms: Object.keys(loaded.config.rooms).length }, 'Vigie is running');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'stopping: finishing in-flight sends');
  await app.stop();
  logger.info('stopped');
  return 0;
}
