import { TimeoutError } from "./errors.js";

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

export type WaitForOptions = {
  timeoutMs: number;
  intervalMs?: number;
  /** Said in the TimeoutError, e.g. "chain main to answer JSON-RPC". */
  what: string;
  fix?: string;
};

/** Polls `probe` until it returns a value other than undefined, or throws a TimeoutError. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, options: WaitForOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline)
      throw new TimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`, {
        fix: options.fix,
        cause: lastError,
      });
    await sleep(options.intervalMs ?? 100);
  }
}

/** Exponential backoff with full jitter, capped; attempt counts from 0. */
export function backoffMs(attempt: number, baseMs = 200, capMs = 10_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
