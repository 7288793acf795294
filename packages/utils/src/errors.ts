// One error hierarchy for the whole project (after viem's BaseError): every error has a fixed `name`, a short
// message saying what went wrong, optional details and a hint saying what to do, and keeps its cause.

export type BaseErrorParameters = {
  /** Longer explanation, shown after the short message. */
  details?: string | undefined;
  /** What the user can do about it, e.g. "run `npm install`". */
  fix?: string | undefined;
  cause?: unknown;
};

export class BaseError extends Error {
  override name = "AmcError";
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly fix: string | undefined;

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const lines = [shortMessage];
    if (parameters.details) lines.push(`Details: ${parameters.details}`);
    if (parameters.fix) lines.push(`Fix: ${parameters.fix}`);
    super(lines.join("\n"), parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.shortMessage = shortMessage;
    this.details = parameters.details;
    this.fix = parameters.fix;
  }

  /** One line for a terminal: the short message and, when known, the fix. */
  oneLine(): string {
    return this.fix ? `${this.shortMessage} (${this.fix})` : this.shortMessage;
  }

  /** Walks the cause chain and returns the first error that `predicate` accepts. */
  walk(predicate: (error: unknown) => boolean): unknown {
    let current: unknown = this;
    while (current !== undefined && current !== null) {
      if (predicate(current)) return current;
      current = current instanceof Error ? current.cause : undefined;
    }
    return undefined;
  }
}

/** Input from outside (a file, an HTTP body, a CLI flag) did not validate. */
export class InvalidInputError extends BaseError {
  override name = "InvalidInputError";
}

/** An assertion about our own state failed: a bug, not bad input. */
export class AssertionError extends BaseError {
  override name = "AssertionError";
}

/** Something the platform needs is missing or taken: a binary, a port, a file. */
export class EnvironmentError extends BaseError {
  override name = "EnvironmentError";
}

/** Waiting for a condition took longer than allowed. */
export class TimeoutError extends BaseError {
  override name = "TimeoutError";
}

/** Returns a readable one-line message for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof BaseError) return error.oneLine();
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error);
}
