// Ingest work off the event loop: a worker thread decodes Kuma's webhooks, routes them and renders them with the
// configured templates, so the main thread's time goes to taking requests and storing alerts. Liquid and Markdown
// were ~30% of a webhook's cost there, reading the body and serialising the event another ~15%.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { eventFromJson, type AlertEvent } from '../alert/event.js';
import type { RenderedMessage } from '../alert/render/message.js';
import type { RouteRule } from '../alert/router.js';
import type { Logger } from '../logging.js';
import { BodyError } from './body.js';
import { PayloadError } from './kuma-event.js';
import type { WebhookSource } from './webhook-event.js';

/** What the worker is started with: the same inputs as the main thread's compileTemplates and route(). */
export interface RenderWorkerData {
  templates: Record<string, string>;
  timezone: string;
  routes: readonly RouteRule[];
}

/**
 * One alert to render with each of these templates. The event goes as its JSON text: cloning a string costs a
 * memcpy, cloning the event's object graph cost ~35 µs, and the outbox stores that same text.
 */
export interface RenderJob {
  kind: 'render';
  eventJson: string;
  templates: readonly string[];
}

/** A webhook POST's body as it came (a copy: the worker decodes it as the request handler would). */
export interface WebhookJob {
  kind: 'webhook';
  body: Uint8Array;
  contentType: string | undefined;
  contentEncoding: string | string[] | undefined;
  source: WebhookSource;
  /** The clock for an event without a time of its own (ms since the epoch). */
  now: number;
}

/** A template's output, or why the worker could not render it. */
export type RenderOutcome = RenderedMessage | { error: string };

/** What the worker answers for a webhook. */
export type WebhookAnswer =
  /** The event without its Kuma objects (they travel once, inside eventJson), and each template's outcome. */
  | { event: Omit<AlertEvent, 'heartbeatJSON' | 'monitorJSON'>; eventJson: string; template: string | undefined; templates: string[]; outcomes: RenderOutcome[] }
  /** The request is refused as the handler would refuse it: a body (BodyError) or payload (PayloadError) problem. */
  | { refused: 'body'; statusCode: 400 | 413 | 415; message: string }
  | { refused: 'payload'; message: string }
  /** Anything else: the main thread does the work itself. */
  | { failed: string };

/** A webhook made ready in the worker: what dispatch needs, nothing left to decode or render. */
export interface PreparedWebhook {
  event: AlertEvent;
  eventJson: string;
  /** The source's template (undefined: the route's). */
  template: string | undefined;
  /** Each template the routes took, rendered; one the worker could not render is left out. */
  rendered: Map<string, RenderedMessage>;
}

/** Renders alerts in a worker thread. */
export interface RenderPool {
  /**
   * The event rendered with each template, by name. Templates the worker could not render are left out, and the
   * whole answer is undefined while the worker starts or after it failed: the caller renders those itself.
   */
  render(eventJson: string, templates: readonly string[]): Promise<Map<string, RenderedMessage> | undefined>;
  /**
   * A webhook's body decoded, routed and rendered in the worker; undefined while the worker starts, after it failed,
   * or when something unexpected happened there: the caller does it itself. Rejects with BodyError or PayloadError,
   * as the request handler's own decoding would.
   */
  prepareWebhook(job: Omit<WebhookJob, 'kind'>): Promise<PreparedWebhook | undefined>;
  /** Resolves true once the worker renders, false if it failed to start or was closed first. */
  whenReady(): Promise<boolean>;
  /** Ends the worker; jobs still waiting resolve undefined. */
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

/** A job waiting for its answer; `settle(undefined)` when the worker will not give one. */
interface Waiter {
  job: RenderJob | WebhookJob;
  settle: (answer: unknown) => void;
}

/** Starts the worker; until it says it is ready, jobs answer undefined at once. */
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
    for (const batch of inFlight.splice(0)) batch.forEach((w) => w.settle(undefined));
    queued.splice(0).forEach((w) => w.settle(undefined));
  };
  const giveUp = (why: string): void => {
    if (ended) return;
    end();
    log.warn({ err: why }, 'the render worker stopped: alerts are decoded and rendered on the main thread again');
  };
  workerOf(data).then((started) => {
    if (ended) return void started.terminate();
    worker = started;
    // Never what keeps a finished process alive.
    started.unref();
    started.on('message', (message: 'ready' | unknown[]) => {
      if (message === 'ready') {
        ready = true;
        settleReady(true);
        return;
      }
      inFlight.shift()?.forEach((w, i) => w.settle(message[i]));
    });
    started.on('error', (error) => giveUp(error.message));
    started.on('exit', (code) => giveUp(`it exited with code ${code}`));
  }, (error: unknown) => giveUp((error as Error).message));

  // One message per event-loop turn, however many webhooks came in it: posting costs more than a render's share.
  const flush = (): void => {
    const batch = queued;
    queued = [];
    if (ended || !worker || batch.length === 0) return batch.forEach((w) => w.settle(undefined));
    inFlight.push(batch);
    try {
      worker.postMessage(batch.map((w) => w.job));
    } catch (error) {
      // Strings and byte arrays always clone; a worker torn down under us is the one way here.
      inFlight.pop();
      batch.forEach((w) => w.settle(undefined));
      giveUp((error as Error).message);
    }
  };
  const post = <T>(job: RenderJob | WebhookJob, read: (answer: unknown) => T | undefined): Promise<T | undefined> => {
    if (!ready || ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const settle = (answer: unknown): void => {
        try {
          resolve(answer === undefined ? undefined : read(answer));
        } catch (error) {
          // BodyError or PayloadError: the request's refusal, for the handler to answer.
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      if (queued.push({ job, settle }) === 1) setImmediate(flush);
    });
  };

  return {
    render(eventJson, templates) {
      if (templates.length === 0) return Promise.resolve(undefined);
      return post({ kind: 'render', eventJson, templates }, (outcomes) => byTemplate(templates, outcomes as RenderOutcome[]));
    },
    prepareWebhook(job) {
      return post({ kind: 'webhook', ...job }, (answer) => prepared(answer as WebhookAnswer));
    },
    whenReady: () => readiness,
    async close() {
      if (!ended) end();
      await worker?.terminate();
    },
  };
}

function byTemplate(names: readonly string[], outcomes: readonly RenderOutcome[]): Map<string, RenderedMessage> {
  const rendered = new Map<string, RenderedMessage>();
  names.forEach((name, i) => {
    const outcome = outcomes[i];
    if (outcome && !('error' in outcome)) rendered.set(name, outcome);
  });
  return rendered;
}

/** The worker's answer as the request handler uses it: throws the handler's own errors for a refused request. */
function prepared(answer: WebhookAnswer): PreparedWebhook | undefined {
  if ('refused' in answer) {
    throw answer.refused === 'body' ? new BodyError(answer.statusCode, answer.message) : new PayloadError(answer.message);
  }
  if ('failed' in answer) return undefined;
  return {
    event: new PreparedEvent(answer.event, answer.eventJson), eventJson: answer.eventJson,
    template: answer.template, rendered: byTemplate(answer.templates, answer.outcomes),
  };
}

/**
 * The whole event, its Kuma objects read from its JSON text only if something asks for them: routing, incidents and
 * the outbox never do; only rendering a template on the main thread (one the worker could not render) does. Getters
 * of a class, not of each object: per-object accessors and their closures doubled what each webhook left for the
 * main thread's garbage collector to copy.
 */
class PreparedEvent implements AlertEvent {
  source: string;
  status: AlertEvent['status'];
  name: string;
  hostnameOrURL: string;
  msg: string;
  time: Date;
  tags: string[];
  group?: string;
  allowedRooms?: string[];
  readonly #json: string;
  #whole: AlertEvent | undefined;

  constructor(event: Omit<AlertEvent, 'heartbeatJSON' | 'monitorJSON'>, json: string) {
    this.source = event.source;
    this.status = event.status;
    this.name = event.name;
    this.hostnameOrURL = event.hostnameOrURL;
    this.msg = event.msg;
    this.time = event.time;
    this.tags = event.tags;
    if (event.group !== undefined) this.group = event.group;
    if (event.allowedRooms !== undefined) this.allowedRooms = event.allowedRooms;
    this.#json = json;
  }

  get heartbeatJSON(): AlertEvent['heartbeatJSON'] {
    return this.#read().heartbeatJSON;
  }

  get monitorJSON(): AlertEvent['monitorJSON'] {
    return this.#read().monitorJSON;
  }

  /** JSON.stringify gives the worker's text again, Kuma objects included. */
  toJSON(): AlertEvent {
    return this.#read();
  }

  #read(): AlertEvent {
    return (this.#whole ??= eventFromJson(this.#json));
  }
}
