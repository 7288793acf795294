// `amc up` fails fast, in one line that names the fix, and leaves nothing running behind.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { isPortFree } from "@amc/chain";
import { localTopology } from "@amc/chain/testing";
import { stringify, writeFileAtomic } from "@amc/utils";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const amc = join(import.meta.dirname, "../apps/cli/bin/amc.js");
const home = mkdtempSync(join(tmpdir(), "amc-errors-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function up(config: string, env: Record<string, string> = {}) {
  return run(process.execPath, [amc, "up", "--config", config, "--home", join(home, "state")], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  }).catch((error: { code: number; stderr: string; stdout: string }) => error);
}

describe("amc up errors", () => {
  it("names a taken port and the fix, and starts nothing", async () => {
    const topology = await localTopology();
    const config = join(home, "taken.json");
    writeFileAtomic(config, stringify(topology, 2));
    const port = Number(new URL(topology.chains[1]!.rpcUrl).port);
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    try {
      const result = await up(config);
      expect("code" in result && result.code).toBe(2);
      const lines = String(result.stderr).trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toBe(
        `amc: port ${port} for chain cell-a is already in use (stop what holds it (\`npx amc down\` if it is an earlier platform) or change its rpcUrl in amc.config.json)`,
      );
      expect(await isPortFree(Number(new URL(topology.chains[0]!.rpcUrl).port))).toBe(true);
    } finally {
      blocker.close();
    }
  });

  it("names a missing anvil binary and the fix", async () => {
    const config = join(home, "nobinary.json");
    writeFileAtomic(config, stringify(await localTopology(), 2));
    const result = await up(config, { AMC_ANVIL_BIN: "/nonexistent/anvil" });
    expect(String(result.stdout) + String(result.stderr)).toContain(
      "AMC_ANVIL_BIN points to /nonexistent/anvil, which does not exist (unset AMC_ANVIL_BIN or point it at an anvil binary)",
    );
    expect("code" in result && result.code).not.toBe(0);
  });

  it("rejects an invalid topology with every problem and its path", async () => {
    const topology = JSON.parse(stringify(await localTopology()));
    topology.chains[0].threshold = 7;
    const config = join(home, "invalid.json");
    writeFileAtomic(config, stringify(topology, 2));
    const result = await up(config);
    expect("code" in result && result.code).toBe(2);
    expect(String(result.stderr)).toContain("chains.0: threshold 7 exceeds 3 validators");
  });
});
