// `vigie check-config`: loads the configuration and compiles every template, as `vigie run` would at start-up.
import { TemplateError } from '../alert/render/templates.js';
import { loadCommandConfig } from './config-file.js';
import { CliError } from './errors.js';
import { sampleEvent } from './render.js';
import type { CliIO } from './io.js';

/** Validates the configuration; a problem is thrown (ConfigError, TemplateError) and printed by main. */
export async function checkConfigCommand(options: { config?: string }, io: CliIO): Promise<number> {
  const loaded = await loadCommandConfig(options.config, io);
  const { config, templates } = loaded;
  // Parsing is checked at every start; rendering is only tried here, on example events (a real alert may differ).
  const failures: string[] = [];
  for (const name of Object.keys(config.templates)) {
    for (const status of ['down', 'up', 'test'] as const) {
      try {
        templates.render(name, sampleEvent(status));
      } catch (error) {
        failures.push(`template "${name}" cannot render an example ${status.toUpperCase()} event: ${error instanceof TemplateError ? error.detail : (error as Error).message}`);
      }
    }
  }
  if (failures.length > 0) throw new CliError(`${loaded.path}:\n  ${failures.join('\n  ')}\n(an alert that a template cannot render is sent as one plain line)`, 2);
  io.out(`${loaded.path}: OK`);
  io.out(`  ${Object.keys(config.rooms).length} room(s), ${config.routes.length} route(s), ${templates.names.length} template(s), ` +
    `${config.monitors.length} monitor(s), ${config.sources.uptimeKuma.length} Uptime Kuma source(s)`);
  if (!config.matrix.accessToken) io.out('  no Matrix access token yet: run `vigie login`');
  return 0;
}
