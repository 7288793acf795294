// The gateway's dashboard routes on real anvil chains (main and two cells, every module), with the in-process
// validators and relayer delivering cross-chain messages: configuration, the read-only RPC proxy (reads pass,
// anything that writes is refused), cross-chain messages seen dispatched and then delivered, a produced vehicle's
// lifecycle and history, "my vehicles" following a sale, the VIN lookup only for authorised members, RSU stats
// without RSUs, the simulator proxy without a simulator, and the static dashboard with no path escaping its folder.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contractAddress, devAccount, devPrivateKey, dispatch, publicClientFor, walletClientFor } from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { createOwnerToken } from "@amc/data";
import {
  formatDid,
  produceVehicle,
  specHash,
  transferVehicle,
  vehicleIdFromVin,
  vinKeyFromEnvironment,
} from "@amc/did";
import { waitFor } from "@amc/utils";
import type { FastifyInstance } from "fastify";
import { stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGateway } from "../apps/gateway/src/app.js";
import { parsePrometheus } from "../apps/gateway/src/dashboard.js";
import { type LocalAgents, startLocalAgents } from "../apps/relayer/src/local.js";

let net: LocalNet;
let app: FastifyInstance;
let agents: LocalAgents;
const webDir = mkdtempSync(join(tmpdir(), "amc-web-dist-"));
const OEM = 2; // localTopology: dev 2 is the OEM member, 3 a regulator, 8 no member at all
const REGULATOR = 3;

beforeAll(async () => {
  net = await startLocalNet(undefined, { blockTimeSeconds: 0 });
  mkdirSync(join(webDir, "assets"));
  writeFileSync(join(webDir, "index.html"), '<!doctype html><script type="module" src="/assets/app-1.js"></script>');
  writeFileSync(join(webDir, "assets", "app-1.js"), "console.log('dashboard')");
  app = await buildGateway(net.topology, net.manifest, {
    home: net.paths.home,
    webDir,
    simUrl: "http://127.0.0.1:9",
    data: { background: false },
    rewards: { background: false },
  });
  agents = startLocalAgents(net.topology, net.manifest);
}, 180_000);
afterAll(async () => {
  await agents?.stop();
  await app?.close();
  await net?.stop();
});

const get = async (url: string, headers: Record<string, string> = {}) => {
  const response = await app.inject({ method: "GET", url, headers });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> & { [k: string]: never } };
};
const main = () => net.topology.chains[0]!;
const audience = () => `http://127.0.0.1:${net.topology.services.gateway.port}`;

describe("dashboard routes", () => {
  it("config names the network, the main chain's registry, the chains and the members with their roles", async () => {
    const { status, body } = await get("/v1/dashboard/config");
    expect(status).toBe(200);
    expect(body.network).toBe(net.topology.network);
    expect(body.devKeys).toBe(true);
    expect(body.registry).toBe(contractAddress(net.manifest, "main", "DIDRegistry"));
    expect((body.chains as unknown as { name: string }[]).map((c) => c.name)).toEqual(
      net.topology.chains.map((c) => c.name),
    );
    const members = body.members as unknown as { address: string; roles: string[] }[];
    expect(members.find((m) => m.address === devAccount(OEM).address)?.roles).toEqual(["OEM"]);
    expect(body.sim).toBe(false);
  });

  it("the RPC proxy forwards reads and refuses writes, unknown chains and garbage", async () => {
    const rpc = (chain: string, payload: unknown) =>
      app.inject({ method: "POST", url: `/v1/rpc/${chain}`, payload: payload as object });
    const height = await rpc("main", { jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] });
    expect(height.statusCode).toBe(200);
    expect(BigInt(height.json().result)).toBe(await publicClientFor(main()).getBlockNumber({ cacheTime: 0 }));
    const batch = await rpc("main", [
      { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
      { jsonrpc: "2.0", id: 2, method: "eth_blockNumber", params: [] },
    ]);
    expect(batch.json()).toHaveLength(2);
    const send = await rpc("main", {
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendTransaction",
      params: [{ from: devAccount(0).address, to: devAccount(1).address, value: "0x1" }],
    });
    expect(send.statusCode).toBe(403);
    expect(send.json().detail).toContain("eth_sendTransaction");
    expect((await rpc("main", { jsonrpc: "2.0", id: 1, method: "anvil_setBalance", params: [] })).statusCode).toBe(403);
    expect((await rpc("nowhere", { jsonrpc: "2.0", id: 1, method: "eth_chainId" })).statusCode).toBe(404);
    expect((await rpc("main", { id: 1, method: "eth_chainId" })).statusCode).toBe(400);
    expect((await rpc("main", [])).statusCode).toBe(400);
  });

  it("a cross-chain message appears dispatched, then delivered", async () => {
    const cell = net.topology.chains.find((c) => c.role === "edge")!;
    const sent = await dispatch({
      wallet: walletClientFor(main(), devPrivateKey(OEM)),
      client: publicClientFor(main()),
      mailbox: contractAddress(net.manifest, "main", "Mailbox"),
      destination: cell.chainId,
      recipient: contractAddress(net.manifest, cell.name, "MessageInbox"),
      body: stringToHex("hello dashboard"),
    });
    const find = async () =>
      ((await get("/v1/xchain/messages?limit=100")).body.messages as unknown as Record<string, unknown>[]).find(
        (m) => m.id === sent.messageId,
      );
    const first = await find();
    expect(first).toMatchObject({ origin: "main", destination: cell.name, nonce: sent.nonce });
    expect(first?.timestamp).toBeGreaterThan(1_600_000_000);
    const delivered = await waitFor(async () => ((await find())?.delivered ? await find() : undefined), {
      timeoutMs: 60_000,
      what: "the message to be delivered",
    });
    expect(delivered?.deliveredTx).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await get("/v1/xchain/messages?limit=0")).status).toBe(400);
    expect((await get("/v1/xchain/messages?limit=abc")).status).toBe(400);
  }, 90_000);

  it("a vehicle's lifecycle, its history and who controls it; VIN lookup only for authorised members", async () => {
    const vin = "WVWZZZ1KZ6W424242";
    const id = vehicleIdFromVin(vin, vinKeyFromEnvironment(net.topology.network));
    const did = formatDid(net.topology.network, id);
    const lifecycle = contractAddress(net.manifest, "main", "VehicleLifecycle");
    const oemWriter = {
      wallet: walletClientFor(main(), devPrivateKey(OEM)),
      client: publicClientFor(main()),
      lifecycle,
    };
    await produceVehicle(oemWriter, { id, specHash: specHash({ make: "Demo" }) });
    const vehicle = await get(`/v1/identity/vehicles/${did}`);
    expect(vehicle.status).toBe(200);
    const record = vehicle.body as unknown as {
      lifecycle: { state: string; oem: string; history: { event: string; txHash: string; timestamp: number }[] };
      document: { id: string };
    };
    expect(record.lifecycle.state).toBe("Produced");
    expect(record.lifecycle.oem).toBe(devAccount(OEM).address);
    expect(record.lifecycle.history.map((h) => h.event)).toEqual(["VehicleProduced"]);
    expect(record.document.id).toBe(did);

    const mine = async (index: number) =>
      ((await get(`/v1/identity/controlled/${devAccount(index).address}`)).body.dids as unknown as string[]) ?? [];
    expect(await mine(OEM)).toContain(did);
    await transferVehicle(oemWriter, { id, to: devAccount(7).address });
    expect(await mine(7)).toContain(did);
    expect(await mine(OEM)).not.toContain(did);
    const after = (await get(`/v1/identity/vehicles/${did}`)).body as unknown as typeof record;
    expect(after.lifecycle.history.map((h) => h.event)).toEqual(["VehicleProduced", "VehicleTransferred"]);

    expect((await get(`/v1/identity/vehicles/did:amc:${net.topology.network}:${"ab".repeat(32)}`)).status).toBe(404);
    expect((await get("/v1/identity/vehicles/did:amc:nope")).status).toBe(400);
    expect((await get("/v1/identity/controlled/0x1234")).status).toBe(400);

    const token = async (index: number) =>
      `Owner ${await createOwnerToken(privateKeyToAccount(devPrivateKey(index)), audience())}`;
    expect((await get(`/v1/identity/vin/${vin}`)).status).toBe(401);
    const stranger = await get(`/v1/identity/vin/${vin}`, { authorization: await token(8) });
    expect(stranger.status).toBe(403);
    const found = await get(`/v1/identity/vin/${vin}`, { authorization: await token(REGULATOR) });
    expect(found).toEqual({ status: 200, body: { did } });
    expect((await get("/v1/identity/vin/WVWZZZ1KZ6W000001", { authorization: await token(OEM) })).status).toBe(404);
  }, 60_000);

  it("RSU stats without running RSUs, no events yet, and the simulator proxy without a simulator", async () => {
    const stats = await get("/v1/edge/stats");
    const rows = stats.body.rsus as unknown as { name: string; healthy: boolean; accepted: number }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => !r.healthy && r.accepted === 0)).toBe(true);
    expect((await get("/v1/edge/events")).body.events).toEqual([]);
    const sim = await get("/v1/sim/state");
    expect(sim.status).toBe(503);
    expect(sim.body.title).toBe("Simulator not running");
    expect((await get(`/v1/edge/proofs/0x${"00".repeat(32)}`)).status).toBe(404);
    expect((await get("/v1/edge/proofs/0x12")).status).toBe(400);
  });

  it("serves the dashboard's files and nothing outside them", async () => {
    const index = await app.inject({ method: "GET", url: "/" });
    expect(index.statusCode).toBe(200);
    expect(index.headers["content-type"]).toContain("text/html");
    const asset = await app.inject({ method: "GET", url: "/assets/app-1.js" });
    expect(asset.body).toBe("console.log('dashboard')");
    expect(asset.headers["cache-control"]).toContain("immutable");
    for (const url of ["/assets/..%2f..%2fetc%2fpasswd", "/assets/%2e%2e/%2e%2e/x"])
      expect((await app.inject({ method: "GET", url })).statusCode).toBeGreaterThanOrEqual(400);
    expect((await app.inject({ method: "GET", url: "/assets/missing.js" })).statusCode).toBe(404);
  });
});

describe("parsePrometheus", () => {
  it("reads counters with labels and skips comments", () => {
    const samples = parsePrometheus(
      [
        "# HELP amc_edge_messages_rejected_total messages refused, by reason",
        "# TYPE amc_edge_messages_rejected_total counter",
        'amc_edge_messages_rejected_total{reason="bad_signature"} 3',
        'amc_edge_messages_rejected_total{reason="a \\"quoted\\" one"} 1',
        "amc_edge_messages_accepted_total 42",
        "garbage line",
      ].join("\n"),
    );
    expect(samples).toEqual([
      { name: "amc_edge_messages_rejected_total", labels: { reason: "bad_signature" }, value: 3 },
      { name: "amc_edge_messages_rejected_total", labels: { reason: 'a "quoted" one' }, value: 1 },
      { name: "amc_edge_messages_accepted_total", labels: {}, value: 42 },
    ]);
  });
});
