// The store on both engines: the same statements give the same JS values, transactions commit or roll back as
// a whole, PGlite's single connection is safe under concurrent use, and errors carry their SQLSTATE.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssertionError, EnvironmentError } from "@amc/utils";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { SqlError } from "./sqlError.js";
import { openStore, type Sql, type Store, storeForHome } from "./store.js";
import { POSTGRES_INSTALL_HINT, testEngine } from "./testing.js";

const engines = { pglite: testEngine("pglite"), postgres: testEngine("postgres") };
beforeAll(() => Promise.all([engines.pglite.start(), engines.postgres.start()]));
afterAll(() => Promise.all([engines.pglite.stop(), engines.postgres.stop()]));

/** A fresh store of the engine, closed after the test; the test is skipped when the server binaries are missing. */
async function fresh(kind: "pglite" | "postgres", context: TestContext): Promise<Store> {
  const store = (await engines[kind].open()) ?? context.skip(POSTGRES_INSTALL_HINT);
  context.onTestFinished(() => store.close());
  return store;
}

/** One row with a value of every normalised type, from literals, then the same values through parameters. */
const TYPES_QUERY = `SELECT
  9007199254740993::int8 AS big, 42::int4 AS int, 7::int2 AS small, 1.5::float8 AS float,
  '12345678901234567890.123456789'::numeric AS num, true AS yes, false AS no,
  '\\x00ff10'::bytea AS bytes, '{"a":[1,2,{"b":null}]}'::jsonb AS doc, '[1,"x"]'::json AS list,
  '2024-02-29 23:59:58.123456+02'::timestamptz AS at, '2024-02-29 12:00:00'::timestamp AS local,
  '2024-02-29'::date AS day, '1 day 02:03:04'::interval AS span, 'héllo'::text AS txt,
  '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid AS id, NULL::int8 AS nothing,
  ARRAY[1, 2]::int8[] AS bigs, ARRAY['a', NULL]::text[] AS texts, ARRAY['\\x01'::bytea] AS blobs,
  'infinity'::timestamptz AS forever`;

const TYPES_EXPECTED = {
  big: 9007199254740993n,
  int: 42,
  small: 7,
  float: 1.5,
  num: "12345678901234567890.123456789",
  yes: true,
  no: false,
  bytes: new Uint8Array([0x00, 0xff, 0x10]),
  doc: { a: [1, 2, { b: null }] },
  list: [1, "x"],
  at: new Date("2024-02-29T21:59:58.123Z"),
  local: new Date("2024-02-29T12:00:00Z"),
  day: "2024-02-29",
  span: "1 day 02:03:04",
  txt: "héllo",
  id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
  nothing: null,
  bigs: [1n, 2n],
  texts: ["a", null],
  blobs: [new Uint8Array([1])],
  forever: Number.POSITIVE_INFINITY,
};

describe.each(["pglite", "postgres"] as const)("store on %s", (kind) => {
  it("normalises column types to the same JS values", async (context) => {
    const store = await fresh(kind, context);
    const { rows, rowCount } = await store.query(TYPES_QUERY);
    expect(rowCount).toBe(1);
    expect(rows[0]).toStrictEqual(TYPES_EXPECTED);
    expect(Object.getPrototypeOf(rows[0]?.bytes)).toBe(Uint8Array.prototype); // not a Buffer
  });

  it("takes JS values as parameters and returns them unchanged", async (context) => {
    const store = await fresh(kind, context);
    await store.migrate("test", [
      `CREATE TABLE t (big int8, int int4, num numeric, yes bool, bytes bytea, doc jsonb, at timestamptz,
         day date, txt text, bigs int8[], texts text[])`,
    ]);
    const values = [
      -(2n ** 63n),
      -2147483648,
      "0.000000000000000000001",
      true,
      new Uint8Array(300).map((_, i) => i % 256),
      { nested: { list: [1, "two", false] }, big: "1" },
      new Date("1999-12-31T23:59:59.999Z"),
      "2000-01-01",
      "quote ' and \\ backslash",
      [3n, -4n],
      ["x", "y,z", '"q"'],
    ];
    const insert = await store.query("INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", values);
    expect(insert).toStrictEqual({ rows: [], rowCount: 1 });
    const { rows } = await store.query("SELECT * FROM t");
    expect(rows).toStrictEqual([
      {
        big: -(2n ** 63n),
        int: -2147483648,
        num: "0.000000000000000000001",
        yes: true,
        bytes: new Uint8Array(300).map((_, i) => i % 256),
        doc: { nested: { list: [1, "two", false] }, big: "1" },
        at: new Date("1999-12-31T23:59:59.999Z"),
        day: "2000-01-01",
        txt: "quote ' and \\ backslash",
        bigs: [3n, -4n],
        texts: ["x", "y,z", '"q"'],
      },
    ]);
  });

  it("counts rows the same way", async (context) => {
    const store = await fresh(kind, context);
    expect((await store.query("CREATE TABLE c (n int4)")).rowCount).toBe(0);
    expect((await store.query("INSERT INTO c SELECT generate_series(1, 5)")).rowCount).toBe(5);
    expect((await store.query("UPDATE c SET n = n + 1 WHERE n > 2")).rowCount).toBe(3);
    expect((await store.query("SELECT * FROM c WHERE n > 100")).rowCount).toBe(0);
    expect((await store.query("DELETE FROM c RETURNING n")).rowCount).toBe(5);
  });

  it("raises SqlError with the SQLSTATE code", async (context) => {
    const store = await fresh(kind, context);
    await store.query("CREATE TABLE u (k text CONSTRAINT u_key PRIMARY KEY)");
    await store.query("INSERT INTO u VALUES ('a')");
    const duplicate = await store.query("INSERT INTO u VALUES ($1)", ["a"]).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(SqlError);
    expect(duplicate).toMatchObject({ name: "SqlError", code: "23505", constraint: "u_key", table: "u" });
    expect((duplicate as SqlError).shortMessage).toBe(
      'duplicate key value violates unique constraint "u_key" (SQLSTATE 23505)',
    );
    expect((duplicate as SqlError).details).toContain("statement: INSERT INTO u VALUES ($1)");
    await expect(store.query("SELECT * FROM missing")).rejects.toMatchObject({ code: "42P01" });
    // One statement per query() on both engines (pg would run several without parameters).
    await expect(store.query("SELECT 1; SELECT 2")).rejects.toMatchObject({ code: "42601" });
  });

  it("commits a transaction, and rolls it back when the function throws", async (context) => {
    const store = await fresh(kind, context);
    await store.query("CREATE TABLE k (v int4)");
    expect(
      await store.transaction(async (tx) => {
        await tx.query("INSERT INTO k VALUES (1)");
        await tx.query("INSERT INTO k VALUES (2)");
        return "done";
      }),
    ).toBe("done");
    const failure = new Error("handler failed");
    await expect(
      store.transaction(async (tx) => {
        await tx.query("INSERT INTO k VALUES (3)");
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(
      store.transaction(async (tx) => {
        await tx.query("INSERT INTO k VALUES (4)");
        await tx.query("INSERT INTO k VALUES ('not a number')");
      }),
    ).rejects.toMatchObject({ name: "SqlError", code: "22P02" });
    expect((await store.query("SELECT v FROM k ORDER BY v")).rows).toEqual([{ v: 1 }, { v: 2 }]);
  });

  it("rolls back at COMMIT when a failed statement's error was caught inside", async (context) => {
    const store = await fresh(kind, context);
    await store.query("CREATE TABLE a (v int4 PRIMARY KEY)");
    const error = await store
      .transaction(async (tx) => {
        await tx.query("INSERT INTO a VALUES (1)");
        await tx.query("INSERT INTO a VALUES (1)").catch(() => "ignored on purpose");
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlError);
    expect(error).toMatchObject({ code: "25P02" });
    expect((await store.query("SELECT count(*)::int4 AS n FROM a")).rows).toEqual([{ n: 0 }]);
  });

  it("refuses the store itself inside its own transaction, and a transaction handle after it ended", async (context) => {
    const store = await fresh(kind, context);
    const inside = await store.transaction(async () => store.query("SELECT 1").catch((e: unknown) => e));
    expect(inside).toBeInstanceOf(AssertionError);
    expect((inside as AssertionError).shortMessage).toBe("store.query() called inside a transaction of the same store");
    let leaked: Sql | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked?.query("SELECT 1")).rejects.toThrow("this transaction has already ended");
  });

  it("runs concurrent statements and transactions without interleaving them", async (context) => {
    const store = await fresh(kind, context);
    await store.query("CREATE TABLE counter (n int4 NOT NULL)");
    await store.query("INSERT INTO counter VALUES (0)");
    await store.query("CREATE TABLE pairs (tx int4 NOT NULL)");
    const seen: number[] = [];
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      // Read-modify-write with a pause between read and write: a lost update if transactions overlapped.
      work.push(
        store.transaction(async (tx) => {
          const { rows } = await tx.query<{ n: number }>("SELECT n FROM counter");
          await tx.query("INSERT INTO pairs VALUES ($1)", [i]);
          await new Promise((resolve) => setTimeout(resolve, 1));
          await tx.query("INSERT INTO pairs VALUES ($1)", [i]);
          await tx.query("UPDATE counter SET n = $1", [(rows[0]?.n ?? 0) + 1]);
        }),
      );
      // A plain statement issued meanwhile must see whole transactions only: an even number of pair rows.
      work.push(
        store.query<{ n: number }>("SELECT count(*)::int4 AS n FROM pairs").then(({ rows }) => {
          seen.push(rows[0]?.n ?? -1);
        }),
      );
    }
    await Promise.all(work);
    expect((await store.query("SELECT n FROM counter")).rows).toEqual([{ n: 40 }]);
    expect(seen).toHaveLength(40);
    expect(seen.filter((n) => n % 2 !== 0)).toEqual([]);
  });

  it("refuses work after close", async (context) => {
    const store = await fresh(kind, context);
    await store.close();
    await store.close(); // idempotent
    await expect(store.query("SELECT 1")).rejects.toThrow(`store.query() on a closed ${kind} store`);
  });
});

describe("both engines", () => {
  it("return identical rows for the same statement", async (context) => {
    const lite = await fresh("pglite", context);
    const server = await fresh("postgres", context);
    const [a, b] = await Promise.all([lite.query(TYPES_QUERY), server.query(TYPES_QUERY)]);
    expect(a).toStrictEqual(b);
  });
});

describe("pglite", () => {
  it("runs in memory without a data folder", async () => {
    const store = await openStore();
    try {
      expect(store.kind).toBe("pglite");
      expect((await store.query("SELECT 2::int8 AS two")).rows).toEqual([{ two: 2n }]);
    } finally {
      await store.close();
    }
  });

  it("storeForHome keeps the database in <home>/db unless AMC_DATABASE_URL is set", async (context) => {
    const home = mkdtempSync(join(tmpdir(), "amc-home-"));
    try {
      const store = await storeForHome(home, {});
      expect(store.kind).toBe("pglite");
      await store.close();
      expect(statSync(join(home, "db")).isDirectory()).toBe(true);
      const server = await fresh("postgres", context);
      await server.query("CREATE TABLE marker (x int4)");
      const url = await urlOf(server);
      const remote = await storeForHome(home, { AMC_DATABASE_URL: url });
      expect(remote.kind).toBe("postgres");
      await expect(remote.query("SELECT * FROM marker")).resolves.toMatchObject({ rowCount: 0 });
      await remote.close();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

/** The URL a postgres test store was opened with (current_database() on the test server). */
async function urlOf(store: Store): Promise<string> {
  const { rows } = await store.query<{ db: string; port: number }>(
    "SELECT current_database() AS db, current_setting('port')::int4 AS port",
  );
  return `postgres://postgres@127.0.0.1:${rows[0]?.port}/${rows[0]?.db}`;
}

describe("postgres", () => {
  it("says which server it cannot reach, without the password", async () => {
    const error = await openStore({ url: "postgres://amc:s3cret@127.0.0.1:1/amc" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).shortMessage).toMatch(/^cannot reach PostgreSQL at postgres:\/\/amc:\*\*\*@127/);
    expect((error as EnvironmentError).message).not.toContain("s3cret");
  });

  it("retries a transaction that conflicts with another process's", async (context) => {
    const first = await fresh("postgres", context);
    const url = await urlOf(first);
    const second = await openStore({ url }); // its own pool: as another process would
    try {
      await first.query("CREATE TABLE counter (n int4 NOT NULL)");
      await first.query("INSERT INTO counter VALUES (0)");
      let runs = 0;
      const increment = (store: Store) =>
        store.transaction(async (tx) => {
          runs++;
          const { rows } = await tx.query<{ n: number }>("SELECT n FROM counter");
          await new Promise((resolve) => setTimeout(resolve, 5));
          await tx.query("UPDATE counter SET n = $1", [(rows[0]?.n ?? 0) + 1]);
        });
      await Promise.all([increment(first), increment(second), increment(first), increment(second)]);
      expect((await first.query("SELECT n FROM counter")).rows).toEqual([{ n: 4 }]);
      expect(runs).toBeGreaterThan(4); // at least one conflict was detected and re-run
    } finally {
      await second.close();
    }
  });
});
