// Entry point of a VerifyPool worker (pool.ts): registers tsx's ESM hooks in this thread, then loads the
// TypeScript worker. A plain .mjs because on Node 20 a worker's own entry point cannot be TypeScript, even with
// `--import tsx/esm` in its execArgv, while hooks registered from inside the worker apply to what it imports next.
import { register } from "tsx/esm/api";

register();
await import("./pool.worker.ts");
