// The test-server helper itself: without PostgreSQL binaries a developer's run skips the server tests, while a
// CI run fails instead of passing by skipping.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvironmentError } from "@amc/utils";
import { describe, expect, it } from "vitest";
import { findPostgresBinaries, POSTGRES_INSTALL_HINT, startTestPostgres } from "./testing.js";

describe("startTestPostgres", () => {
  const nowhere = mkdtempSync(join(tmpdir(), "amc-no-pg-"));
  const missing = { debianRoot: join(nowhere, "none") };

  it("finds no binaries on an empty PATH without Debian's folder", () => {
    expect(findPostgresBinaries({ ...missing, env: { PATH: nowhere } })).toBeUndefined();
  });

  it("returns undefined without binaries outside CI, and fails in CI with the install hint", async () => {
    await expect(startTestPostgres({ ...missing, env: { PATH: nowhere } })).resolves.toBeUndefined();
    const error = await startTestPostgres({ ...missing, env: { PATH: nowhere, CI: "true" } }).catch((e: unknown) => e);
    rmSync(nowhere, { recursive: true, force: true });
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).fix).toBe(POSTGRES_INSTALL_HINT);
    expect(POSTGRES_INSTALL_HINT).toBe("install with: sudo apt-get install postgresql");
  });
});
