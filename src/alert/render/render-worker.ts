// The render worker's own code: the configuration's templates, compiled here too, rendering the jobs the main
// thread posts (see render-pool.ts). Compiled from the same sources with the same options, they render the same text.
import { parentPort, workerData } from 'node:worker_threads';
import { eventFromJson, type AlertEvent } from '../event.js';
import { compileTemplates } from './templates.js';
import type { RenderJob, RenderOutcome, RenderWorkerData } from './render-pool.js';

const data = workerData as RenderWorkerData;
const templates = compileTemplates(data.templates, { timezone: data.timezone });

function renderAll(event: AlertEvent, names: readonly string[]): RenderOutcome[] {
  return names.map((name) => {
    try {
      return templates.render(name, event);
    } catch (error) {
      // The main thread renders this one itself, and logs the failure where every alert's failure is logged.
      return { error: (error as Error).message };
    }
  });
}

parentPort!.on('message', (jobs: RenderJob[]) => {
  parentPort!.postMessage(jobs.map((job) => renderAll(eventFromJson(job.eventJson), job.templates)));
});
parentPort!.postMessage('ready');
