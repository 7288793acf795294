// Errors a statement can raise, as one type for both engines: PGlite and node-postgres each throw their own
// DatabaseError class; callers should branch on the SQLSTATE code (`23505` unique violation, ...) and not care
// which engine ran the statement.
import { BaseError, type BaseErrorParameters } from "@amc/utils";

/** SQLSTATE codes the store itself branches on or raises. */
export const SqlState = {
  uniqueViolation: "23505",
  inFailedTransaction: "25P02",
  serializationFailure: "40001",
  deadlockDetected: "40P01",
  syntaxError: "42601",
  undefinedTable: "42P01",
} as const;

export type SqlErrorParameters = BaseErrorParameters & {
  /** The SQLSTATE code, e.g. "23505". */
  code?: string | undefined;
  constraint?: string | undefined;
  table?: string | undefined;
  column?: string | undefined;
};

/** PostgreSQL (server or PGlite) refused a statement; `code` is its SQLSTATE. */
export class SqlError extends BaseError {
  override name = "SqlError";
  readonly code: string | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;

  constructor(shortMessage: string, parameters: SqlErrorParameters = {}) {
    super(shortMessage, parameters);
    this.code = parameters.code;
    this.constraint = parameters.constraint;
    this.table = parameters.table;
    this.column = parameters.column;
  }
}

type DatabaseErrorLike = Error & {
  code: string;
  severity?: unknown;
  detail?: unknown;
  hint?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
};

/** True for an error the database sent (both engines' DatabaseError carry a SQLSTATE code and a severity). */
export function isDatabaseError(error: unknown): error is DatabaseErrorLike {
  return error instanceof Error && "code" in error && typeof error.code === "string" && "severity" in error;
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value ? value : undefined);

/** Turns an engine's database error into an SqlError naming the statement; anything else is returned as it is. */
export function toSqlError(error: unknown, statement?: string): unknown {
  if (!isDatabaseError(error)) return error;
  const details = [text(error.detail), statement === undefined ? undefined : `statement: ${oneLine(statement)}`].filter(
    (part) => part !== undefined,
  );
  return new SqlError(`${error.message} (SQLSTATE ${error.code})`, {
    code: error.code,
    constraint: text(error.constraint),
    table: text(error.table),
    column: text(error.column),
    details: details.length > 0 ? details.join("; ") : undefined,
    fix: text(error.hint),
    cause: error,
  });
}

/** The SQLSTATE code of an error from either engine, wrapped or not. */
export function sqlStateOf(error: unknown): string | undefined {
  if (error instanceof SqlError) return error.code;
  return isDatabaseError(error) ? error.code : undefined;
}

function oneLine(statement: string): string {
  const flat = statement.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** COMMIT found the transaction aborted by an earlier failed statement (whose error was caught) and rolled back. */
export function transactionAbortedError(cause?: unknown): SqlError {
  return new SqlError(
    `the transaction was rolled back at COMMIT: an earlier statement failed in it (SQLSTATE ${SqlState.inFailedTransaction})`,
    {
      code: SqlState.inFailedTransaction,
      fix: "let the failed statement's error end the transaction, or wrap that statement in a SAVEPOINT",
      cause,
    },
  );
}
