// Errors of the data service. Each carries the HTTP status the gateway answers with and a stable `code`, so a
// caller (CLI, SDK, dashboard) can react to "no consent" differently from "erased" without parsing messages.
import { BaseError, type BaseErrorParameters } from "@amc/utils";
import type { z } from "zod";

export const dataErrorCodes = {
  invalid: 400,
  bad_signature: 401,
  unauthenticated: 401,
  forbidden: 403,
  no_consent: 403,
  credential_rejected: 403,
  region_refused: 403,
  not_found: 404,
  conflict: 409,
  /** A priced data request whose escrow does not cover another participant: the requester must deposit first. */
  unfunded: 409,
  erased: 410,
  budget_exceeded: 429,
  unavailable: 503,
} as const;
export type DataErrorCode = keyof typeof dataErrorCodes;

export class DataError extends BaseError {
  override name = "DataError";
  readonly status: number;
  constructor(
    readonly code: DataErrorCode,
    message: string,
    parameters: BaseErrorParameters = {},
  ) {
    super(message, parameters);
    this.status = dataErrorCodes[code];
  }
}

/** Parses input from outside with `schema`, or throws an `invalid` DataError naming every failing field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
  throw new DataError("invalid", `bad ${what}: ${fields}`);
}
