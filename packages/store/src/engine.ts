// What the two engines share: the closed-store and same-store-deadlock checks, the transaction handle that dies
// with its transaction, and migrations. Each engine supplies only how to run a statement and a transaction.
import { AsyncLocalStorage } from "node:async_hooks";
import { AssertionError } from "@amc/utils";
import { runMigrations } from "./migrate.js";
import type { QueryResult, Row, Sql, Store, StoreKind } from "./store.js";

export type Isolation = "serializable" | "read committed";

/** A transaction as the store's own code sees it: statements, and multi-statement scripts for migrations. */
export interface TransactionSql extends Sql {
  exec(script: string): Promise<void>;
}

export type RawTransaction = {
  query<T extends Row>(text: string, params: unknown[]): Promise<QueryResult<T>>;
  exec(script: string): Promise<void>;
};

type TransactionContext = { owner: StoreEngine; open: boolean };
const currentTransaction = new AsyncLocalStorage<TransactionContext>();

export abstract class StoreEngine implements Store {
  abstract readonly kind: StoreKind;
  #closing: Promise<void> | undefined;

  /** Runs one statement outside any transaction. */
  protected abstract runQuery<T extends Row>(text: string, params: unknown[]): Promise<QueryResult<T>>;
  /** Runs `body` inside BEGIN ... COMMIT/ROLLBACK on one connection, passing that connection's statements. */
  protected abstract runTransaction<T>(body: (raw: RawTransaction) => Promise<T>, isolation: Isolation): Promise<T>;
  /** Closes the database or pool once queued work has finished. */
  protected abstract shutdown(): Promise<void>;

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    this.#checkUsable("query");
    return this.runQuery<T>(text, [...params]);
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.transactionWith(fn, "serializable");
  }

  /** A transaction at a chosen isolation level (on PGlite every level is serial), with `exec` for scripts. */
  async transactionWith<T>(fn: (tx: TransactionSql) => Promise<T>, isolation: Isolation): Promise<T> {
    this.#checkUsable("transaction");
    return this.runTransaction(async (raw) => {
      const context: TransactionContext = { owner: this, open: true };
      const finished = () => {
        if (!context.open)
          throw new AssertionError("this transaction has already ended", {
            fix: "use `tx` only inside the function given to store.transaction(), and await every statement",
          });
      };
      const tx: TransactionSql = {
        query: async <R extends Row = Row>(text: string, params: readonly unknown[] = []) => {
          finished();
          return raw.query<R>(text, [...params]);
        },
        exec: async (script: string) => {
          finished();
          return raw.exec(script);
        },
      };
      try {
        return await currentTransaction.run(context, () => fn(tx));
      } finally {
        context.open = false;
      }
    }, isolation);
  }

  migrate(component: string, migrations: readonly string[]): Promise<{ applied: number }> {
    return runMigrations(this, component, migrations);
  }

  close(): Promise<void> {
    this.#closing ??= this.shutdown();
    return this.#closing;
  }

  #checkUsable(what: "query" | "transaction"): void {
    if (this.#closing)
      throw new AssertionError(`store.${what}() on a closed ${this.kind} store`, {
        fix: "open the store again with openStore(); a closed store stays closed",
      });
    const context = currentTransaction.getStore();
    if (context?.owner === this && context.open)
      throw new AssertionError(`store.${what}() called inside a transaction of the same store`, {
        details: "it would wait for the transaction it runs in to end",
        fix: "use the `tx` passed to the transaction function",
      });
  }
}
