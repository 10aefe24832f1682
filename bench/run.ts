// `npm run bench`: runs every benchmark (or those named on the command line) and prints their figures.
import { benchDelivery } from './delivery.js';
import { benchEncryption } from './encryption.js';
import { benchIngest } from './ingest.js';
import { benchMonitors } from './monitors.js';
import { benchRender } from './render.js';

const BENCHES: Record<string, () => Promise<void>> = {
  render: benchRender,
  delivery: benchDelivery,
  ingest: benchIngest,
  encryption: benchEncryption,
  monitors: benchMonitors,
};

const wanted = process.argv.slice(2);
for (const [name, bench] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n== ${name}`);
  await bench();
}
