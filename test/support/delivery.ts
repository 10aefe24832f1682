// Fakes for delivery tests: a scripted EventSender that answers like a homeserver, a rate limiter, a log capture.
import type { EventSender } from '../../src/delivery/sender.js';
import { createLogger, type Logger } from '../../src/logging.js';
import { MatrixError, MatrixNetworkError } from '../../src/matrix/errors.js';

/** One sendEvent call as the fake saw it; `at` is Date.now() (fake time under vi.useFakeTimers). */
export interface SendCall {
  roomId: string;
  type: string;
  txnId: string;
  content: { body?: string };
  signal: AbortSignal | undefined;
  at: number;
}

/** The fake's answer to one call: an error to throw, 'hang' until aborted, or undefined for success. */
export type Answer = Error | 'hang' | undefined;

/** Decides the answer to each call (after any queued answers are used up). */
export type Script = (call: SendCall) => Answer | Promise<Answer>;

/** An EventSender that records calls and, like a homeserver, accepts each txnId once (a repeat returns the same event id). */
export class FakeSender implements EventSender {
  readonly calls: SendCall[] = [];
  /** First acceptance of each txnId, in order: what people in the room would see. */
  readonly accepted: SendCall[] = [];
  private readonly eventIds = new Map<string, string>();
  private readonly queued: Answer[] = [];

  constructor(public script: Script = () => undefined) {}

  /** The next calls get these answers, in order, before the script is asked. */
  answerNext(...answers: Answer[]): this {
    this.queued.push(...answers);
    return this;
  }

  async sendEvent(roomId: string, type: string, txnId: string, content: object, signal?: AbortSignal): Promise<{ eventId: string }> {
    const call: SendCall = { roomId, type, txnId, content, signal, at: Date.now() };
    this.calls.push(call);
    const answer = this.queued.length > 0 ? this.queued.shift() : await this.script(call);
    if (answer === 'hang') return hangUntilAborted(signal);
    if (answer instanceof Error) throw answer;
    let eventId = this.eventIds.get(txnId);
    if (eventId === undefined) {
      eventId = `$event${this.eventIds.size + 1}`;
      this.eventIds.set(txnId, eventId);
      this.accepted.push(call);
    }
    return { eventId };
  }

  /** Bodies the room received, in order. */
  bodies(roomId: string): Array<string | undefined> {
    return this.accepted.filter((c) => c.roomId === roomId).map((c) => c.content.body);
  }

  /** The calls made for one txnId. */
  callsFor(txnId: string): SendCall[] {
    return this.calls.filter((c) => c.txnId === txnId);
  }
}

function hangUntilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () => reject(new MatrixNetworkError('request aborted')), { once: true });
  });
}

/** Errors as the Matrix client throws them. */
export const fail = {
  rateLimited: (retryAfterMs?: number): MatrixError => new MatrixError('M_LIMIT_EXCEEDED', 429, 'Too Many Requests', retryAfterMs),
  server: (status = 502): MatrixError => new MatrixError('M_UNKNOWN', status, 'Bad Gateway'),
  network: (): MatrixNetworkError => new MatrixNetworkError('connect ECONNREFUSED 127.0.0.1:8008'),
  matrix: (errcode: string, status: number, message = 'refused'): MatrixError => new MatrixError(errcode, status, message),
};

/** Synapse's message limiter (burst, then perSecond): a 429 with retry_after_ms when the bucket is empty. */
export function rateLimiter({ burst = 10, perSecond = 0.2 } = {}): Script {
  let tokens = burst;
  let last = Date.now();
  return () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * perSecond);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return undefined;
    }
    return fail.rateLimited(Math.ceil(((1 - tokens) / perSecond) * 1000));
  };
}

/** A log line as pino wrote it. */
export interface LogLine {
  level: number;
  msg: string;
  component?: string;
  [key: string]: unknown;
}

/** A real pino logger whose lines are kept in `lines`, to assert what a person would read. */
export function captureLogger(level = 'debug'): { logger: Logger; lines: LogLine[]; at: (lvl: 'warn' | 'info' | 'error') => LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({ level, destination: { write: (s: string) => lines.push(JSON.parse(s) as LogLine) } });
  const levels = { info: 30, warn: 40, error: 50 };
  return { logger, lines, at: (lvl) => lines.filter((l) => l.level === levels[lvl]) };
}
