// The gateway's routes against real chains (LocalNet), through Fastify's inject (no socket needed).
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGateway } from "./app.js";

let net: LocalNet;
let app: FastifyInstance;
beforeAll(async () => {
  net = await startLocalNet();
  app = await buildGateway(net.topology, net.manifest, { home: net.paths.home });
});
afterAll(async () => {
  await app?.close();
  await net?.stop();
});

describe("gateway", () => {
  it("reports health", async () => {
    const response = await app.inject({ method: "GET", url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok", network: "test" });
  });

  it("lists chains with heights, validators and contract addresses", async () => {
    const { chains } = (await app.inject({ method: "GET", url: "/v1/chains" })).json() as {
      chains: { name: string; blockNumber: number; contracts: Record<string, string>; h3Cell: string | null }[];
    };
    expect(chains.map((c) => c.name)).toEqual(["main", "cell-a"]);
    expect(chains[0]?.blockNumber).toBeGreaterThan(0);
    expect(chains[0]?.contracts.Consortium).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(chains[1]?.contracts.Consortium).toBeUndefined();
    expect(chains[1]?.h3Cell).toBe("871f18803ffffff");
  });

  it("lists the consortium's members with their roles from the chain", async () => {
    const { members } = (await app.inject({ method: "GET", url: "/v1/governance/members" })).json() as {
      members: { address: string; name: string; roles: string[]; roleNames: string[] }[];
    };
    expect(members.map((m) => m.name)).toEqual(["Member 0", "Member 1", "Member 2"]);
    expect(members[0]?.address).toBe(net.topology.governance.members[0]?.address);
    expect(members[0]?.roles).toHaveLength(1);
    expect(members.map((m) => m.roleNames)).toEqual(net.topology.governance.members.map((m) => m.roles));
  });

  it("lists the RSUs of every edge cell, reporting them unhealthy while none runs", async () => {
    const { rsus } = (await app.inject({ method: "GET", url: "/v1/edge/rsus" })).json() as {
      rsus: { name: string; cell: string; ws: string; healthy: boolean }[];
    };
    expect(rsus.map((r) => r.name)).toEqual(["rsu-871f18803ffffff-0", "rsu-871f18803ffffff-1"]);
    expect(rsus[0]?.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v2x$/);
    expect(rsus.every((r) => r.cell === "871f18803ffffff" && !r.healthy)).toBe(true);
  });

  it("serves its OpenAPI document and the docs UI from the build", async () => {
    const spec = (await app.inject({ method: "GET", url: "/docs/json" })).json() as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        "/health",
        "/v1/chains",
        "/v1/governance/members",
        "/v1/xchain/{chain}/deliveries/{id}",
        "/v1/edge/rsus",
      ]),
    );
    const ui = await app.inject({ method: "GET", url: "/docs/" });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).not.toMatch(/https?:\/\/(cdn|unpkg|fonts)\./);
  });

  it("validates a delivery lookup and answers for unknown messages", async () => {
    expect((await app.inject({ method: "GET", url: "/v1/xchain/cell-a/deliveries/0x1234" })).statusCode).toBe(400);
    expect(
      (await app.inject({ method: "GET", url: `/v1/xchain/nowhere/deliveries/0x${"00".repeat(32)}` })).statusCode,
    ).toBe(404);
    const unknown = await app.inject({ method: "GET", url: `/v1/xchain/cell-a/deliveries/0x${"ab".repeat(32)}` });
    expect(unknown.json()).toEqual({ delivered: false });
  });
});
