// The AMCT allocations as users see them: the gateway's schedule at any date and the `amc token` commands, on a
// real anvil main chain with the token module deployed by the same code as `amc up`.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { FOUNDATION_PER_QUARTER, QUARTER, TECHNOLOGY_PER_YEAR, TOTAL_SUPPLY, YEAR } from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGateway } from "../apps/gateway/src/app.js";

const run = promisify(execFile);
const amc = join(import.meta.dirname, "../apps/cli/bin/amc.js");

let net: LocalNet;
let app: FastifyInstance;
beforeAll(async () => {
  net = await startLocalNet([{ name: "main", role: "main" }], { blockTimeSeconds: 0 });
  app = await buildGateway(net.topology, net.manifest, {
    home: net.paths.home,
    data: { background: false },
    rewards: { background: false },
  });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await net?.stop();
});

type Row = { name: string; total: string; vested: string | null };
const schedule = async (at?: string) => {
  const response = await app.inject({ method: "GET", url: `/v1/token/schedule${at ? `?at=${at}` : ""}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { launch: string; totalSupply: string; schedule: Row[] };
};
const vested = (rows: Row[], name: string) => BigInt(rows.find((r) => r.name === name)?.vested ?? "-1");

describe("AMCT schedule (real anvil)", () => {
  it("answers the allocations at any date, as the whitepaper's arithmetic says", async () => {
    const now = await schedule();
    expect(BigInt(now.totalSupply)).toBe(TOTAL_SUPPLY);
    const launch = BigInt(now.launch);
    expect(vested(now.schedule, "ido")).toBe(60_000_000n * 10n ** 18n);
    expect(vested(now.schedule, "technology")).toBe(0n);
    const at = (seconds: bigint) => schedule((launch + seconds).toString());
    expect(vested((await at(3n * YEAR - 1n)).schedule, "technology")).toBe(0n);
    expect(vested((await at(4n * YEAR)).schedule, "technology")).toBe(TECHNOLOGY_PER_YEAR);
    const fiveYears = await at(5n * YEAR);
    expect(vested(fiveYears.schedule, "technology")).toBe(2n * TECHNOLOGY_PER_YEAR);
    expect(vested(fiveYears.schedule, "foundation")).toBe(0n);
    expect(vested((await at(5n * YEAR + QUARTER)).schedule, "foundation")).toBe(FOUNDATION_PER_QUARTER);
    // An RFC 3339 date works too; garbage is a 400.
    const iso = new Date(Number(launch + 4n * YEAR) * 1000).toISOString();
    expect(vested((await schedule(iso)).schedule, "technology")).toBe(TECHNOLOGY_PER_YEAR);
    expect((await app.inject({ method: "GET", url: "/v1/token/schedule?at=yesterday-ish" })).statusCode).toBe(400);
  });

  it("`amc token schedule` and `amc token release` act on the same contracts", async () => {
    const cli = (...args: string[]) =>
      run(process.execPath, [amc, ...args, "--config", net.configPath, "--home", net.paths.home], { timeout: 60_000 });
    const { stdout } = await cli("token", "schedule", "--json");
    const status = JSON.parse(stdout) as { totalSupply: string; schedule: Row[] };
    expect(BigInt(status.totalSupply)).toBe(TOTAL_SUPPLY);
    expect(status.schedule.map((r) => r.name)).toEqual(["mining", "ido", "technology", "operations", "foundation"]);
    // Nothing of the technology allocation is releasable before its 3-year lock ends: a clear refusal.
    const early = await cli("token", "release", "technology").then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(early.code).toBe(2);
    expect(early.stderr).toContain("nothing of the technology allocation is releasable yet");
  }, 120_000);
});
