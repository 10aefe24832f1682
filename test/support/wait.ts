// Waiting, in tests of code that runs on real timers, sockets and processes: for a condition, by a deadline in
// time — never by a count of event-loop turns, which a slower or loaded machine runs out of.

/**
 * How long a wait gives by default: far more than any one step here takes on a loaded 2-core machine (seconds at
 * worst), and well under vitest's test timeout (vitest.config.ts), so a wait that fails says what it waited for.
 */
export const WAIT_MS = 15_000;

/**
 * How long a wait that includes starting a Vigie process through tsx gives: 1–2 s on an idle 2-core machine, up to
 * ~5 s under two CPU burners, more than 15 s seen under six. A test that starts two gives itself 120 s.
 */
export const PROCESS_START_MS = 45_000;

/** Waits until `condition` holds, checking every 10 ms; fails naming `what` once `timeoutMs` has passed. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves as `promise` does; rejects naming `what` if it takes longer than `timeoutMs`. */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
