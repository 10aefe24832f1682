// Rendering off the event loop: a worker thread renders incoming alerts with the configured templates, so the main
// thread's time goes to taking requests and storing alerts. Liquid and Markdown were ~30% of a webhook's cost there.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../logging.js';
import type { RenderedMessage } from './message.js';

/** What the worker is started with: the same inputs as the main thread's compileTemplates. */
export interface RenderWorkerData {
  templates: Record<string, string>;
  timezone: string;
}

/**
 * One alert to render with each of these templates. The event goes as its JSON text: cloning a string costs a
 * memcpy, cloning the event's object graph cost ~35 µs, and the outbox stores that same text.
 */
export interface RenderJob {
  eventJson: string;
  templates: readonly string[];
}

/** A template's output, or why the worker could not render it. */
export type RenderOutcome = RenderedMessage | { error: string };

/** Renders alerts in a worker thread. */
export interface RenderPool {
  /**
   * The event rendered with each template, by name. Templates the worker could not render are left out, and the
   * whole answer is undefined while the worker starts or after it failed: the caller renders those itself.
   */
  render(eventJson: string, templates: readonly string[]): Promise<Map<string, RenderedMessage> | undefined>;
  /** Resolves true once the worker renders, false if it failed to start or was closed first. */
  whenReady(): Promise<boolean>;
  /** Ends the worker; renders still waiting resolve undefined. */
  close(): Promise<void>;
}

/**
 * The worker: the built module (dist/…/render-worker.js), or, run from the TypeScript sources (tests, `npm start`),
 * the same module bundled by esbuild (a dev dependency, as tsx's), since a worker thread cannot load .ts by itself.
 */
async function workerOf(data: RenderWorkerData): Promise<Worker> {
  const built = !import.meta.url.endsWith('.ts');
  const entry = new URL(`./render-worker.${built ? 'js' : 'ts'}`, import.meta.url);
  if (built) return new Worker(entry, { workerData: data });
  const esbuild = await import('esbuild');
  const bundle = await esbuild.build({
    entryPoints: [fileURLToPath(entry)], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'silent',
  });
  return new Worker(bundle.outputFiles[0]!.text, { eval: true, workerData: data });
}

/** Starts the worker; until it says it is ready, render() answers undefined at once. */
export function startRenderPool(data: RenderWorkerData, logger: Logger): RenderPool {
  const log = logger.child({ component: 'render-pool' });
  let worker: Worker | undefined;
  let ready = false;
  let ended = false;
  let settleReady: (ready: boolean) => void = () => undefined;
  const readiness = new Promise<boolean>((resolve) => (settleReady = resolve));
  let queued: Waiter[] = [];
  // Batches posted, oldest first: the worker answers them in order.
  const inFlight: Waiter[][] = [];

  const end = (): void => {
    ended = true;
    settleReady(false);
    for (const batch of inFlight.splice(0)) batch.forEach((w) => w.resolve(undefined));
    queued.splice(0).forEach((w) => w.resolve(undefined));
  };
  const giveUp = (why: string): void => {
    if (ended) return;
    end();
    log.warn({ err: why }, 'the render worker stopped: alerts are rendered on the main thread again');
  };
  workerOf(data).then((started) => {
    if (ended) return void started.terminate();
    worker = started;
    // Never what keeps a finished process alive.
    started.unref();
    started.on('message', (message: 'ready' | RenderOutcome[][]) => {
      if (message === 'ready') {
        ready = true;
        settleReady(true);
        return;
      }
      inFlight.shift()?.forEach((w, i) => w.resolve(byTemplate(w.job.templates, message[i] ?? [])));
    });
    started.on('error', (error) => giveUp(error.message));
    started.on('exit', (code) => giveUp(`it exited with code ${code}`));
  }, (error: unknown) => giveUp((error as Error).message));

  // One message per event-loop turn, however many webhooks came in it: posting costs more than a render's share.
  const flush = (): void => {
    const batch = queued;
    queued = [];
    if (ended || !worker || batch.length === 0) return batch.forEach((w) => w.resolve(undefined));
    inFlight.push(batch);
    try {
      worker.postMessage(batch.map((w) => w.job));
    } catch (error) {
      // Strings always clone; a worker torn down under us is the one way here.
      inFlight.pop();
      batch.forEach((w) => w.resolve(undefined));
      giveUp((error as Error).message);
    }
  };

  return {
    render(eventJson, templates) {
      if (!ready || ended || templates.length === 0) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        if (queued.push({ job: { eventJson, templates }, resolve }) === 1) setImmediate(flush);
      });
    },
    whenReady: () => readiness,
    async close() {
      if (!ended) end();
      await worker?.terminate();
    },
  };
}

interface Waiter {
  job: RenderJob;
  resolve: (answer: Map<string, RenderedMessage> | undefined) => void;
}

function byTemplate(names: readonly string[], outcomes: RenderOutcome[]): Map<string, RenderedMessage> {
  const rendered = new Map<string, RenderedMessage>();
  names.forEach((name, i) => {
    const outcome = outcomes[i];
    if (outcome && !('error' in outcome)) rendered.set(name, outcome);
  });
  return rendered;
}
