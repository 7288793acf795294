// React hooks shared by the pages: polling a resource (no overlapping requests, last good data kept while an error
// shows), a ticking clock for ages, and the hash route (the gateway serves only `/`, so pages live in the hash).
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";

export type Poll<T> = {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Local time (ms) of the last successful answer. */
  updatedAt: number | undefined;
  refresh: () => void;
};

/**
 * Calls `load` now and then `intervalMs` after each answer (0 = once) while mounted; a change of `key` starts over
 * with fresh data. `enabled = false` pauses without clearing.
 */
export function usePoll<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  enabled = true,
): Poll<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: unknown; updatedAt?: number; busy: boolean }>({
    key,
    busy: true,
  });
  const [kick, setKick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `kick` restarts the loop on refresh().
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const data = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setState({ key, data, error: undefined, updatedAt: Date.now(), busy: false });
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((s) => (s.key === key ? { ...s, error, busy: false } : { key, error, busy: false }));
      }
      if (intervalMs > 0 && !controller.signal.aborted) timer = setTimeout(run, intervalMs);
    };
    setState((s) => (s.key === key ? s : { key, busy: true }));
    void run();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [key, intervalMs, enabled, kick]);

  const refresh = useCallback(() => setKick((k) => k + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || (state.busy && state.data === undefined),
    updatedAt: current ? state.updatedAt : undefined,
    refresh,
  };
}

/** The current time in ms, re-rendering every `intervalMs`. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export type Route = { page: string; params: URLSearchParams };

/** Parses `#/identity?did=…` into { page: "identity", params }. Unknown or empty hashes give "network". */
export function parseHash(hash: string): Route {
  const body = hash.replace(/^#\/?/, "");
  const q = body.indexOf("?");
  const path = (q < 0 ? body : body.slice(0, q)).split("/")[0] ?? "";
  return { page: path || "network", params: new URLSearchParams(q < 0 ? "" : body.slice(q + 1)) };
}

const subscribeHash = (notify: () => void) => {
  window.addEventListener("hashchange", notify);
  return () => window.removeEventListener("hashchange", notify);
};

/** The hash route, re-rendering on navigation. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  return parseHash(hash);
}

/** Sets the hash's query parameters of the current page without adding a history entry. */
export function replaceParams(page: string, params: Record<string, string | undefined>): void {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
  const query = search.toString();
  window.history.replaceState(null, "", `#/${page}${query ? `?${query}` : ""}`);
}
