// The off-chain state of a node: PostgreSQL through one small interface. By default it is embedded PGlite
// (PostgreSQL compiled to WebAssembly, in-process, persisted to a folder), so `amc up` needs no database server;
// when the platform is given AMC_DATABASE_URL it is a real PostgreSQL server through a node-postgres pool.
// The same migrations and statements run on both, and rows come back with the same JS types (typeParsers.ts).
//
// Transactions: the transactions of one Store never overlap (PGlite has a single connection anyway; on a server
// they queue on an in-process mutex too), so they never conflict with each other. On a server they also run
// SERIALIZABLE, which makes them serialisable with respect to other processes' transactions as well; when
// PostgreSQL reports such a conflict (SQLSTATE 40001/40P01) the whole function is run again, up to 5 attempts.
// So a transaction function must have no effect except through its `tx`.
import { join } from "node:path";
import { openPgliteStore } from "./pgliteStore.js";
import { openPostgresStore } from "./postgresStore.js";

export type Row = Record<string, unknown>;

export type QueryResult<T extends Row = Row> = {
  rows: T[];
  /** Rows returned (SELECT) or affected (INSERT/UPDATE/DELETE); 0 for statements without rows (DDL). */
  rowCount: number;
};

/** Something that runs one statement with `$1, $2, ...` placeholders: a store, or a transaction of one. */
export interface Sql {
  /**
   * Runs ONE statement (several separated by `;` are refused on both engines; put scripts in migrations).
   * Parameters: bigint/number/string/boolean/null, Uint8Array for bytea, Date for timestamps, a plain object for
   * json/jsonb (a top-level JSON array must be passed as JSON.stringify(...) text: JS arrays are PostgreSQL arrays).
   * A refused statement throws an SqlError carrying the SQLSTATE `code`.
   */
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

export type StoreKind = "pglite" | "postgres";

export interface Store extends Sql {
  readonly kind: StoreKind;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws (the error reaches the
   * caller). Serialisable with respect to the other transactions of this store; on a server `fn` may be re-run
   * after a serialisation conflict with another process, so it must act only through `tx`. Calling the store
   * itself (not `tx`) inside `fn` throws: it would wait for the very transaction it runs in.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Brings `component`'s schema up to date: migration i (0-based) is version i + 1; each pending one runs in its
   * own transaction and is recorded in amc_migrations(component, version, checksum, applied_at). Refuses with a
   * MigrationError when an applied migration's text has changed or the database has versions this code lacks.
   * Safe to run from several processes at once on a server (an advisory lock serialises them).
   */
  migrate(component: string, migrations: readonly string[]): Promise<{ applied: number }>;
  /** Waits for queued work, then closes the database (PGlite flushes to its folder) or the pool. */
  close(): Promise<void>;
}

export type OpenStoreOptions = {
  /** A postgres:// URL: use that server. */
  url?: string | undefined;
  /** Without `url`: the PGlite data folder (created when missing); without either, an in-memory PGlite. */
  dataDir?: string | undefined;
};

/**
 * Opens a store: a PostgreSQL server when `url` is given, otherwise PGlite in `dataDir` (or in memory).
 *
 * @example
 * const store = await openStore({ dataDir: "/var/lib/amc/db" });
 * await store.migrate("vault", ["CREATE TABLE blobs (hash text PRIMARY KEY, size int8 NOT NULL)"]);
 * const { rows } = await store.query<{ size: bigint }>("SELECT size FROM blobs WHERE hash = $1", [hash]);
 */
export function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  return options.url ? openPostgresStore(options.url) : openPgliteStore(options.dataDir);
}

/** The store of a platform home: the server of AMC_DATABASE_URL when set, else PGlite in `${home}/db`. */
export function storeForHome(home: string, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const url = env.AMC_DATABASE_URL?.trim();
  return url ? openStore({ url }) : openStore({ dataDir: join(home, "db") });
}
