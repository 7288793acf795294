// The token's figures and schedules in TypeScript (no chain): the whitepaper's arithmetic to the token unit, the
// emission schedule's bounds, and the token module's place in the topology.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contractsOf } from "./deploy.js";
import {
  allocationSchedule,
  cumulativeEmission,
  emission,
  FOUNDATION,
  IDO,
  MINING,
  MINING_HALVING_EPOCHS,
  OPERATIONS,
  QUARTER,
  TECHNOLOGY,
  TOTAL_SUPPLY,
  vestedAt,
  vestingSchedule,
  YEAR,
} from "./token.js";
import { parseTopology, platformOperator } from "./topology.js";

const e18 = 10n ** 18n;
const start = 1_767_225_600n; // any launch time

describe("AMCT figures", () => {
  it("splits 300,000,000 AMCT as the whitepaper does", () => {
    expect([MINING, IDO, TECHNOLOGY, OPERATIONS, FOUNDATION]).toEqual(
      [129_000_000n, 60_000_000n, 37_500_000n, 28_500_000n, 45_000_000n].map((n) => n * e18),
    );
    expect(MINING + IDO + TECHNOLOGY + OPERATIONS + FOUNDATION).toBe(TOTAL_SUPPLY);
    expect([YEAR, QUARTER]).toEqual([31_536_000n, 7_884_000n]);
    expect(vestingSchedule("technology", start).duration).toBe(197_100_000n);
    expect(vestingSchedule("foundation", start).duration).toBe(118_260_000n);
  });

  it("technology: nothing for 3 years, then 6,000,000 a year, every second, until 37,500,000", () => {
    expect(vestedAt("technology", start, start)).toBe(0n);
    expect(vestedAt("technology", start, start + 3n * YEAR - 1n)).toBe(0n);
    expect(vestedAt("technology", start, start + 3n * YEAR)).toBe(0n);
    expect(vestedAt("technology", start, start + 3n * YEAR + 1n)).toBe((6_000_000n * e18) / YEAR);
    expect(vestedAt("technology", start, start + 4n * YEAR)).toBe(6_000_000n * e18);
    expect(vestedAt("technology", start, start + 5n * YEAR)).toBe(12_000_000n * e18);
    expect(vestedAt("technology", start, start + 5n * YEAR + QUARTER)).toBe(13_500_000n * e18);
    const end = start + 3n * YEAR + 197_100_000n;
    expect(vestedAt("technology", start, end - 1n)).toBe(TECHNOLOGY - (6_000_000n * e18) / YEAR - 1n);
    expect(vestedAt("technology", start, end)).toBe(TECHNOLOGY);
    expect(vestedAt("technology", start, end + 100n * YEAR)).toBe(TECHNOLOGY);
  });

  it("foundation: nothing for 5 years, then 3,000,000 at the end of each quarter, 15 steps", () => {
    expect(vestedAt("foundation", start, start + 5n * YEAR)).toBe(0n);
    expect(vestedAt("foundation", start, start + 5n * YEAR + QUARTER - 1n)).toBe(0n);
    expect(vestedAt("foundation", start, start + 5n * YEAR + QUARTER)).toBe(3_000_000n * e18);
    expect(vestedAt("foundation", start, start + 5n * YEAR + 14n * QUARTER)).toBe(42_000_000n * e18);
    const end = start + 5n * YEAR + 15n * QUARTER;
    expect(vestedAt("foundation", start, end - 1n)).toBe(42_000_000n * e18);
    expect(vestedAt("foundation", start, end)).toBe(FOUNDATION);
  });

  it("mining emission: E0 = 620,192.307692307692307692 AMCT, halving every 104 epochs, never above the pool", () => {
    expect(emission(0n)).toBe(620_192_307_692_307_692_307_692n);
    expect(emission(MINING_HALVING_EPOCHS - 1n)).toBe(emission(0n));
    expect(emission(MINING_HALVING_EPOCHS)).toBe(emission(0n) >> 1n);
    expect(emission(256n * MINING_HALVING_EPOCHS)).toBe(0n);
    expect(cumulativeEmission(MINING_HALVING_EPOCHS)).toBe(MINING_HALVING_EPOCHS * emission(0n));
    expect(cumulativeEmission(MINING_HALVING_EPOCHS + 2n)).toBe(
      MINING_HALVING_EPOCHS * emission(0n) + 2n * emission(MINING_HALVING_EPOCHS),
    );
    let sum = 0n;
    for (let e = 0n; e < 3n * MINING_HALVING_EPOCHS + 7n; e++) sum += emission(e);
    expect(cumulativeEmission(3n * MINING_HALVING_EPOCHS + 7n)).toBe(sum);
    expect(cumulativeEmission(10n ** 30n)).toBeLessThanOrEqual(MINING);
    expect(cumulativeEmission(10n ** 30n)).toBeGreaterThan(MINING - 1000n * e18);
    expect(emission(5n, 1n)).toBe((MINING / 2n) >> 5n);
  });

  it("allocationSchedule gives every allocation's total, vested and locked at a date", () => {
    const atLaunch = allocationSchedule(start, start);
    expect(atLaunch.map((a) => a.name)).toEqual(["mining", "ido", "technology", "operations", "foundation"]);
    expect(atLaunch.reduce((s, a) => s + a.total, 0n)).toBe(TOTAL_SUPPLY);
    expect(atLaunch.find((a) => a.name === "ido")).toMatchObject({ vested: IDO, locked: 0n });
    expect(atLaunch.find((a) => a.name === "mining")).toMatchObject({ vested: 0n, locked: MINING });
    expect(atLaunch.find((a) => a.name === "operations")).toMatchObject({
      total: OPERATIONS,
      rule: "governance release",
      vested: null,
      locked: null,
    });
    expect(allocationSchedule(start, start - 1n).find((a) => a.name === "ido")?.vested).toBe(0n);
    const later = allocationSchedule(start, start + 5n * YEAR + QUARTER, { operationsReleased: 1_000n * e18 });
    expect(later.find((a) => a.name === "technology")).toMatchObject({
      vested: 13_500_000n * e18,
      locked: TECHNOLOGY - 13_500_000n * e18,
    });
    expect(later.find((a) => a.name === "foundation")?.vested).toBe(3_000_000n * e18);
    expect(later.find((a) => a.name === "operations")).toMatchObject({
      vested: 1_000n * e18,
      locked: OPERATIONS - 1_000n * e18,
    });
    const weeks = (5n * YEAR + QUARTER) / (7n * 86_400n);
    expect(later.find((a) => a.name === "mining")?.vested).toBe(cumulativeEmission(weeks));
  });
});

describe("the token module", () => {
  const config = () => JSON.parse(readFileSync(join(import.meta.dirname, "../../../amc.config.json"), "utf8"));

  it("deploys AMCT and its allocations on the main chain of the default topology, two vestings by name", () => {
    const topology = parseTopology(config());
    const [main, ...others] = topology.chains;
    expect(main?.modules).toContain("token");
    expect(contractsOf(main!)).toEqual(
      expect.arrayContaining([
        "AMCT",
        "MiningPool",
        "TechnologyVesting",
        "FoundationVesting",
        "OperationsReserve",
        "DataEscrow",
      ]),
    );
    // AMCT is initialised after the allocation contracts it mints into.
    const order = contractsOf(main!);
    for (const allocation of ["MiningPool", "TechnologyVesting", "FoundationVesting", "OperationsReserve"])
      expect(order.indexOf("AMCT")).toBeGreaterThan(order.indexOf(allocation as never));
    for (const chain of others) expect(contractsOf(chain)).not.toContain("AMCT");
    expect(platformOperator(topology).name).toBe("Havel Road Operations");
  });

  it("puts AMCT on main and remote claims elsewhere; needs governance on main and the module on main", () => {
    const side = config();
    side.chains[1].modules = ["xchain", "identity", "token"];
    const sideContracts = contractsOf(parseTopology(side).chains[1]!);
    expect(sideContracts).toContain("RemoteRewardClaims");
    expect(sideContracts).not.toContain("AMCT");
    const sideNoXchain = config();
    sideNoXchain.chains[1].modules = ["identity", "token"];
    expect(() => parseTopology(sideNoXchain)).toThrow(
      "chains.1: the token module on an edge or side chain needs the xchain module",
    );
    const notOnMain = config();
    notOnMain.chains[0].modules = ["xchain", "governance", "identity", "edge", "data"];
    expect(() => parseTopology(notOnMain)).toThrow(/carries the token module but the main chain does not/);
    const noGovernance = config();
    noGovernance.chains[0].modules = ["xchain", "identity", "edge", "token"];
    expect(() => parseTopology(noGovernance)).toThrow(
      "chains.0: the token module needs the governance module on the main chain",
    );
    const noXchain = config();
    noXchain.chains[0].modules = ["governance", "identity", "edge", "token"];
    expect(() => parseTopology(noXchain)).toThrow(
      "chains.0: the token module needs the xchain module on the main chain",
    );
    const without = config();
    without.chains[0].modules = ["xchain", "governance", "identity", "edge", "data"];
    for (const chain of without.chains.slice(1)) chain.modules = chain.modules.filter((m: string) => m !== "token");
    expect(contractsOf(parseTopology(without).chains[0]!)).not.toContain("AMCT");
  });

  it("the platform operator is the first VALIDATOR_OPERATOR, else RSU_OPERATOR, else the first member", () => {
    const topology = parseTopology(config());
    const members = topology.governance.members;
    const rsuOnly = {
      ...topology,
      governance: {
        ...topology.governance,
        members: members.map((m) => ({ ...m, roles: m.roles.filter((r) => r !== "VALIDATOR_OPERATOR") })),
      },
    };
    expect(platformOperator(rsuOnly).name).toBe("Havel Road Operations");
    const none = {
      ...topology,
      governance: { ...topology.governance, members: members.map((m) => ({ ...m, roles: [] })) },
    };
    expect(platformOperator(none).address).toBe(members[0]?.address);
  });
});
