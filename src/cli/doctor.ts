// `vigie doctor`: one line per check, ✓ or ✗ with the fix; exit status 1 when something fails.
import { runDoctor } from '../doctor/doctor.js';
import { formatFinding } from '../doctor/report.js';
import { loadCommandConfig } from './config-file.js';
import type { CliIO } from './io.js';

/** Runs the checks and prints them as they come. */
export async function doctorCommand(options: { config?: string; fix?: boolean }, io: CliIO): Promise<number> {
  const loaded = await loadCommandConfig(options.config, io);
  io.out(`✓ ${loaded.path} is valid`);
  const ok = await runDoctor(loaded.config, {
    fix: options.fix === true,
    report: (finding) => formatFinding(finding).forEach((line) => io.out(line)),
  });
  return ok ? 0 : 1;
}
