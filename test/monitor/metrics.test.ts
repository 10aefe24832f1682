// The monitors' metrics as Prometheus scrapes them from a running engine.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/delivery/outbox.js';
import { createMetrics } from '../../src/server/metrics.js';
import { waitFor } from '../support/wait.js';
import { CONFIG_HEAD, startEngine, startSwitchableTarget, tempFolder, type EngineRun } from './harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => { for (const cleanup of cleanups.splice(0).reverse()) await cleanup(); });

describe('vigie_monitor_status', () => {
  it('reports each monitor\'s status, and forgets a monitor a reload removed', async () => {
    const folder = await tempFolder();
    const target = await startSwitchableTarget(500);
    cleanups.push(() => folder.remove(), () => target.close());
    const yaml = `${CONFIG_HEAD}monitors:\n  - { name: Site, type: http, url: "${target.url}", interval: 100ms }\n  - { name: Other, type: http, url: "${target.url}", interval: 100ms }\n`;
    const run: EngineRun = await startEngine(yaml, join(folder.path, 'vigie.db'));
    cleanups.push(() => run.stop());
    const registry = createMetrics({ outbox: new Outbox(run.db), engine: run.engine });
    await waitFor('a beat of each', () => new Set(run.beats.map((b) => b.monitor)).size === 2);
    const scrape = async () => (await registry.getSingleMetricAsString('vigie_monitor_status')).split('\n').filter((l) => !l.startsWith('#'));
    expect(await scrape()).toEqual(['vigie_monitor_status{monitor="Site"} 0', 'vigie_monitor_status{monitor="Other"} 0']);
    run.engine.reload(run.config.monitors.filter((m) => m.name === 'Site'));
    expect(await scrape()).toEqual(['vigie_monitor_status{monitor="Site"} 0']);
  });
});
