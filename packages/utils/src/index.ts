export { assert, unreachable } from "./assert.js";
export {
  AssertionError,
  BaseError,
  type BaseErrorParameters,
  EnvironmentError,
  errorMessage,
  InvalidInputError,
  TimeoutError,
} from "./errors.js";
export { readJsonIfExists, stringify, writeFileAtomic } from "./json.js";
export { createLogger, type Logger, type LogLevel } from "./logger.js";
export { Metrics } from "./metrics.js";
export { backoffMs, sleep, type WaitForOptions, waitFor } from "./time.js";
