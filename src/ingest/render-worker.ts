// The render worker's own code: the configuration's templates and routes, compiled here too, decoding and rendering
// the jobs the main thread posts (see render-pool.ts). The same sources with the same options give the same text.
import { parentPort, workerData } from 'node:worker_threads';
import { eventFromJson, type AlertEvent } from '../alert/event.js';
import { templateOf } from '../alert/dispatch.js';
import { compileTemplates } from '../alert/render/templates.js';
import { route } from '../alert/router.js';
import { BodyError, decodeWebhookBody } from './body.js';
import { PayloadError } from './kuma-event.js';
import type { RenderJob, RenderOutcome, RenderWorkerData, WebhookAnswer, WebhookJob } from './render-pool.js';
import { webhookEvent } from './webhook-event.js';

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

/** Decodes the body as the request handler would, then renders the event with every template its routes take. */
async function prepareWebhook(job: WebhookJob): Promise<WebhookAnswer> {
  try {
    const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
    const decoded = await decodeWebhookBody(body, job.contentType, job.contentEncoding);
    const { event, template } = webhookEvent(decoded, job.source, new Date(job.now));
    const names = [...new Set(route(event, data.routes).map((target) => templateOf(target, { template })))];
    const eventJson = JSON.stringify(event);
    const outcomes = renderAll(event, names);
    const { heartbeatJSON: _heartbeat, monitorJSON: _monitor, ...rest } = event;
    return { event: rest, eventJson, template, templates: names, outcomes };
  } catch (error) {
    if (error instanceof BodyError) return { refused: 'body', statusCode: error.statusCode, message: error.message };
    if (error instanceof PayloadError) return { refused: 'payload', message: error.message };
    return { failed: (error as Error).message };
  }
}

/** Each job's answer; a job that throws gets the answer that leaves its work to the main thread. */
function answerAll(jobs: ReadonlyArray<RenderJob | WebhookJob>): Promise<Array<RenderOutcome[] | WebhookAnswer>> {
  return Promise.all(jobs.map(async (job) => {
    try {
      return job.kind === 'render' ? renderAll(eventFromJson(job.eventJson), job.templates) : await prepareWebhook(job);
    } catch (error) {
      return job.kind === 'render' ? [] : { failed: (error as Error).message };
    }
  }));
}

// Batches are answered in the order they came (the pool matches answers to batches by order), even when decoding
// one awaits (form-data).
let previous: Promise<void> = Promise.resolve();
parentPort!.on('message', (jobs: Array<RenderJob | WebhookJob>) => {
  previous = previous.then(async () => parentPort!.postMessage(await answerAll(jobs)));
});
parentPort!.postMessage('ready');
