// Schema migrations: each component (a package or service) owns an ordered list of SQL scripts; script i is
// version i + 1. A script is applied once, in its own transaction together with its row in amc_migrations, so a
// crash leaves it either applied and recorded or neither. Its SHA-256 is recorded too: editing a script that a
// database has already run would leave that database different from a fresh one, so it is refused, not rerun.
import { createHash } from "node:crypto";
import { AssertionError, BaseError, InvalidInputError } from "@amc/utils";
import type { Isolation, TransactionSql } from "./engine.js";

/** A migration cannot be applied, or the database's record disagrees with the code's list. */
export class MigrationError extends BaseError {
  override name = "MigrationError";
}

export type MigrationHost = {
  transactionWith<T>(fn: (tx: TransactionSql) => Promise<T>, isolation: Isolation): Promise<T>;
};

/** Key of the transaction-level advisory lock that serialises migrations across processes ("AMCMIG"). */
const MIGRATION_LOCK = 0x414d434d4947n;

const CREATE_TABLE = `CREATE TABLE amc_migrations (
  component text NOT NULL,
  version int4 NOT NULL CHECK (version > 0),
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (component, version)
)`;

/** SHA-256 of a migration's text, as recorded in amc_migrations.checksum (lowercase hex). */
export function migrationChecksum(script: string): string {
  return createHash("sha256").update(script, "utf8").digest("hex");
}

export async function runMigrations(
  host: MigrationHost,
  component: string,
  migrations: readonly string[],
): Promise<{ applied: number }> {
  if (typeof component !== "string" || component.trim() === "" || component.length > 200)
    throw new InvalidInputError(`migration component must be a non-empty name, got ${JSON.stringify(component)}`);
  if (!Array.isArray(migrations) || migrations.some((m) => typeof m !== "string"))
    throw new InvalidInputError(`migrations of "${component}" must be an array of SQL strings`);
  const checksums = migrations.map(migrationChecksum);
  let applied = 0;
  for (;;) {
    // READ COMMITTED so that, once the lock is ours, the next statement sees what the previous holder committed
    // (a SERIALIZABLE snapshot would be taken before the lock wait and miss it).
    const didApply = await host.transactionWith(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const { rows: exists } = await tx.query<{ present: boolean }>(
        "SELECT to_regclass('amc_migrations') IS NOT NULL AS present",
      );
      if (!exists[0]?.present) await tx.exec(CREATE_TABLE);
      const { rows } = await tx.query<{ version: number; checksum: string }>(
        "SELECT version, checksum FROM amc_migrations WHERE component = $1 ORDER BY version",
        [component],
      );
      for (const [i, row] of rows.entries()) {
        if (row.version !== i + 1)
          throw new AssertionError(`amc_migrations lacks version ${i + 1} of "${component}" but has ${row.version}`, {
            fix: "the table was edited by hand; restore the missing row or rebuild the database",
          });
        if (row.version > migrations.length)
          throw new MigrationError(
            `the database has migration ${row.version} of "${component}", but this code knows only ${migrations.length}`,
            { details: "it was written by a newer version", fix: "run the newer version, or restore a backup" },
          );
        if (row.checksum !== checksums[i])
          throw new MigrationError(`migration ${row.version} of "${component}" was changed after it was applied`, {
            details: `applied text had SHA-256 ${row.checksum}, the code's has ${checksums[i]}`,
            fix: "restore the applied text and put the change in a new migration at the end of the list",
          });
      }
      const version = rows.length + 1;
      const script = migrations[version - 1];
      if (script === undefined) return false;
      try {
        await tx.exec(script);
      } catch (error) {
        throw new MigrationError(`migration ${version} of "${component}" failed; nothing of it was applied`, {
          details: error instanceof Error ? error.message : String(error),
          cause: error,
        });
      }
      await tx.query("INSERT INTO amc_migrations (component, version, checksum) VALUES ($1, $2, $3)", [
        component,
        version,
        checksums[version - 1],
      ]);
      return true;
    }, "read committed");
    if (!didApply) return { applied };
    applied++;
  }
}
