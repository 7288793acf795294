// The topology file (amc.config.json) names the consortium's chains, their roles and modules, who validates
// them, the initial members, and the services' ports. Everything that starts the platform reads it through
// `loadTopology`, which validates it and says exactly what is wrong.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { InvalidInputError } from "@amc/utils";
import { getResolution, isValidCell } from "h3-js";
import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";

export const chainRoles = ["main", "side", "edge"] as const;
export type ChainRole = (typeof chainRoles)[number];

/**
 * Contract modules a chain can carry; each maps to the contracts that deploy.ts puts on it. `data` (ConsentRegistry,
 * DataLedger; docs/data-sharing.md) lives on the main chain only, beside the DID registry and the consortium it reads.
 * `token` (AMCT and its allocations: MiningPool, TechnologyVesting, FoundationVesting, OperationsReserve, DataEscrow;
 * contracts/src/token) lives on the main chain only: the Consortium governs it and the Mailbox brings cross-chain claims.
 */
export const moduleNames = ["xchain", "governance", "identity", "edge", "data", "token", "fl"] as const;
export type ModuleName = (typeof moduleNames)[number];

/** Consortium roles known to the governance contract (keccak256 of the name on chain). */
export const roleNames = [
  "OEM",
  "SUPPLIER",
  "RSU_OPERATOR",
  "REGULATOR",
  "INSURER",
  "BANK",
  "ENERGY",
  "CERTIFICATE_AUTHORITY",
  "VALIDATOR_OPERATOR",
  "MOBILITY_PROVIDER",
] as const;
export type RoleName = (typeof roleNames)[number];

const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), { message: "not a 20-byte hex address" })
  .transform((value) => getAddress(value));

const loopbackUrl = z.url({ protocol: /^https?$/ });

const chainSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,39}$/, "lowercase letters, digits and '-', starting with a letter (max 40)"),
    role: z.enum(chainRoles),
    chainId: z.number().int().min(1).max(0xffffffff),
    rpcUrl: loopbackUrl,
    /** H3 cell (resolution 7) that an edge chain serves. */
    h3Cell: z.string().optional(),
    /** Seconds between blocks for the local anvil; 0 mines a block per transaction. */
    blockTimeSeconds: z.number().int().min(0).max(60).default(1),
    modules: z.array(z.enum(moduleNames)).min(1),
    validators: z.array(address).min(1).max(32),
    threshold: z.number().int().min(1),
  })
  .superRefine((chain, ctx) => {
    if (chain.threshold > chain.validators.length)
      ctx.addIssue({
        code: "custom",
        message: `threshold ${chain.threshold} exceeds ${chain.validators.length} validators`,
      });
    if (new Set(chain.validators).size !== chain.validators.length)
      ctx.addIssue({ code: "custom", message: "validators must be distinct" });
    if (chain.role === "edge") {
      if (!chain.h3Cell || !isValidCell(chain.h3Cell))
        ctx.addIssue({ code: "custom", message: "an edge chain needs h3Cell, a valid H3 index" });
      else if (getResolution(chain.h3Cell) !== 7)
        ctx.addIssue({ code: "custom", message: `h3Cell ${chain.h3Cell} is not at resolution 7` });
    } else if (chain.h3Cell !== undefined) {
      ctx.addIssue({ code: "custom", message: "only edge chains have an h3Cell" });
    }
    if (chain.role === "main" && !chain.modules.includes("governance"))
      ctx.addIssue({ code: "custom", message: "the main chain must carry the governance module" });
    if (chain.role !== "main" && chain.modules.includes("governance"))
      ctx.addIssue({ code: "custom", message: "only the main chain carries governance" });
    if (!chain.modules.includes("xchain"))
      ctx.addIssue({ code: "custom", message: "every chain carries the xchain module (Mailbox)" });
    if (chain.modules.includes("data")) {
      if (chain.role !== "main")
        ctx.addIssue({
          code: "custom",
          message: "only the main chain carries the data module (ConsentRegistry and DataLedger)",
        });
      else
        for (const needed of ["identity", "governance"] as const)
          if (!chain.modules.includes(needed))
            ctx.addIssue({
              code: "custom",
              message: `the data module needs the ${needed} module on the main chain: ${
                needed === "identity"
                  ? "ConsentRegistry checks consents against the DIDRegistry"
                  : "DataLedger's writers are the Consortium's members"
              }`,
            });
    }
    if (chain.modules.includes("token")) {
      if (chain.role !== "main") {
        // On an edge or side chain the module is RemoteRewardClaims: rewards proven there are paid on main.
        if (!chain.modules.includes("xchain"))
          ctx.addIssue({
            code: "custom",
            message:
              "the token module on an edge or side chain needs the xchain module (claims go to main through the Mailbox)",
          });
      } else
        for (const needed of ["governance", "xchain"] as const)
          if (!chain.modules.includes(needed))
            ctx.addIssue({
              code: "custom",
              message: `the token module needs the ${needed} module on the main chain: ${
                needed === "governance"
                  ? "the Consortium governs the operations reserve, the mining pool and the data escrow"
                  : "the mining pool takes cross-chain claims through the Mailbox"
              }`,
            });
    }
    if (chain.modules.includes("fl")) {
      if (chain.role !== "main")
        ctx.addIssue({ code: "custom", message: "only the main chain carries the fl module (FLRegistry)" });
      else if (!chain.modules.includes("governance"))
        ctx.addIssue({
          code: "custom",
          message:
            "the fl module needs the governance module on the main chain: task owners are members, cells are RSU operators",
        });
    }
    if (chain.role === "side" && chain.modules.includes("edge"))
      ctx.addIssue({
        code: "custom",
        message: "the edge module goes on the main chain and edge chains, not side chains",
      });
  });

const memberSchema = z.object({
  address,
  name: z.string().min(1).max(200),
  metadataURI: z.string().max(2000).default(""),
  roles: z.array(z.enum(roleNames)).default([]),
});

const portSchema = z.number().int().min(1).max(65535);

export const topologySchema = z
  .object({
    network: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
    /**
     * Where service and deployer keys come from. "dev" uses the well-known anvil test mnemonic: TEST ONLY,
     * those keys are public. Any other value needs keys in the environment (see docs/operations.md).
     */
    keys: z.enum(["dev", "env"]).default("dev"),
    chains: z.array(chainSchema).min(1),
    governance: z.object({
      quorumBps: z.number().int().min(1).max(10_000),
      votingPeriodSeconds: z.number().int().min(60),
      members: z.array(memberSchema).min(1),
    }),
    /**
     * The mining pool's schedule (docs/token-rewards.md): epochs of `epochSeconds` (one week on a real network; the
     * dev topology uses minutes so that an epoch ends while you watch), the emission halving every `halvingEpochs`.
     * Fixed at deployment: MiningPool keeps them.
     */
    token: z
      .object({
        epochSeconds: z
          .number()
          .int()
          .min(10)
          .max(366 * 86_400)
          .default(7 * 86_400),
        halvingEpochs: z.number().int().min(1).max(1_000_000).default(104),
      })
      .prefault({}),
    /** Federated learning (module fl): how cells aggregate their vehicles' updates (docs/federated-learning.md). */
    fl: z.object({ secureAggregation: z.enum(["paillier", "masking"]).default("paillier") }).prefault({}),
    services: z.object({
      host: z.string().default("127.0.0.1"),
      gateway: z.object({ port: portSchema }),
      relayer: z.object({
        port: portSchema,
        batchSize: z.number().int().min(1).max(200).default(20),
        pollIntervalMs: z.number().int().min(50).max(60_000).default(500),
      }),
      validators: z.object({ port: portSchema, pollIntervalMs: z.number().int().min(50).max(60_000).default(250) }),
      /** The dev V2X PKI service (root CA, pseudonym CA, enrolment, linkage and misbehaviour authorities). */
      pki: z.object({ port: portSchema }).default({ port: 8092 }),
      /** RSUs on every edge chain's cell (apps/edge, docs/edge.md); rsusPerCell 0 runs none. */
      edge: z
        .object({
          basePort: portSchema.default(8100),
          rsusPerCell: z.number().int().min(0).max(16).default(2),
          /** A batch is sealed at this many messages, or when its oldest waited batchMaxDelayMs. */
          batchMaxCount: z.number().int().min(1).max(1_000_000).default(2000),
          batchMaxDelayMs: z.number().int().min(10).max(3_600_000).default(2000),
          /** Distinct tickets (of one slot) that confirm an event, within radiusMeters and windowMs. */
          k: z.number().int().min(2).max(1000).default(3),
          radiusMeters: z.number().min(1).max(100_000).default(300),
          windowMs: z.number().int().min(1000).max(86_400_000).default(60_000),
          checkpointIntervalMs: z.number().int().min(0).default(30_000),
          ratePerSecond: z.number().min(0.1).max(100_000).default(20),
          burst: z.number().int().min(1).max(1_000_000).default(40),
          maxInFlight: z.number().int().min(1).max(1_000_000).default(20_000),
          /** Oldest accepted generationTime of a message (freshness and replay window). */
          maxAgeMs: z.number().int().min(100).max(3_600_000).default(30_000),
          admissionTtlMs: z.number().int().min(1000).default(600_000),
          revocationPollMs: z.number().int().min(50).max(60_000).default(500),
        })
        .prefault({}),
      /** The city and fleet simulator (apps/sim, docs/simulator.md) that `amc up` starts unless --no-sim. */
      sim: z
        .object({
          port: portSchema.default(8093),
          /** A SUMO .net.xml: a path, or a file name in ../shared/vectors/road-networks beside the repository. */
          network: z.string().min(1).default("sumo_A10KW_osm.net.xml"),
          /** builtin: the simulator's own car-following; sumo: SUMO (Debian package sumo) through TraCI. */
          engine: z.enum(["builtin", "sumo"]).default("builtin"),
          vehicles: z.number().int().min(1).max(500).default(12),
          /** CAMs per second per vehicle (ETSI EN 302 637-2 allows 1–10 Hz). */
          camHz: z.number().min(0.1).max(10).default(10),
          seed: z.number().int().min(0).default(1),
          /** Mean seconds between simulated hazards (an accident or black ice that passing vehicles report). */
          hazardEverySeconds: z.number().min(5).max(86_400).default(45),
          /** Mean seconds between a vehicle's data-object uploads (owned vehicles only). */
          uploadEverySeconds: z.number().min(5).max(86_400).default(90),
        })
        .prefault({}),
    }),
  })
  .superRefine((topology, ctx) => {
    const mains = topology.chains.filter((c) => c.role === "main");
    if (mains.length !== 1)
      ctx.addIssue({ code: "custom", message: `need exactly one main chain, found ${mains.length}` });
    const unique = (values: unknown[], what: string) => {
      if (new Set(values).size !== values.length) ctx.addIssue({ code: "custom", message: `${what} must be unique` });
    };
    unique(
      topology.chains.map((c) => c.name),
      "chain names",
    );
    unique(
      topology.chains.map((c) => c.chainId),
      "chain ids",
    );
    unique(
      topology.chains.map((c) => c.rpcUrl),
      "chain rpcUrls",
    );
    if (mains[0]?.modules.includes("identity"))
      for (const chain of topology.chains)
        if (!chain.modules.includes("identity"))
          ctx.addIssue({
            code: "custom",
            message: `chain ${chain.name} must carry the identity module: the main chain's lifecycle tells every chain of deactivations`,
          });
    if (!mains[0]?.modules.includes("edge"))
      for (const chain of topology.chains)
        if (chain.role === "edge" && chain.modules.includes("edge"))
          ctx.addIssue({
            code: "custom",
            message: `chain ${chain.name} carries the edge module but the main chain does not: its DataAnchor checkpoints go to AnchorCheckpoints on main`,
          });
    if (!mains[0]?.modules.includes("token"))
      for (const chain of topology.chains)
        if (chain.role !== "main" && chain.modules.includes("token"))
          ctx.addIssue({
            code: "custom",
            message: `chain ${chain.name} carries the token module but the main chain does not: its reward claims are paid by the MiningPool on main`,
          });
    unique(
      topology.governance.members.map((m) => m.address),
      "member addresses",
    );
  });

export type Topology = z.infer<typeof topologySchema>;
export type ChainConfig = Topology["chains"][number];
export type MemberConfig = Topology["governance"]["members"][number];

export const defaultTopologyFile = "amc.config.json";

/** Parses and validates a topology; throws InvalidInputError listing every problem with its path. */
export function parseTopology(value: unknown, source = "topology"): Topology {
  const result = topologySchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new InvalidInputError(`${source} is invalid: ${problems.join("; ")}`, {
      fix: `edit ${source} (see docs/topology.md)`,
    });
  }
  return result.data;
}

export function loadTopology(path = defaultTopologyFile): Topology {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InvalidInputError(`cannot read topology file ${path}`, {
      fix: "run from the repository root or pass --config <file>",
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`topology file ${path} is not valid JSON`, { cause: error });
  }
  return parseTopology(json, path);
}

export function mainChain(topology: Topology): ChainConfig {
  const main = topology.chains.find((c) => c.role === "main");
  if (!main) throw new InvalidInputError("topology has no main chain");
  return main;
}

/**
 * The platform's operator among the members: the first with VALIDATOR_OPERATOR, else the first with RSU_OPERATOR,
 * else the first member (the same rule as the gateway's data custodian). It operates the DataEscrow.
 */
export function platformOperator(topology: Topology): MemberConfig {
  const members = topology.governance.members;
  const operator =
    members.find((m) => m.roles.includes("VALIDATOR_OPERATOR")) ??
    members.find((m) => m.roles.includes("RSU_OPERATOR")) ??
    members[0];
  if (!operator) throw new InvalidInputError("topology has no governance members");
  return operator;
}

export function chainByName(topology: Topology, name: string): ChainConfig {
  const chain = topology.chains.find((c) => c.name === name);
  if (!chain)
    throw new InvalidInputError(`unknown chain "${name}"`, {
      fix: `use one of: ${topology.chains.map((c) => c.name).join(", ")}`,
    });
  return chain;
}

export function chainById(topology: Topology, chainId: number): ChainConfig | undefined {
  return topology.chains.find((c) => c.chainId === chainId);
}

export function rpcPort(chain: ChainConfig): number {
  const url = new URL(chain.rpcUrl);
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}

export type { Address };
