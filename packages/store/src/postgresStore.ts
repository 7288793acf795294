// The server engine: a node-postgres pool. Sessions get the same settings and type parsers as PGlite
// (typeParsers.ts); statements always go through the extended protocol, so one statement per query() on both
// engines; transactions of this store queue on a mutex and run SERIALIZABLE, retried on a serialisation
// conflict with another process.
import { backoffMs, createLogger, EnvironmentError, errorMessage, sleep } from "@amc/utils";
import { Pool, type PoolClient, type QueryConfig } from "pg";
import { type Isolation, type RawTransaction, StoreEngine } from "./engine.js";
import { Mutex } from "./mutex.js";
import { SqlState, sqlStateOf, toSqlError, transactionAbortedError } from "./sqlError.js";
import type { QueryResult, Row, Store } from "./store.js";
import { postgresTypeParser, SESSION_SETTINGS } from "./typeParsers.js";

/** Attempts of a transaction that PostgreSQL aborts with a serialisation failure or a deadlock. */
export const TRANSACTION_ATTEMPTS = 5;

const logger = createLogger({ component: "store" });

/** The URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparsable connection string)";
  }
}

type Runner = Pick<PoolClient, "query">;

async function runOn<T extends Row>(runner: Runner, text: string, params: unknown[]): Promise<QueryResult<T>> {
  // queryMode "extended" even without parameters: one statement per call, as on PGlite (pg would otherwise use
  // the simple protocol, which runs several). @types/pg does not declare the field.
  const config: QueryConfig<unknown[]> & { queryMode: "extended" } = { text, values: params, queryMode: "extended" };
  try {
    const result = await runner.query<T>(config);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  } catch (error) {
    throw toSqlError(error, text);
  }
}

async function execOn(runner: Runner, script: string): Promise<void> {
  try {
    await runner.query(script);
  } catch (error) {
    throw toSqlError(error, script);
  }
}

class PostgresStore extends StoreEngine {
  readonly kind = "postgres";
  readonly #pool: Pool;
  readonly #transactions = new Mutex();

  #closing = false;

  constructor(pool: Pool, where: string) {
    super();
    this.#pool = pool;
    // An idle connection that the server drops emits here; without a listener it would crash the process.
    // While the pool ends, its connections closing is expected (pool.end() does not wait for their sockets).
    pool.on("error", (error) => {
      if (!this.#closing)
        logger.warn("idle PostgreSQL connection failed", { server: where, error: errorMessage(error) });
    });
  }

  protected runQuery<T extends Row>(text: string, params: unknown[]): Promise<QueryResult<T>> {
    return runOn<T>(this.#pool, text, params);
  }

  protected runTransaction<T>(body: (raw: RawTransaction) => Promise<T>, isolation: Isolation): Promise<T> {
    const begin = `BEGIN ISOLATION LEVEL ${isolation === "serializable" ? "SERIALIZABLE" : "READ COMMITTED"}`;
    return this.#transactions.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const client = await this.#pool.connect();
        let reusable = true;
        try {
          await client.query(begin);
          const result = await body({
            query: <R extends Row>(text: string, params: unknown[]) => runOn<R>(client, text, params),
            exec: (script: string) => execOn(client, script),
          });
          // A COMMIT of a transaction in which a statement failed answers ROLLBACK instead of raising.
          const commit = await client.query("COMMIT");
          if (commit.command === "ROLLBACK") throw transactionAbortedError();
          return result;
        } catch (error) {
          reusable = await rollback(client);
          const state = sqlStateOf(error);
          const conflict = state === SqlState.serializationFailure || state === SqlState.deadlockDetected;
          if (conflict && attempt < TRANSACTION_ATTEMPTS) {
            await sleep(backoffMs(attempt - 1, 10, 500));
            continue;
          }
          throw toSqlError(error);
        } finally {
          client.release(!reusable);
        }
      }
    });
  }

  protected async shutdown(): Promise<void> {
    this.#closing = true;
    await this.#transactions.run(() => this.#pool.end());
  }
}

/** ROLLBACK; false when even that failed, and the connection must be discarded rather than reused. */
async function rollback(client: PoolClient): Promise<boolean> {
  try {
    await client.query("ROLLBACK");
    return true;
  } catch (error) {
    logger.warn("ROLLBACK failed; discarding the connection", { error: errorMessage(error) });
    return false;
  }
}

export async function openPostgresStore(url: string): Promise<Store> {
  const where = redactUrl(url);
  const pool = new Pool({
    connectionString: url,
    types: { getTypeParser: postgresTypeParser },
    options: Object.entries(SESSION_SETTINGS)
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(" "),
    application_name: "amc",
    max: 10,
  });
  const store = new PostgresStore(pool, where);
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end();
    throw new EnvironmentError(`cannot reach PostgreSQL at ${where}: ${errorMessage(error)}`, {
      fix: "check AMC_DATABASE_URL, and that the server runs and accepts this user and database",
      cause: error,
    });
  }
  return store;
}
