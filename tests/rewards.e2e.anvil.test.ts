// Data-mining rewards end to end on a real anvil chain and the gateway over HTTP (docs/token-rewards.md): a vehicle's
// data is read under consent in epoch 0; when the epoch has ended on chain the gateway computes it from public
// records and commits its root to MiningPool; anyone recomputes the same root from the public disclosure export and
// the chain; the owner claims with `amc token claim` (which binds the vehicle for eligibility) and is paid exactly
// the epoch's share, once.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { aMCTAbi, miningPoolAbi } from "@amc/abi";
import { contractAddress, publicClientFor } from "@amc/chain";
import { computePlatformEpoch, miningEmission, parseDisclosureExport, recomputeAndCompare } from "@amc/rewards";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rewardsOf } from "../apps/gateway/src/rewards.js";
import { type DataBed, grantInsurer, readObject, startDataBed, uploadObject, type Vehicle } from "./support/data.js";

const run = promisify(execFile);
const amc = join(import.meta.dirname, "../apps/cli/bin/amc.js");

let bed: DataBed;
let car: Vehicle;
beforeAll(async () => {
  bed = await startDataBed();
  car = await bed.newVehicle("WVWZZZ1KZ6W000777");
}, 180_000);
afterAll(async () => bed?.stop());

const get = async <T>(path: string): Promise<T> => {
  const response = await fetch(`${bed.base}${path}`);
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
};

type EpochBody = {
  epoch: number;
  root: Hex | null;
  total: string;
  emission: string;
  onChain: { root: Hex | null; total: string; claimed: string };
  rewards: { account: string; amount: string; points: string }[];
};

describe("data-mining rewards (real anvil, real HTTP)", () => {
  it("an owner whose data was read earns in that epoch and claims in the next", async () => {
    const rewards = rewardsOf(bed.app);
    if (!rewards) throw new Error("the gateway mounted no reward epochs");
    const main = bed.net.topology.chains[0]!;
    const client = publicClientFor(main);
    const pool = contractAddress(bed.net.manifest, "main", "MiningPool");
    const token = contractAddress(bed.net.manifest, "main", "AMCT");

    // Epoch 0: the vehicle uploads, the owner consents, the insurer reads twice; object and reads are anchored.
    const { stored } = await uploadObject(bed, car, { speedKmh: [52, 54] });
    const { consent, credential } = await grantInsurer(bed, car);
    for (let i = 0; i < 2; i++) await readObject(bed, stored.objectId as Hex, consent.consentId as Hex, credential.jwt);
    await bed.routes.service.anchorPending();
    await bed.routes.service.anchorDisclosures();

    // While epoch 0 runs there is nothing to commit.
    await rewards.tick();
    const running = await get<{ current: { epoch: number; endsAt: number }; epochs: unknown[] }>("/v1/token/epochs");
    expect(running.current.epoch).toBe(0);
    expect(running.epochs).toEqual([]);

    // The epoch ends on chain (one block past its end).
    await client.request({ method: "evm_setNextBlockTimestamp" as never, params: [running.current.endsAt] as never });
    await client.request({ method: "evm_mine" as never, params: [] as never });
    await rewards.tick();

    const epoch = await get<EpochBody>("/v1/token/epochs/0");
    const emission = miningEmission(0);
    expect(BigInt(epoch.emission)).toBe(emission);
    expect(epoch.root).toMatch(/^0x[0-9a-f]{64}$/);
    expect(epoch.onChain.root).toBe(epoch.root);
    // The only contributor earns the whole emission: 2 reads = 20 points.
    expect(epoch.rewards).toEqual([
      expect.objectContaining({ account: bed.owner.address, points: "20", amount: emission.toString() }),
    ]);

    // Anyone recomputes the committed root from the public export and the chain; an altered export is refused.
    const exported = await get<unknown>("/v1/data/disclosures/export?from=0&to=99");
    const sources = {
      main: {
        client,
        miningPool: pool,
        dataLedger: contractAddress(bed.net.manifest, "main", "DataLedger"),
        didRegistry: contractAddress(bed.net.manifest, "main", "DIDRegistry"),
      },
      custodian: bed.routes.writer.account,
      disclosures: async () => exported,
    };
    const recomputed = await computePlatformEpoch(sources, 0);
    expect(recomputeAndCompare({ root: recomputed.pool.root, total: recomputed.pool.total }, recomputed.input)).toEqual(
      expect.objectContaining({ matches: true }),
    );
    const altered = parseDisclosureExport(exported).map((e, i) => (i === 0 ? { ...e, purpose: "marketing" } : e));
    await expect(computePlatformEpoch({ ...sources, disclosures: async () => altered }, 0)).rejects.toThrow(
      /does not match anchored root/,
    );

    const cli = (...args: string[]) =>
      run(process.execPath, [amc, ...args, "--config", bed.net.configPath, "--home", bed.net.paths.home], {
        timeout: 90_000,
      });
    // `amc token recompute` says the same from the command line.
    const check = JSON.parse((await cli("token", "recompute", "0", "--json")).stdout) as { matches: boolean };
    expect(check.matches).toBe(true);

    // The owner claims: the CLI binds the vehicle that earned it (eligibility) and claims with the proof.
    const before = await client.readContract({
      address: token,
      abi: aMCTAbi,
      functionName: "balanceOf",
      args: [bed.owner.address],
    });
    const claimed = JSON.parse((await cli("token", "claim", "--as", bed.owner.address, "--json")).stdout) as {
      bound: string[];
      total: string;
    };
    expect(claimed.bound).toEqual([car.id.toLowerCase()]);
    expect(BigInt(claimed.total)).toBe(emission);
    const after = await client.readContract({
      address: token,
      abi: aMCTAbi,
      functionName: "balanceOf",
      args: [bed.owner.address],
    });
    expect(after - before).toBe(emission);
    const onChain = await client.readContract({
      address: pool,
      abi: miningPoolAbi,
      functionName: "epochs",
      args: [0n],
    });
    expect(onChain.claimed).toBe(emission);

    // Once only: nothing is left to claim, and the gateway shows the reward as paid.
    const again = await cli("token", "claim", "--as", bed.owner.address);
    expect(again.stdout).toContain("has no unclaimed reward");
    const { claims } = await get<{ claims: { epoch: number; claimed: boolean }[] }>(
      `/v1/token/claims/${bed.owner.address}`,
    );
    expect(claims).toEqual([expect.objectContaining({ epoch: 0, claimed: true })]);
  }, 240_000);

  it("refuses bad input on the reward routes with clear errors", async () => {
    const badAccount = await fetch(`${bed.base}/v1/token/claims/not-an-address`);
    expect(badAccount.status).toBe(400);
    const unknown = await fetch(`${bed.base}/v1/token/epochs/999999`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { detail: string }).detail).toContain("has not been computed");
    const badEpoch = await fetch(`${bed.base}/v1/token/epochs/abc`);
    expect(badEpoch.status).toBe(400);
  });
});
