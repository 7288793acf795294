// The token module on a real anvil main chain, deployed as `amc up` deploys it: the whole supply sits in the
// allocations, the TypeScript schedules agree with the contracts to the token unit at the whitepaper's dates, and a
// technology release after the lock pays the vested amount to the beneficiary. Resuming deploys nothing again.
import { allocationVestingAbi, aMCTAbi, dataEscrowAbi, miningPoolAbi, operationsReserveAbi } from "@amc/abi";
import { createLogger } from "@amc/utils";
import { type Address, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChainPublicClient, publicClientFor, walletClientFor } from "./clients.js";
import { deployChain, implementationOf, predictAddress, salt } from "./deploy.js";
import { devKeyIndex, devPrivateKey } from "./devKeys.js";
import { contractAddress } from "./manifest.js";
import { type LocalNet, startLocalNet } from "./testing/localNet.js";
import {
  emission,
  FOUNDATION,
  FOUNDATION_CLIFF,
  IDO,
  MINING,
  MINING_EPOCH_SECONDS,
  MINING_HALVING_EPOCHS,
  OPERATIONS,
  QUARTER,
  TECHNOLOGY,
  TECHNOLOGY_CLIFF,
  TOTAL_SUPPLY,
  tokenStatus,
  vestedAt,
  vestingSchedule,
  YEAR,
} from "./token.js";
import { type ChainConfig, platformOperator } from "./topology.js";

let net: LocalNet;
let main: ChainConfig;
let client: ChainPublicClient;
let start: bigint;
const deployerKey = devPrivateKey(devKeyIndex.deployer);
const deployer = privateKeyToAccount(deployerKey).address;
const at = (name: Parameters<typeof contractAddress>[2]) => contractAddress(net.manifest, "main", name);

beforeAll(async () => {
  net = await startLocalNet([{ name: "main", role: "main" }], { blockTimeSeconds: 0 });
  main = net.topology.chains[0]!;
  client = publicClientFor(main);
  start = (
    await client.readContract({ address: at("TechnologyVesting"), abi: allocationVestingAbi, functionName: "schedule" })
  ).start;
});
afterAll(async () => net?.stop());

const balanceOf = (account: Address) =>
  client.readContract({ address: at("AMCT"), abi: aMCTAbi, functionName: "balanceOf", args: [account] });
const contractVested = (name: "TechnologyVesting" | "FoundationVesting", when: bigint) =>
  client.readContract({ address: at(name), abi: allocationVestingAbi, functionName: "vested", args: [when] });

describe("the token module on anvil", () => {
  it("puts the six contracts on main at their CREATE2 addresses; the two vestings share code, not addresses", async () => {
    for (const name of [
      "AMCT",
      "MiningPool",
      "TechnologyVesting",
      "FoundationVesting",
      "OperationsReserve",
      "DataEscrow",
    ] as const)
      expect(at(name)).toBe(predictAddress(name, deployer));
    expect(implementationOf("TechnologyVesting")).toBe("AllocationVesting");
    expect(salt("TechnologyVesting")).not.toBe(salt("FoundationVesting"));
    expect(at("TechnologyVesting")).not.toBe(at("FoundationVesting"));
    expect(await client.getCode({ address: at("TechnologyVesting") })).toBe(
      await client.getCode({ address: at("FoundationVesting") }),
    );
  });

  it("mints exactly 300,000,000 AMCT, each allocation's share to its holder", async () => {
    expect(await client.readContract({ address: at("AMCT"), abi: aMCTAbi, functionName: "totalSupply" })).toBe(
      TOTAL_SUPPLY,
    );
    expect(TOTAL_SUPPLY).toBe(300_000_000n * 10n ** 18n);
    expect(await balanceOf(at("MiningPool"))).toBe(MINING);
    expect(await balanceOf(deployer)).toBe(IDO);
    expect(await balanceOf(at("TechnologyVesting"))).toBe(TECHNOLOGY);
    expect(await balanceOf(at("OperationsReserve"))).toBe(OPERATIONS);
    expect(await balanceOf(at("FoundationVesting"))).toBe(FOUNDATION);
    expect(await balanceOf(at("DataEscrow"))).toBe(0n);
  });

  it("initialises the allocations with the launch time, the Consortium and the platform operator", async () => {
    const consortium = at("Consortium");
    const latest = (await client.getBlock()).timestamp;
    expect(start).toBeGreaterThan(0n);
    expect(start).toBeLessThanOrEqual(latest);
    const technology = await client.readContract({
      address: at("TechnologyVesting"),
      abi: allocationVestingAbi,
      functionName: "schedule",
    });
    const foundation = await client.readContract({
      address: at("FoundationVesting"),
      abi: allocationVestingAbi,
      functionName: "schedule",
    });
    expect({ ...technology, kind: "technology" }).toEqual(vestingSchedule("technology", start));
    expect({ ...foundation, kind: "foundation" }).toEqual(vestingSchedule("foundation", start));
    expect([technology.kind, foundation.kind]).toEqual([0, 1]);
    for (const name of ["TechnologyVesting", "FoundationVesting"] as const)
      expect(
        await client.readContract({ address: at(name), abi: allocationVestingAbi, functionName: "beneficiary" }),
      ).toBe(consortium);
    expect(
      await client.readContract({
        address: at("OperationsReserve"),
        abi: operationsReserveAbi,
        functionName: "governance",
      }),
    ).toBe(consortium);
    const pool = (
      functionName: "genesis" | "epochDuration" | "halvingEpochs" | "distributor" | "mailbox" | "governance",
    ) => client.readContract({ address: at("MiningPool"), abi: miningPoolAbi, functionName });
    expect(await pool("genesis")).toBe(start);
    expect(await pool("epochDuration")).toBe(MINING_EPOCH_SECONDS);
    expect(await pool("halvingEpochs")).toBe(MINING_HALVING_EPOCHS);
    expect(await pool("distributor")).toBe(platformOperator(net.topology).address);
    expect(await pool("mailbox")).toBe(at("Mailbox"));
    expect(await pool("governance")).toBe(consortium);
    expect(await client.readContract({ address: at("DataEscrow"), abi: dataEscrowAbi, functionName: "operator" })).toBe(
      platformOperator(net.topology).address,
    );
  });

  it("vestedAt equals the contract's vested(at) at the whitepaper's dates, to the token unit", async () => {
    const technologyEnd = start + TECHNOLOGY_CLIFF + vestingSchedule("technology", start).duration;
    const foundationEnd = start + FOUNDATION_CLIFF + vestingSchedule("foundation", start).duration;
    const dates = [
      start,
      start + 3n * YEAR - 1n,
      start + 3n * YEAR,
      start + 3n * YEAR + 1n,
      start + 4n * YEAR,
      start + 5n * YEAR,
      start + 5n * YEAR + QUARTER - 1n,
      start + 5n * YEAR + QUARTER,
      technologyEnd - 1n,
      technologyEnd,
      foundationEnd - 1n,
      foundationEnd,
      start + 20n * YEAR,
    ];
    for (const date of dates) {
      expect(vestedAt("technology", start, date)).toBe(await contractVested("TechnologyVesting", date));
      expect(vestedAt("foundation", start, date)).toBe(await contractVested("FoundationVesting", date));
    }
    const e18 = 10n ** 18n;
    expect(await contractVested("TechnologyVesting", start + 4n * YEAR)).toBe(6_000_000n * e18);
    expect(await contractVested("TechnologyVesting", start + 5n * YEAR)).toBe(12_000_000n * e18);
    expect(await contractVested("FoundationVesting", start + 5n * YEAR + QUARTER)).toBe(3_000_000n * e18);
    expect(await contractVested("TechnologyVesting", technologyEnd)).toBe(TECHNOLOGY);
    expect(await contractVested("FoundationVesting", foundationEnd)).toBe(FOUNDATION);
  });

  it("emission(e) equals the mining pool's at several epochs", async () => {
    const h = MINING_HALVING_EPOCHS;
    for (const epoch of [0n, 1n, h - 1n, h, 2n * h + 5n, 10n * h, 255n * h, 256n * h - 1n, 256n * h, 2n ** 64n - 1n])
      expect(emission(epoch)).toBe(
        await client.readContract({
          address: at("MiningPool"),
          abi: miningPoolAbi,
          functionName: "emission",
          args: [epoch],
        }),
      );
  });

  it("tokenStatus reads the balances, the vesting and the schedule from the contracts", async () => {
    const status = await tokenStatus(client, net.manifest, "main", start + 4n * YEAR);
    expect(status.totalSupply).toBe(TOTAL_SUPPLY);
    expect(status.launch).toBe(start);
    expect(status.ido).toBe(deployer);
    expect(status.balances).toEqual({
      mining: MINING,
      ido: IDO,
      technology: TECHNOLOGY,
      operations: OPERATIONS,
      foundation: FOUNDATION,
    });
    expect(status.technology.vested).toBe(6_000_000n * 10n ** 18n);
    expect(status.technology.releasable).toBe(status.technology.vested);
    expect(status.foundation.vested).toBe(0n);
    expect(status.operations.released).toBe(0n);
    expect(status.mining.halvingEpochs).toBe(MINING_HALVING_EPOCHS);
    const operations = status.schedule.find((a) => a.name === "operations");
    expect(operations).toMatchObject({ vested: 0n, locked: OPERATIONS, rule: "governance release" });
    expect(status.schedule.reduce((sum, a) => sum + a.total, 0n)).toBe(TOTAL_SUPPLY);
  });

  it("release() of technology after the lock pays the vested amount to the beneficiary", async () => {
    const vesting = at("TechnologyVesting");
    const beneficiary = at("Consortium");
    const now = (await client.getBlock()).timestamp;
    const target = start + 4n * YEAR;
    await client.request({
      method: "evm_increaseTime" as never,
      params: [`0x${(target - now).toString(16)}`] as never,
    });
    await client.request({ method: "evm_mine" as never, params: [] as never });
    const before = await balanceOf(beneficiary);
    const wallet = walletClientFor(main, devPrivateKey(7)); // anyone may call release
    const { request } = await client.simulateContract({
      account: wallet.account,
      address: vesting,
      abi: allocationVestingAbi,
      functionName: "release",
    });
    const receipt = await client.waitForTransactionReceipt({ hash: await wallet.writeContract(request) });
    expect(receipt.status).toBe("success");
    const { timestamp } = await client.getBlock({ blockNumber: receipt.blockNumber });
    expect(timestamp).toBeGreaterThanOrEqual(target);
    const expected = vestedAt("technology", start, timestamp);
    expect(expected).toBeGreaterThanOrEqual(6_000_000n * 10n ** 18n);
    const [released] = parseEventLogs({ abi: allocationVestingAbi, logs: receipt.logs, eventName: "Released" });
    expect(released?.args.amount).toBe(expected);
    expect((await balanceOf(beneficiary)) - before).toBe(expected);
    expect(await balanceOf(vesting)).toBe(TECHNOLOGY - expected);
    expect(await client.readContract({ address: vesting, abi: allocationVestingAbi, functionName: "released" })).toBe(
      expected,
    );
  });

  it("resuming the deployment deploys and initialises nothing, and keeps the launch time", async () => {
    const result = await deployChain(net.topology, main, deployerKey, createLogger({}, { level: "warn" }));
    expect(result).toEqual({ deployed: [], initialized: [] });
    expect((await tokenStatus(client, net.manifest, "main")).launch).toBe(start);
  });
});
