import { AssertionError } from "./errors.js";

/** Throws an AssertionError when `condition` is false; narrows the type when it holds. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Marks a switch as exhaustive: the compiler fails here if a case is missing. */
export function unreachable(value: never, what = "value"): never {
  throw new AssertionError(`unexpected ${what}: ${String(value)}`);
}
