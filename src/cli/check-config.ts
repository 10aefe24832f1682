// `vigie check-config`: loads the configuration and compiles every template, as `vigie run` would at start-up.
import { compileTemplates } from '../alert/render/templates.js';
import { loadCommandConfig } from './config-file.js';
import type { CliIO } from './io.js';

/** Validates the configuration; a problem is thrown (ConfigError, TemplateError) and printed by main. */
export async function checkConfigCommand(options: { config?: string }, io: CliIO): Promise<number> {
  const loaded = await loadCommandConfig(options.config, io);
  const { config } = loaded;
  const templates = compileTemplates(config.templates, { timezone: config.timezone });
  io.out(`${loaded.path}: OK`);
  io.out(`  ${Object.keys(config.rooms).length} room(s), ${config.routes.length} route(s), ${templates.names.length} template(s), ` +
    `${config.monitors.length} monitor(s), ${config.sources.uptimeKuma.length} Uptime Kuma source(s)`);
  if (!config.matrix.accessToken) io.out('  no Matrix access token yet: run `vigie login`');
  return 0;
}
