// A FIFO async mutex: callers run one at a time, in the order they asked. PGlite has a single connection, so
// every statement and transaction of a PGlite store goes through one of these; on a server the transactions of
// one Store do (see store.ts for why).

export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  /** How many callers hold or wait for the mutex. */
  get pending(): number {
    return this.#waiting;
  }

  /** Runs `fn` once every earlier caller has finished; a throw releases the mutex and reaches the caller. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    this.#waiting++;
    const result = this.#tail.then(fn).finally(() => {
      this.#waiting--;
    });
    // The next caller waits for this one to settle either way; its own outcome is reported through `result`.
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
