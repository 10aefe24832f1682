// Cancellable waits: every delay the deliverer takes, so stop() can end them all at once and leave no timer behind.

interface Sleep {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

/** A set of pending waits; after cancelAll() every wait, current or new, resolves at once. */
export class Sleeps {
  private readonly pending = new Set<Sleep>();
  private cancelled = false;

  /** Resolves after ms, or at cancelAll(). keepAlive=false unrefs the timer so it alone cannot hold the process open. */
  sleep(ms: number, keepAlive: boolean): Promise<void> {
    if (this.cancelled) return Promise.resolve();
    return new Promise((resolve) => {
      const sleep: Sleep = {
        timer: setTimeout(() => {
          this.pending.delete(sleep);
          resolve();
        }, ms),
        resolve,
      };
      if (!keepAlive) sleep.timer.unref();
      this.pending.add(sleep);
    });
  }

  /** Clears every timer and resolves every wait. */
  cancelAll(): void {
    this.cancelled = true;
    for (const sleep of this.pending) {
      clearTimeout(sleep.timer);
      sleep.resolve();
    }
    this.pending.clear();
  }
}
