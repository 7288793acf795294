// Migrations on both engines: applied once each and recorded, re-running is a no-op, an edited or unknown
// migration is refused, a failing one leaves nothing behind, and concurrent migrators apply each exactly once.
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { MigrationError, migrationChecksum } from "./migrate.js";
import { SqlError } from "./sqlError.js";
import { openStore, type Store } from "./store.js";
import { POSTGRES_INSTALL_HINT, testEngine } from "./testing.js";

const engines = { pglite: testEngine("pglite"), postgres: testEngine("postgres") };
beforeAll(() => Promise.all([engines.pglite.start(), engines.postgres.start()]));
afterAll(() => Promise.all([engines.pglite.stop(), engines.postgres.stop()]));

async function fresh(kind: "pglite" | "postgres", context: TestContext): Promise<Store> {
  const store = (await engines[kind].open()) ?? context.skip(POSTGRES_INSTALL_HINT);
  context.onTestFinished(() => store.close());
  return store;
}

const V1 = "CREATE TABLE vehicles (vin text PRIMARY KEY);\nCREATE INDEX vehicles_vin ON vehicles (lower(vin));";
const V2 = "ALTER TABLE vehicles ADD COLUMN owner text";
const V3 = "INSERT INTO vehicles (vin, owner) VALUES ('WVW0000000000000A', 'alice')";

const recorded = async (store: Store, component: string) =>
  (
    await store.query<{ version: number; checksum: string }>(
      "SELECT version, checksum FROM amc_migrations WHERE component = $1 ORDER BY version",
      [component],
    )
  ).rows;

describe.each(["pglite", "postgres"] as const)("migrate on %s", (kind) => {
  it("applies pending migrations once, each recorded with its checksum", async (context) => {
    const store = await fresh(kind, context);
    expect(await store.migrate("fleet", [V1, V2])).toEqual({ applied: 2 });
    expect(await store.migrate("fleet", [V1, V2])).toEqual({ applied: 0 });
    expect(await store.migrate("fleet", [V1, V2, V3])).toEqual({ applied: 1 });
    expect((await store.query("SELECT vin, owner FROM vehicles")).rows).toEqual([
      { vin: "WVW0000000000000A", owner: "alice" },
    ]);
    expect(await recorded(store, "fleet")).toEqual([
      { version: 1, checksum: migrationChecksum(V1) },
      { version: 2, checksum: migrationChecksum(V2) },
      { version: 3, checksum: migrationChecksum(V3) },
    ]);
    const { rows } = await store.query<{ applied_at: Date }>("SELECT applied_at FROM amc_migrations LIMIT 1");
    expect(rows[0]?.applied_at).toBeInstanceOf(Date);
  });

  it("keeps components apart", async (context) => {
    const store = await fresh(kind, context);
    await store.migrate("fleet", [V1]);
    expect(await store.migrate("other", ["CREATE TABLE other_things (id int8)"])).toEqual({ applied: 1 });
    expect(await recorded(store, "fleet")).toHaveLength(1);
    expect(await recorded(store, "other")).toHaveLength(1);
  });

  it("refuses an applied migration whose text changed", async (context) => {
    const store = await fresh(kind, context);
    await store.migrate("fleet", [V1, V2]);
    const edited = `${V2} NOT NULL DEFAULT ''`;
    const error = await store.migrate("fleet", [V1, edited, V3]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).shortMessage).toBe('migration 2 of "fleet" was changed after it was applied');
    expect((error as MigrationError).details).toBe(
      `applied text had SHA-256 ${migrationChecksum(V2)}, the code's has ${migrationChecksum(edited)}`,
    );
    expect(await recorded(store, "fleet")).toHaveLength(2); // V3 was not applied either
  });

  it("refuses a database migrated by newer code", async (context) => {
    const store = await fresh(kind, context);
    await store.migrate("fleet", [V1, V2]);
    await expect(store.migrate("fleet", [V1])).rejects.toThrow(
      'the database has migration 2 of "fleet", but this code knows only 1',
    );
  });

  it("leaves nothing of a failing migration behind", async (context) => {
    const store = await fresh(kind, context);
    const broken = "CREATE TABLE half (x int4);\nINSERT INTO half VALUES ('not a number');";
    const error = await store.migrate("fleet", [V1, broken]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).shortMessage).toBe('migration 2 of "fleet" failed; nothing of it was applied');
    expect((error as MigrationError).cause).toBeInstanceOf(SqlError);
    expect((error as MigrationError).cause).toMatchObject({ code: "22P02" });
    expect(await recorded(store, "fleet")).toHaveLength(1); // V1 stays applied
    expect((await store.query("SELECT to_regclass('half') IS NULL AS gone")).rows).toEqual([{ gone: true }]);
  });

  it("applies each migration once when migrators race", async (context) => {
    const store = await fresh(kind, context);
    const list = [V1, V2, V3];
    const results = await Promise.all([store.migrate("fleet", list), store.migrate("fleet", list)]);
    expect(results.reduce((sum, r) => sum + r.applied, 0)).toBe(3);
    expect(await recorded(store, "fleet")).toHaveLength(3);
  });

  it("refuses a bad component name", async (context) => {
    const store = await fresh(kind, context);
    await expect(store.migrate(" ", [V1])).rejects.toThrow('migration component must be a non-empty name, got " "');
  });
});

describe("migrate", () => {
  it("keeps a PGlite folder's state across close and reopen", async () => {
    const dir = await engines.pglite.pgliteDir();
    const first = await openStore({ dataDir: dir });
    await first.migrate("fleet", [V1, V2, V3]);
    await first.close();
    const second = await openStore({ dataDir: dir });
    try {
      expect(await second.migrate("fleet", [V1, V2, V3])).toEqual({ applied: 0 });
      expect((await second.query("SELECT owner FROM vehicles")).rows).toEqual([{ owner: "alice" }]);
    } finally {
      await second.close();
    }
  });

  it("applies each migration once when processes race on one server (advisory lock)", async (context) => {
    const first = await fresh("postgres", context);
    const { rows } = await first.query<{ db: string; port: number }>(
      "SELECT current_database() AS db, current_setting('port')::int4 AS port",
    );
    const url = `postgres://postgres@127.0.0.1:${rows[0]?.port}/${rows[0]?.db}`;
    const others = await Promise.all([1, 2, 3].map(() => openStore({ url })));
    try {
      const list = [V1, V2, V3, "CREATE TABLE extra (id int8)"];
      const results = await Promise.all([first, ...others].map((store) => store.migrate("fleet", list)));
      expect(results.reduce((sum, r) => sum + r.applied, 0)).toBe(4);
      expect(await recorded(first, "fleet")).toHaveLength(4);
    } finally {
      await Promise.all(others.map((store) => store.close()));
    }
  });
});
