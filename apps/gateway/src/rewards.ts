// Reward epochs on the gateway (docs/token-rewards.md): once an epoch of the MiningPool has ended on every chain, the
// platform operator computes it from public records (@amc/rewards computePlatformEpoch: its own anchored disclosure
// log, the RSU batches of every edge chain), keeps the leaves and proofs, commits the root to MiningPool on main and
// to RemoteRewardClaims on the other chains, so that everyone who earned can claim with a proof in the next epoch.
// Routes: GET /v1/token/epochs, /v1/token/epochs/:epoch, /v1/token/claims/:account (all public: anyone can recompute
// them with `amc token recompute`).
//
// Crash safety: an epoch's leaves are stored in one transaction before anything is sent; commits are checked
// against the chain first (already there with the same root: recorded, not sent again), so a restart resumes.
import { miningPoolAbi, remoteRewardClaimsAbi } from "@amc/abi";
import {
  type ChainPublicClient,
  contractAddress,
  type DeploymentManifest,
  mainChain,
  publicClientFor,
  type Topology,
  walletClientFor,
} from "@amc/chain";
import { ChainWriter, type DataService } from "@amc/data";
import { computePlatformEpoch, type PlatformEpoch, type PlatformRewardSources } from "@amc/rewards";
import type { Store } from "@amc/store";
import { createLogger, errorMessage, stringify } from "@amc/utils";
import type { FastifyInstance } from "fastify";
import { type Abi, type Address, getAddress, type Hex, isAddress } from "viem";
import { ProblemError } from "./problem.js";

const COMPONENT = "rewards";
const MIGRATIONS: readonly string[] = [
  `
  create table reward_epochs (
    epoch bigint primary key,
    window_start bigint not null,
    window_end bigint not null,
    emission text not null,
    root text,
    total text not null,
    total_points text not null,
    accounts integer not null,
    main_block bigint not null,
    computed_at bigint not null,
    unassigned jsonb not null,
    ineligible jsonb not null,
    commit_tx text,
    commit_error text,
    remote_commits jsonb not null default '{}'::jsonb
  );
  create table reward_claims (
    epoch bigint not null references reward_epochs (epoch),
    account text not null,
    amount text not null,
    points text not null,
    proof jsonb not null,
    contributions jsonb not null,
    subjects jsonb not null,
    evidence jsonb not null,
    primary key (epoch, account)
  );
  create index reward_claims_account on reward_claims (account);
  `,
];

/** How many ended epochs one pass computes at most (a platform restarted after a long pause catches up gradually). */
const EPOCHS_PER_PASS = 24;

export type RewardsOptions = {
  store: Store;
  /** The platform operator's serialised writer on main (MiningPool's distributor). */
  writer: ChainWriter;
  /** The key behind `writer`, for the other chains' RemoteRewardClaims. */
  operatorKey: Hex;
  /** The data service whose disclosure log earns owners their reads (absent: no data-read rewards). */
  data?: DataService;
  /** Compute and commit ended epochs in the background (default true); tests may call `tick()` by hand. */
  background?: boolean;
  intervalMs?: number;
};

type EpochRow = {
  epoch: bigint;
  window_start: bigint;
  window_end: bigint;
  emission: string;
  root: string | null;
  total: string;
  total_points: string;
  accounts: number;
  main_block: bigint;
  computed_at: bigint;
  unassigned: unknown;
  ineligible: unknown;
  commit_tx: string | null;
  commit_error: string | null;
  remote_commits: Record<string, string>;
};

type ClaimRow = {
  epoch: bigint;
  account: string;
  amount: string;
  points: string;
  proof: Hex[];
  contributions: { kind: string; units: string; points: string }[];
  subjects: Hex[];
  evidence: string[];
};

export class RewardEpochs {
  private readonly logger = createLogger({ service: "gateway", component: COMPONENT });
  private readonly main;
  private readonly mainClient: ChainPublicClient;
  private readonly miningPool: Address;
  private readonly sources: PlatformRewardSources;
  private readonly remotes: { name: string; client: ChainPublicClient; writer: ChainWriter; address: Address }[];
  private running: Promise<void> | undefined;

  private constructor(
    topology: Topology,
    manifest: DeploymentManifest,
    private readonly options: RewardsOptions,
  ) {
    this.main = mainChain(topology);
    this.mainClient = options.writer.client;
    this.miningPool = contractAddress(manifest, this.main.name, "MiningPool");
    const edges = topology.chains.filter((c) => c.role === "edge" && c.modules.includes("edge"));
    const data = options.data;
    this.sources = {
      main: {
        client: this.mainClient,
        miningPool: this.miningPool,
        dataLedger: contractAddress(manifest, this.main.name, "DataLedger"),
        didRegistry: contractAddress(manifest, this.main.name, "DIDRegistry"),
      },
      ...(data
        ? {
            custodian: options.writer.account,
            disclosures: async (from: bigint, to: bigint) => data.disclosureExport(Number(from), Number(to)),
          }
        : {}),
      edges: edges.map((c) => ({
        chainId: c.chainId,
        client: publicClientFor(c),
        dataAnchor: contractAddress(manifest, c.name, "DataAnchor"),
      })),
    };
    this.remotes = topology.chains
      .filter((c) => c.role !== "main" && c.modules.includes("token"))
      .map((c) => {
        const client = publicClientFor(c);
        return {
          name: c.name,
          client,
          writer: new ChainWriter(client, walletClientFor(c, options.operatorKey)),
          address: contractAddress(manifest, c.name, "RemoteRewardClaims"),
        };
      });
  }

  static async open(topology: Topology, manifest: DeploymentManifest, options: RewardsOptions): Promise<RewardEpochs> {
    await options.store.migrate(COMPONENT, MIGRATIONS);
    return new RewardEpochs(topology, manifest, options);
  }

  /** One pass: computes, stores and commits every ended epoch not done yet (at most EPOCHS_PER_PASS). */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves when no pass is running. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<void> {
    const current = await this.mainClient.readContract({
      address: this.miningPool,
      abi: miningPoolAbi,
      functionName: "currentEpoch",
    });
    const { rows } = await this.options.store.query<{ next: bigint | null }>(
      "select max(epoch) + 1 as next from reward_epochs",
    );
    let next = rows[0]?.next ?? 0n;
    for (let n = 0; n < EPOCHS_PER_PASS && next < current; n++, next++) {
      let computed: PlatformEpoch;
      try {
        computed = await computePlatformEpoch(this.sources, next);
      } catch (error) {
        // Most often a chain that has not produced a block after the epoch's end yet: try again next pass.
        this.logger.info(`epoch ${next} not computed yet`, { reason: errorMessage(error) });
        break;
      }
      await this.save(computed);
      const { result } = computed;
      this.logger.info(`epoch ${next} computed`, {
        accounts: result.accounts.length,
        total: result.total.toString(),
        root: result.root,
      });
    }
    await this.commitPending();
  }

  private async save(computed: PlatformEpoch): Promise<void> {
    const { result, window } = computed;
    await this.options.store.transaction(async (tx) => {
      await tx.query(
        `insert into reward_epochs (epoch, window_start, window_end, emission, root, total, total_points, accounts,
           main_block, computed_at, unassigned, ineligible) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
         on conflict (epoch) do nothing`,
        [
          computed.epoch,
          window.start,
          window.end,
          result.emission.toString(),
          result.root,
          result.total.toString(),
          result.totalPoints.toString(),
          result.accounts.length,
          computed.mainBlock,
          Math.floor(Date.now() / 1000),
          stringify(computed.unassigned),
          JSON.stringify(computed.ineligible),
        ],
      );
      for (const a of result.accounts)
        await tx.query(
          `insert into reward_claims (epoch, account, amount, points, proof, contributions, subjects, evidence)
           values ($1,$2,$3,$4,$5,$6,$7,$8) on conflict do nothing`,
          [
            computed.epoch,
            a.account,
            a.amount.toString(),
            a.points.toString(),
            JSON.stringify(a.proof),
            stringify(a.contributions),
            JSON.stringify(a.subjects),
            JSON.stringify(a.evidence),
          ],
        );
    });
  }

  /** Commits stored roots that are not on chain yet: MiningPool on main, then RemoteRewardClaims elsewhere. */
  private async commitPending(): Promise<void> {
    // Only epochs with work left: not committed on main, or not yet on every remote chain.
    const { rows } = await this.options.store.query<EpochRow>(
      `select * from reward_epochs where root is not null and commit_error is null
         and (commit_tx is null or not (remote_commits ?& $1::text[])) order by epoch`,
      [this.remotes.map((r) => r.name)],
    );
    for (const row of rows) {
      const epoch = row.epoch;
      const root = row.root as Hex;
      if (!row.commit_tx) {
        const onChain = await this.mainClient.readContract({
          address: this.miningPool,
          abi: miningPoolAbi,
          functionName: "epochs",
          args: [epoch],
        });
        if (BigInt(onChain.root) === 0n) {
          const receipt = await this.options.writer.write({
            address: this.miningPool,
            abi: miningPoolAbi as Abi,
            functionName: "commitEpoch",
            args: [epoch, root, BigInt(row.total)],
          });
          await this.options.store.query("update reward_epochs set commit_tx = $2 where epoch = $1", [
            epoch,
            receipt.transactionHash,
          ]);
          this.logger.info(`epoch ${epoch} committed on ${this.main.name}`, { tx: receipt.transactionHash });
        } else if (onChain.root.toLowerCase() === root.toLowerCase()) {
          await this.options.store.query("update reward_epochs set commit_tx = $2 where epoch = $1", [
            epoch,
            "already-committed",
          ]);
        } else {
          // Someone else (another distributor) committed a different root: never overwrite, say so.
          const message = `MiningPool holds root ${onChain.root}, we computed ${root}`;
          await this.options.store.query("update reward_epochs set commit_error = $2 where epoch = $1", [
            epoch,
            message,
          ]);
          this.logger.error(`epoch ${epoch}: ${message}`);
          continue;
        }
      }
      for (const remote of this.remotes) {
        if (row.remote_commits[remote.name]) continue;
        const existing = await remote.client.readContract({
          address: remote.address,
          abi: remoteRewardClaimsAbi,
          functionName: "root",
          args: [epoch],
        });
        let tx = "already-committed";
        if (BigInt(existing) === 0n) {
          const receipt = await remote.writer.write({
            address: remote.address,
            abi: remoteRewardClaimsAbi as Abi,
            functionName: "commitRoot",
            args: [epoch, root],
          });
          tx = receipt.transactionHash;
        }
        await this.options.store.query(
          "update reward_epochs set remote_commits = remote_commits || $2::jsonb where epoch = $1",
          [epoch, JSON.stringify({ [remote.name]: tx })],
        );
      }
    }
  }

  async epochs(limit = 50) {
    const { rows } = await this.options.store.query<EpochRow>(
      "select * from reward_epochs order by epoch desc limit $1",
      [Math.min(Math.max(limit, 1), 1000)],
    );
    return rows.map(epochView);
  }

  async epoch(epoch: bigint) {
    const { rows } = await this.options.store.query<EpochRow>("select * from reward_epochs where epoch = $1", [epoch]);
    const row = rows[0];
    if (!row) return undefined;
    const { rows: claims } = await this.options.store.query<ClaimRow>(
      "select * from reward_claims where epoch = $1 order by account",
      [epoch],
    );
    const onChain = await this.mainClient.readContract({
      address: this.miningPool,
      abi: miningPoolAbi,
      functionName: "epochs",
      args: [epoch],
    });
    return {
      ...epochView(row),
      onChain: {
        root: BigInt(onChain.root) === 0n ? null : onChain.root,
        total: onChain.total.toString(),
        claimed: onChain.claimed.toString(),
      },
      unassigned: row.unassigned,
      ineligible: row.ineligible,
      rewards: claims.map((c) => ({
        account: c.account,
        amount: c.amount,
        points: c.points,
        contributions: c.contributions,
        evidence: c.evidence,
      })),
    };
  }

  /** An account's rewards with proofs, newest first, each with whether it was paid on main. */
  async claimsOf(account: Address) {
    const { rows } = await this.options.store.query<ClaimRow & { root: string; commit_tx: string | null }>(
      `select c.*, e.root, e.commit_tx from reward_claims c join reward_epochs e using (epoch)
       where c.account = $1 order by c.epoch desc limit 1000`,
      [account],
    );
    return Promise.all(
      rows.map(async (c) => ({
        epoch: Number(c.epoch),
        account: c.account,
        amount: c.amount,
        points: c.points,
        proof: c.proof,
        root: c.root,
        committed: c.commit_tx !== null,
        claimed: await this.mainClient.readContract({
          address: this.miningPool,
          abi: miningPoolAbi,
          functionName: "isClaimed",
          args: [c.epoch, getAddress(c.account), BigInt(c.amount)],
        }),
        subjects: c.subjects,
        contributions: c.contributions,
      })),
    );
  }

  async schedule() {
    const read = <F extends "genesis" | "epochDuration" | "currentEpoch">(functionName: F) =>
      this.mainClient.readContract({ address: this.miningPool, abi: miningPoolAbi, functionName });
    const [genesis, epochDuration, current] = await Promise.all([
      read("genesis"),
      read("epochDuration"),
      read("currentEpoch"),
    ]);
    const emission = await this.mainClient.readContract({
      address: this.miningPool,
      abi: miningPoolAbi,
      functionName: "emission",
      args: [current],
    });
    return {
      miningPool: this.miningPool,
      genesis: Number(genesis),
      epochDuration: Number(epochDuration),
      current: {
        epoch: Number(current),
        endsAt: Number(genesis + (current + 1n) * epochDuration),
        emission: emission.toString(),
      },
    };
  }
}

function epochView(row: EpochRow) {
  return {
    epoch: Number(row.epoch),
    window: { start: Number(row.window_start), end: Number(row.window_end) },
    emission: row.emission,
    root: row.root,
    total: row.total,
    totalPoints: row.total_points,
    accounts: row.accounts,
    mainBlock: Number(row.main_block),
    computedAt: Number(row.computed_at),
    commitTx: row.commit_tx,
    commitError: row.commit_error,
    remoteCommits: row.remote_commits,
  };
}

const mounted = new WeakMap<FastifyInstance, RewardEpochs>();
/** The reward epochs a gateway mounted (tests drive `tick()` by hand through it). */
export const rewardsOf = (app: FastifyInstance): RewardEpochs | undefined => mounted.get(app);

/** Mounts the reward-epoch routes and, unless disabled, the background committer. */
export async function registerRewardRoutes(
  app: FastifyInstance,
  topology: Topology,
  manifest: DeploymentManifest,
  options: RewardsOptions,
): Promise<RewardEpochs> {
  const rewards = await RewardEpochs.open(topology, manifest, options);
  mounted.set(app, rewards);
  const tags = ["token"];
  app.get<{ Querystring: { limit?: string } }>(
    "/v1/token/epochs",
    {
      schema: {
        tags,
        summary: "Reward epochs: the current one (ends at, emission) and the computed ones, newest first (?limit=)",
        querystring: { type: "object", properties: { limit: { type: "string", pattern: "^[0-9]{1,4}$" } } },
      },
    },
    async (request, reply) =>
      reply
        .type("application/json")
        .send(
          stringify({ ...(await rewards.schedule()), epochs: await rewards.epochs(Number(request.query.limit ?? 50)) }),
        ),
  );
  app.get<{ Params: { epoch: string } }>(
    "/v1/token/epochs/:epoch",
    {
      schema: {
        tags,
        summary: "One computed epoch: root, totals, every account's reward and contributions, the chain's view",
        params: {
          type: "object",
          required: ["epoch"],
          properties: { epoch: { type: "string", pattern: "^[0-9]{1,19}$" } },
        },
      },
    },
    async (request, reply) => {
      const found = await rewards.epoch(BigInt(request.params.epoch));
      if (!found)
        throw new ProblemError(404, "Unknown epoch", `epoch ${request.params.epoch} has not been computed (yet)`);
      return reply.type("application/json").send(stringify(found));
    },
  );
  app.get<{ Params: { account: string } }>(
    "/v1/token/claims/:account",
    {
      schema: {
        tags,
        summary: "An account's rewards with their Merkle proofs (for MiningPool.claim), and whether each was paid",
        params: { type: "object", required: ["account"], properties: { account: { type: "string" } } },
      },
    },
    async (request, reply) => {
      const { account } = request.params;
      if (!isAddress(account, { strict: false }))
        throw new ProblemError(400, "Bad account", `${account} is not a 20-byte hex address`);
      const claims = await rewards.claimsOf(getAddress(account));
      return reply.type("application/json").send(stringify({ account: getAddress(account), claims }));
    },
  );

  if (options.background !== false) {
    const timer = setInterval(() => {
      rewards.tick().catch((error) => {
        createLogger({ service: "gateway", component: COMPONENT }).warn("reward epochs failed; retrying", {
          error: errorMessage(error),
        });
      });
    }, options.intervalMs ?? 5_000);
    // Before the store closes (data routes close it onClose): stop, and let a pass in progress finish.
    app.addHook("preClose", async () => {
      clearInterval(timer);
      await rewards.idle();
    });
  }
  return rewards;
}
