// The gateway's routes, built as a Fastify instance so tests can `inject` requests without a socket.

import { fileURLToPath } from "node:url";
import {
  contractAddress,
  type DeploymentManifest,
  findDelivery,
  mainChain,
  publicClientFor,
  rsuSpecs,
  type Topology,
  tokenStatus,
} from "@amc/chain";
import { stringify } from "@amc/utils";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import { isHex } from "viem";
import { registerCredentialRoutes } from "./credentials.js";
import { consortiumMembers, registerDashboardRoutes } from "./dashboard.js";
import { custodianKey, type DataRoutesOptions, registerDataRoutes } from "./data.js";
import { type FlOptions, registerFlRoutes } from "./fl.js";
import { identityServices, registerIdentityRoutes } from "./identity.js";
import { installProblemHandler, ProblemError } from "./problem.js";
import { type RewardsOptions, registerRewardRoutes } from "./rewards.js";

export type GatewayOptions = {
  /** The platform's state folder: keystore (keys/), issuer status lists (issuer/), database (db/), blobs. */
  home: string;
  /** Data-sharing options (proxies, region, background work); see data.ts. */
  data?: Omit<DataRoutesOptions, "home">;
  /** Reward-epoch options (background committer, interval); see rewards.ts. */
  rewards?: Pick<RewardsOptions, "background" | "intervalMs">;
  /** Federated-learning options (Paillier key size, task config, recordings folder); see fl.ts. */
  fl?: Pick<FlOptions, "keyBits" | "config" | "recordingsDir">;
  /** The built dashboard to serve at `/` (default apps/web/dist of this repository; false: none). */
  webDir?: string | false;
  /** The simulator's base URL (default from services.sim). */
  simUrl?: string;
};

/** apps/web/dist beside this app: what `npm run web:build` (and `amc up`) builds. */
export const defaultWebDir = fileURLToPath(new URL("../../web/dist", import.meta.url));

export async function buildGateway(
  topology: Topology,
  manifest: DeploymentManifest,
  options: GatewayOptions,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  installProblemHandler(app);
  // OpenAPI from the routes' schemas; the UI's assets come from the npm package (no CDN).
  await app.register(swagger, {
    openapi: {
      info: {
        title: "AutoMobile Chain gateway",
        version: "0.1.0",
        description: "Cloud API of the AutoMobile Chain consortium. Domain routes join as their packages land.",
      },
      tags: [
        { name: "platform", description: "chains and health" },
        { name: "governance", description: "the consortium on the main chain" },
        { name: "xchain", description: "cross-chain messages" },
        { name: "fl", description: "federated learning rounds (FLRegistry)" },
        { name: "identity", description: "did:amc resolution" },
        { name: "credentials", description: "issuing and verifying credentials (W3C VC API)" },
        { name: "edge", description: "RSUs of the edge cells (docs/edge.md)" },
        { name: "dashboard", description: "what the dashboard reads: its configuration, a read-only RPC proxy" },
        { name: "sim", description: "the city and fleet simulator, proxied (docs/simulator.md)" },
        {
          name: "data",
          description: "vault, consents, consented reads, disclosure log, erasure (docs/data-sharing.md)",
        },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  const clients = new Map(topology.chains.map((c) => [c.name, publicClientFor(c)]));
  const main = mainChain(topology);

  const hex = (bytes: number) => ({ type: "string", pattern: `^0x[0-9a-fA-F]{${bytes * 2}}$` });
  const error = { type: "object", properties: { error: { type: "string" } } };

  app.get("/health", { schema: { tags: ["platform"], summary: "Liveness of the gateway" } }, async () => ({
    status: "ok",
    network: topology.network,
  }));

  app.get(
    "/v1/chains",
    { schema: { tags: ["platform"], summary: "Chains of the topology with their heights and contracts" } },
    async () => ({
      chains: await Promise.all(
        topology.chains.map(async (chain) => {
          const blockNumber = await clients
            .get(chain.name)!
            .getBlockNumber({ cacheTime: 0 })
            .then(Number)
            .catch(() => null);
          return {
            name: chain.name,
            role: chain.role,
            chainId: chain.chainId,
            h3Cell: chain.h3Cell ?? null,
            rpcUrl: chain.rpcUrl,
            blockNumber,
            validators: chain.validators,
            threshold: chain.threshold,
            contracts: manifest.chains[chain.name]?.contracts ?? {},
          };
        }),
      ),
    }),
  );

  app.get(
    "/v1/edge/rsus",
    {
      schema: {
        tags: ["edge"],
        summary: "The RSUs of every edge cell with their health (sessions, logged, unanchored batches, chain errors)",
      },
    },
    async () => ({
      rsus: await Promise.all(
        rsuSpecs(topology).map(async (rsu) => {
          const health = await fetch(`${rsu.url}/health`, { signal: AbortSignal.timeout(2_000) })
            .then((r) => (r.ok ? (r.json() as Promise<Record<string, unknown>>) : undefined))
            .catch(() => undefined);
          return {
            name: rsu.name,
            cell: rsu.cell,
            chain: rsu.chain.name,
            url: rsu.url,
            ws: `${rsu.url.replace(/^http/, "ws")}/v2x`,
            healthy: health !== undefined,
            health: health ?? null,
          };
        }),
      ),
    }),
  );

  app.get(
    "/v1/governance/members",
    { schema: { tags: ["governance"], summary: "Consortium members and their roles (ids and names), from main" } },
    async () => ({
      members: await consortiumMembers(clients.get(main.name)!, contractAddress(manifest, main.name, "Consortium")),
    }),
  );

  app.get<{ Params: { chain: string; id: string } }>(
    "/v1/xchain/:chain/deliveries/:id",
    {
      schema: {
        tags: ["xchain"],
        summary: "Whether a message was delivered on a chain, and by which transaction",
        params: {
          type: "object",
          required: ["chain", "id"],
          properties: { chain: { type: "string" }, id: { type: "string" } },
        },
        response: {
          200: {
            type: "object",
            properties: { delivered: { type: "boolean" }, blockNumber: { type: "number" }, txHash: hex(32) },
          },
          400: error,
          404: error,
        },
      },
    },
    async (request, reply) => {
      const { chain, id } = request.params;
      const client = clients.get(chain);
      if (!client) return reply.code(404).send({ error: `unknown chain ${chain}` });
      if (!isHex(id, { strict: true }) || id.length !== 66)
        return reply.code(400).send({ error: "id must be a 32-byte hex message id" });
      const delivery = await findDelivery(client, contractAddress(manifest, chain, "Mailbox"), id);
      return delivery
        ? { delivered: true, blockNumber: Number(delivery.blockNumber), txHash: delivery.txHash }
        : { delivered: false };
    },
  );

  if (main.modules.includes("token")) {
    const at = (value: string | undefined) => {
      if (value === undefined) return undefined;
      if (/^\d+$/.test(value)) return BigInt(value);
      const ms = Date.parse(value);
      if (Number.isNaN(ms))
        throw new ProblemError(400, "Bad date", `at is an RFC 3339 date or Unix seconds, got ${value}`);
      return BigInt(Math.floor(ms / 1000));
    };
    app.get<{ Querystring: { at?: string } }>(
      "/v1/token/schedule",
      {
        schema: {
          tags: ["token"],
          summary:
            "AMCT allocations at a date (?at=RFC 3339 or Unix seconds; default now): totals, vested, locked, mining",
          querystring: { type: "object", properties: { at: { type: "string" } } },
        },
      },
      async (request, reply) => {
        const status = await tokenStatus(clients.get(main.name)!, manifest, main.name, at(request.query.at));
        return reply.type("application/json").send(stringify(status));
      },
    );
  }

  const identity = identityServices(topology, manifest);
  const dashboard = (credentials?: ReturnType<typeof registerCredentialRoutes>) =>
    registerDashboardRoutes(app, topology, manifest, {
      identity,
      credentialsAbout: credentials?.credentialsAbout,
      audience: credentials?.baseUrl,
      webDir: options.webDir === false ? undefined : (options.webDir ?? defaultWebDir),
      simUrl: options.simUrl,
    });
  if (!identity) dashboard();
  if (identity) {
    registerIdentityRoutes(app, identity);
    const credentials = registerCredentialRoutes(app, topology, manifest, identity, options.home);
    dashboard(credentials);
    if (main.modules.includes("data")) {
      const data = await registerDataRoutes(app, topology, manifest, identity, credentials, {
        ...options.data,
        home: options.home,
      });
      // Federated learning: the platform operator owns the dev task and records the RSUs' cell aggregates.
      if (main.modules.includes("fl"))
        registerFlRoutes(app, topology, manifest, {
          home: options.home,
          writer: data.writer,
          adminToken: data.adminToken,
          ...options.fl,
        });
      // Reward epochs: the platform operator (the data custodian) computes and commits them from public records.
      if (main.modules.includes("token"))
        await registerRewardRoutes(app, topology, manifest, {
          store: data.store,
          writer: data.writer,
          operatorKey: custodianKey(topology),
          data: data.service,
          ...options.rewards,
        });
    }
  }

  return app;
}
