// The embedded engine: PGlite, PostgreSQL compiled to WebAssembly, running in this process on one connection.
// Every statement and transaction queues on one mutex, so a statement issued while a transaction is open waits
// for it to end instead of running inside it.
import { mkdirSync } from "node:fs";
import { EnvironmentError } from "@amc/utils";
import { PGlite, type Transaction, TransactionAbortedError } from "@electric-sql/pglite";
import { type Isolation, type RawTransaction, StoreEngine } from "./engine.js";
import { Mutex } from "./mutex.js";
import { toSqlError, transactionAbortedError } from "./sqlError.js";
import type { QueryResult, Row, Store } from "./store.js";
import { SESSION_SETTINGS, scalarParsers } from "./typeParsers.js";

type Queryable = Pick<Transaction, "query" | "exec">;

async function runOn<T extends Row>(target: Queryable, text: string, params: unknown[]): Promise<QueryResult<T>> {
  try {
    const result = await target.query<T>(text, params);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  } catch (error) {
    throw toSqlError(error, text);
  }
}

async function execOn(target: Queryable, script: string): Promise<void> {
  try {
    await target.exec(script);
  } catch (error) {
    throw toSqlError(error, script);
  }
}

class PgliteStore extends StoreEngine {
  readonly kind = "pglite";
  readonly #db: PGlite;
  readonly #mutex = new Mutex();

  constructor(db: PGlite) {
    super();
    this.#db = db;
  }

  protected runQuery<T extends Row>(text: string, params: unknown[]): Promise<QueryResult<T>> {
    return this.#mutex.run(() => runOn<T>(this.#db, text, params));
  }

  // One connection: transactions are serial whatever the level asked for.
  protected runTransaction<T>(body: (raw: RawTransaction) => Promise<T>, _isolation: Isolation): Promise<T> {
    return this.#mutex.run(async () => {
      try {
        return await this.#db.transaction((tx) =>
          body({
            query: <R extends Row>(text: string, params: unknown[]) => runOn<R>(tx, text, params),
            exec: (script: string) => execOn(tx, script),
          }),
        );
      } catch (error) {
        // PGlite's COMMIT of a transaction in which a statement failed (and the error was caught).
        if (error instanceof TransactionAbortedError) throw transactionAbortedError(error);
        throw toSqlError(error);
      }
    });
  }

  protected shutdown(): Promise<void> {
    return this.#mutex.run(() => this.#db.close());
  }
}

export async function openPgliteStore(dataDir?: string): Promise<Store> {
  let db: PGlite;
  try {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    db = dataDir
      ? await PGlite.create(dataDir, { parsers: scalarParsers })
      : await PGlite.create({ parsers: scalarParsers });
  } catch (error) {
    throw new EnvironmentError(`cannot open the PGlite database ${dataDir ? `in ${dataDir}` : "in memory"}`, {
      details: error instanceof Error ? error.message : String(error),
      fix: dataDir
        ? "check that the folder is writable and that no other process has it open (PGlite is single-process)"
        : undefined,
      cause: error,
    });
  }
  for (const [name, value] of Object.entries(SESSION_SETTINGS))
    await db.query("SELECT set_config($1, $2, false)", [name, value]);
  return new PgliteStore(db);
}
