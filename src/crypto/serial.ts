// Runs async tasks one at a time, in call order: the OlmMachine must not share a room key twice at once.

/** A queue of one: each task starts when the previous one has settled, whatever its outcome. */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it; resolves or rejects with its outcome. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
