// How a check that could not finish is told: time limits, cancellation and network errors, as one line a person reads.

/** Writes milliseconds as seconds the way messages show them: "10 s", "0.2 s". */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`;
}

/** One check's signal, and the way to let go of the engine's signal and the timer when the check is done. */
export interface CheckLimit {
  signal: AbortSignal;
  dispose: () => void;
}

/**
 * A signal that aborts when `parent` does or when `timeoutMs` has passed, whichever comes first.
 * Not AbortSignal.any: on Node 20 it keeps every combined signal alive while a long-lived parent
 * (a shutdown signal) lives (nodejs/node#55351), and a monitor runs for months.
 */
export function limitSignal(parent: AbortSignal, timeoutMs: number): CheckLimit {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  const timer = setTimeout(() => controller.abort(new DOMException(`took longer than ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/** Why an aborted check stopped: its time limit ("timeout after 10 s"), or a cancellation by the engine. */
export function abortMessage(signal: AbortSignal, timeoutMs: number): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return `timeout after ${seconds(timeoutMs)}`;
  return 'check cancelled before it finished (Vigie is stopping or the monitor changed)';
}

/** Hints for system error codes whose own message is terse. */
const CODE_HINTS: Record<string, string> = {
  ECONNRESET: 'the connection was reset by the other side',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'DNS lookup failed for now; the resolver may be down',
  EHOSTUNREACH: 'no route to that host',
  ENETUNREACH: 'no route to that network',
  ETIMEDOUT: 'the host did not answer',
};

/** The error's own message, with a hint when its code alone says little. */
export function networkErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const hint = code === undefined ? undefined : CODE_HINTS[code];
  return hint && !error.message.includes(hint) ? `${error.message} (${hint})` : error.message;
}

/** Milliseconds since `start` (from `performance.now()`), rounded to a tenth. */
export function elapsedSince(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
