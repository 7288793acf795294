// Federated rounds through the gateway on a real anvil chain (docs/federated-learning.md): cell aggregates of
// Paillier-encrypted vehicle updates are recorded on FLRegistry with their commitments and contributor roots; a
// tampered aggregate is refused; a cell below m contributors is committed but never opened and is dropped with
// code 0; the published model's bytes hash to what the ledger holds and the next round opens on it. (The RSU's HTTP
// side of the same protocol runs in tests/cli.e2e.test.ts, on the running platform.)
import { flRegistryAbi } from "@amc/abi";
import { contractAddress, publicClientFor } from "@amc/chain";
import { paillier } from "@amc/crypto";
import {
  aggregateCell,
  aggregateToJson,
  encodeUpdate,
  type FlTaskConfig,
  modelFromBytes,
  modelHashOf,
  platformData,
  vehicleUpdate,
} from "@amc/fl";
import { type Hex, keccak256, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRecordingsDir, taskConfigFor } from "../apps/gateway/src/fl.js";
import { type DataBed, startDataBed } from "./support/data.js";

let bed: DataBed;
beforeAll(async () => {
  bed = await startDataBed();
}, 180_000);
afterAll(async () => bed?.stop());

type Task = {
  taskId: Hex;
  config: FlTaskConfig;
  publicKey: { n: string };
  round: number | null;
  baseModelHash: Hex | null;
};

const api = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
  const response = await fetch(`${bed.base}${path}`, init);
  const type = response.headers.get("content-type") ?? "";
  return {
    status: response.status,
    body: (type.includes("json") ? await response.json() : new Uint8Array(await response.arrayBuffer())) as T,
  };
};
const post = (path: string, body: unknown, token: string | null = bed.routes.adminToken) =>
  api<Record<string, unknown>>(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe("federated rounds on FLRegistry (real anvil, real HTTP)", () => {
  it("records cell aggregates, drops what it may not open, publishes a verifiable model and opens the next round", async () => {
    const { body: task } = await api<Task>("/v1/fl/task");
    expect(task.round).toBe(0);
    const config = task.config;
    const publicKey = paillier.publicKeyFromJson(task.publicKey);
    const pool = new paillier.RandomnessPool(publicKey);
    await pool.refill(16);
    const { body: baseBytes } = await api<Uint8Array>(`/v1/fl/models/${task.baseModelHash}`);
    expect(modelHashOf(baseBytes)).toBe(task.baseModelHash);
    const global = modelFromBytes(baseBytes).params;
    const data = platformData(config, defaultRecordingsDir);

    // Three cells of 4 vehicles and one of 2 (below m = 3).
    const sizes = [4, 4, 4, 2];
    let next = 0;
    const aggregates = sizes.map((size, c) => {
      const encoded = Array.from({ length: size }, () => {
        const v = next++;
        return encodeUpdate(
          config.secure,
          { publicKey, pool },
          `vehicle-${v}`,
          vehicleUpdate(config, global, data, v, 0),
        );
      });
      return aggregateToJson(aggregateCell(config.secure, { publicKey }, `rsu-test-${c}`, encoded));
    });

    // Refused: no admin token; a payload that does not match its commitment; a round that is not open.
    expect((await post("/v1/fl/rounds/0/cells", aggregates[0], null)).status).toBe(401);
    const tampered = {
      ...aggregates[0]!,
      ciphertexts: [`0x${(BigInt(aggregates[0]!.ciphertexts![0]!) + 1n).toString(16)}`],
    };
    const refused = await post("/v1/fl/rounds/0/cells", tampered);
    expect(refused.status).toBe(400);
    expect(String(refused.body.detail)).toContain("commitment does not match");
    expect((await post("/v1/fl/rounds/5/cells", aggregates[0])).status).toBe(409);

    for (const aggregate of aggregates) {
      const recorded = await post("/v1/fl/rounds/0/cells", aggregate);
      expect(recorded.status, JSON.stringify(recorded.body)).toBe(200);
    }
    // The same aggregate again is kept without a second transaction (a retry after a crash); another aggregate for a
    // recorded cell is refused.
    const again = await post("/v1/fl/rounds/0/cells", aggregates[1]);
    expect(again.status).toBe(200);
    expect(again.body.tx).toBeNull();
    const other = await post("/v1/fl/rounds/0/cells", { ...aggregates[2]!, cellId: aggregates[1]!.cellId });
    expect(other.status).toBe(409);

    const published = await post("/v1/fl/rounds/0/publish", {});
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    const result = published.body as {
      modelHash: Hex;
      accepted: Hex[];
      dropped: { cellId: Hex; code: number; reason: string }[];
    };
    const small = keccak256(stringToHex("rsu-test-3"));
    expect(result.dropped).toEqual([expect.objectContaining({ cellId: small, code: 0 })]);
    expect(result.accepted).toHaveLength(3);

    // The ledger: the round published with the model's hash; the small cell dropped; round 1 open on the model.
    const client = publicClientFor(bed.net.topology.chains[0]!);
    const registry = contractAddress(bed.net.manifest, "main", "FLRegistry");
    const round0 = await client.readContract({
      address: registry,
      abi: flRegistryAbi,
      functionName: "round",
      args: [task.taskId, 0n],
    });
    expect(round0.modelHash).toBe(result.modelHash);
    expect(Number(round0.contributors)).toBe(12);
    const cell = await client.readContract({
      address: registry,
      abi: flRegistryAbi,
      functionName: "cellAggregate",
      args: [task.taskId, 0n, small],
    });
    expect(cell.status).toBe(3); // Dropped
    const { body: modelBytes } = await api<Uint8Array>(`/v1/fl/models/${result.modelHash}`);
    expect(modelHashOf(modelBytes)).toBe(round0.modelHash);
    const { body: after } = await api<Task>("/v1/fl/task");
    expect(after.round).toBe(1);
    expect(after.baseModelHash).toBe(result.modelHash);
    await pool.stop();
  }, 240_000);

  it("refuses bad input on the FL routes", async () => {
    expect((await api("/v1/fl/models/0x1234")).status).toBe(404);
    expect((await post("/v1/fl/rounds/abc/cells", {})).status).toBe(400);
    const junk = await post("/v1/fl/rounds/1/cells", { mode: "paillier", cellId: "x", contributors: [] });
    expect(junk.status).toBe(400);
    expect((await post("/v1/fl/rounds/1/publish", {})).status).toBe(409);
  });
});

describe("the same round with SecAgg+ masking (chosen by configuration)", () => {
  let masked: DataBed;
  beforeAll(async () => {
    masked = await startDataBed({ fl: { config: taskConfigFor("masking") } });
  }, 180_000);
  afterAll(async () => masked?.stop());

  it("records masked cell sums (mode 1 on the ledger) and publishes a model the ledger verifies", async () => {
    const get = async <T>(path: string) => (await fetch(`${masked.base}${path}`)).json() as Promise<T>;
    const task = await get<Task>("/v1/fl/task");
    expect(task.config.secure.mode).toBe("masking");
    const baseBytes = new Uint8Array(
      await (await fetch(`${masked.base}/v1/fl/models/${task.baseModelHash}`)).arrayBuffer(),
    );
    const global = modelFromBytes(baseBytes).params;
    const data = platformData(task.config, defaultRecordingsDir);
    const send = (path: string, body: unknown) =>
      fetch(`${masked.base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${masked.routes.adminToken}` },
        body: JSON.stringify(body),
      });
    let next = 0;
    for (let c = 0; c < 3; c++) {
      const encoded = Array.from({ length: 4 }, () => {
        const v = next++;
        return encodeUpdate(task.config.secure, {}, `vehicle-${v}`, vehicleUpdate(task.config, global, data, v, 0));
      });
      // One vehicle of each cell drops out after masking: its masks are recovered from the others' shares.
      const aggregate = aggregateCell(task.config.secure, {}, `rsu-m-${c}`, encoded, {
        roundId: `${task.taskId}/0`,
        dropAfterMask: [3],
      });
      expect((await send("/v1/fl/rounds/0/cells", aggregateToJson(aggregate))).status).toBe(200);
    }
    const published = await send("/v1/fl/rounds/0/publish", {});
    expect(published.status).toBe(200);
    const { modelHash } = (await published.json()) as { modelHash: Hex };
    const client = publicClientFor(masked.net.topology.chains[0]!);
    const registry = contractAddress(masked.net.manifest, "main", "FLRegistry");
    const cell = await client.readContract({
      address: registry,
      abi: flRegistryAbi,
      functionName: "cellAggregate",
      args: [task.taskId, 0n, keccak256(stringToHex("rsu-m-0"))],
    });
    expect(cell.mode).toBe(1);
    const round0 = await client.readContract({
      address: registry,
      abi: flRegistryAbi,
      functionName: "round",
      args: [task.taskId, 0n],
    });
    expect(round0.modelHash).toBe(modelHash);
    const bytes = new Uint8Array(await (await fetch(`${masked.base}/v1/fl/models/${modelHash}`)).arrayBuffer());
    expect(modelHashOf(bytes)).toBe(modelHash);
  }, 240_000);
});
