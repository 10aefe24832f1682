// `vigie run`: the daemon. Runs monitors, delivers alerts, serves HTTP; SIGHUP reloads, SIGTERM/SIGINT stop cleanly.
import { createApp, type App } from '../app.js';
import { loadConfig } from '../config/load.js';
import { LOG_LEVELS } from '../config/schema.js';
import { createLogger, type Logger } from '../logging.js';
import { loadCommandConfig } from './config-file.js';
import { ListenError } from '../server/server.js';
import { CliError } from './errors.js';
import type { CliIO } from './io.js';

/** Runs until a signal; resolves with the exit code. */
export async function runCommand(options: { config?: string }, io: CliIO): Promise<number> {
  const loaded = await loadCommandConfig(options.config, io);
  const level = io.env.VIGIE_LOG_LEVEL ?? loaded.config.log.level;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new CliError(`VIGIE_LOG_LEVEL is "${level}": expected one of ${LOG_LEVELS.join(', ')}`, 2);
  const logger = createLogger({ level });
  const app = await createApp(loaded, { logger, server: true, lock: true, monitors: true });
  try {
    await app.start();
  } catch (error) {
    if (error instanceof ListenError) throw new CliError(error.message, 2);
    throw error;
  }
  logger.info({ config: loaded.path, rooms: Object.keys(loaded.config.rooms).length }, 'Vigie is running');
  const onHangup = () => void reload(app, loaded.path, io, logger);
  process.on('SIGHUP', onHangup);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  process.off('SIGHUP', onHangup);
  logger.info({ signal }, 'stopping: finishing in-flight sends');
  // A second signal while stopping (an impatient Ctrl-C) or a SIGHUP must not kill the process with no word and the
  // lock file left: it is logged, and the stop goes on (in-flight sends keep their txnId either way).
  const meanwhile = (again: NodeJS.Signals) => logger.warn({ signal: again }, 'already stopping: in-flight sends get up to 10 s, then Vigie exits');
  for (const again of STOP_SIGNALS) process.on(again, meanwhile);
  try {
    await app.stop();
  } finally {
    for (const again of STOP_SIGNALS) process.off(again, meanwhile);
  }
  logger.info('stopped');
  return 0;
}

/** Signals that could arrive while Vigie stops. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** SIGHUP: the new file is loaded and checked whole; if anything is wrong the old configuration keeps running. */
async function reload(app: App, path: string, io: CliIO, logger: Logger): Promise<void> {
  try {
    const next = await loadConfig(path, { env: io.env });
    const restart = app.reload(next);
    logger.info({ config: path, monitors: next.config.monitors.length }, 'configuration reloaded');
    if (restart.length > 0) logger.warn({ sections: restart }, `changes to ${restart.join(', ')} take effect at the next restart`);
  } catch (error) {
    logger.error({ config: path, err: (error as Error).message }, 'the new configuration was refused; the previous one keeps running');
  }
}
