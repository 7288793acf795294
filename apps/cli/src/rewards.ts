// `amc token epochs|epoch|recompute|claim`: the data-mining reward epochs (docs/token-rewards.md). The gateway
// computes and commits them; `recompute` redoes an epoch from public records only — the custodian's public disclosure
// export, DataLedger, DataAnchor on every edge chain, MiningPool — and compares it with the committed root; `claim`
// fetches the account's proofs, checks each against the root on chain, binds the vehicle that earned it when the
// account is not yet eligible, and claims on main (or on an edge/side chain with --via, paid on main through the
// Mailbox).
import {
  aMCTAbi,
  credentialEligibilityAbi,
  didRegistryAbi,
  mailboxAbi,
  miningPoolAbi,
  remoteRewardClaimsAbi,
} from "@amc/abi";
import {
  type ChainConfig,
  chainByName,
  contractAddress,
  loadTopology,
  mainChain,
  platformOperator,
  platformPaths,
  publicClientFor,
  readManifest,
  walletClientFor,
} from "@amc/chain";
import { computePlatformEpoch, recomputeAndCompare, verifyRewardProof } from "@amc/rewards";
import { EnvironmentError, InvalidInputError, stringify } from "@amc/utils";
import { type Abi, type Address, decodeEventLog, getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { actorKey } from "./identity.js";
import { amct, type TokenOptions } from "./token.js";

function context(options: TokenOptions) {
  const topology = loadTopology(options.config);
  const manifest = readManifest(platformPaths(options.home).manifest);
  const main = mainChain(topology);
  if (!main.modules.includes("token"))
    throw new InvalidInputError("the main chain carries no token module", {
      fix: 'add "token" to its modules in the topology',
    });
  const base = `http://${topology.services.host}:${topology.services.gateway.port}`;
  return { topology, manifest, main, base, client: publicClientFor(main) };
}
type Ctx = ReturnType<typeof context>;

async function getJson<T>(ctx: Ctx, path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${ctx.base}${path}`);
  } catch (error) {
    throw new EnvironmentError("the gateway does not answer", { fix: "start the platform: `npm start`", cause: error });
  }
  const body = (await response.json().catch(() => ({}))) as T & { detail?: string; title?: string };
  if (!response.ok)
    throw new InvalidInputError(`the gateway answered ${response.status}: ${body.detail ?? body.title ?? ""}`);
  return body;
}

function epochArg(value: string | undefined, what = "the epoch number"): bigint {
  if (value === undefined || !/^\d{1,19}$/.test(value)) throw new InvalidInputError(`give ${what} (an integer)`);
  return BigInt(value);
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

type EpochSummary = {
  epoch: number;
  window: { start: number; end: number };
  emission: string;
  root: string | null;
  total: string;
  accounts: number;
  commitTx: string | null;
  commitError: string | null;
};

/** `amc token epochs`: the current epoch and the computed ones. */
export async function tokenEpochs(options: TokenOptions): Promise<void> {
  const ctx = context(options);
  const body = await getJson<{
    epochDuration: number;
    current: { epoch: number; endsAt: number; emission: string };
    epochs: EpochSummary[];
  }>(ctx, "/v1/token/epochs");
  if (options.json) return console.log(stringify(body));
  const lines = [
    `epoch ${body.current.epoch} is running: ends ${iso(body.current.endsAt)}, emits up to ${amct(BigInt(body.current.emission))} (epochs of ${body.epochDuration} s)`,
    ...body.epochs.map(
      (e) =>
        `  epoch ${String(e.epoch).padStart(5)}  ${iso(e.window.start)} .. ${iso(e.window.end)}  ${
          e.root
            ? `${String(e.accounts).padStart(4)} accounts  ${amct(BigInt(e.total)).padStart(24)}  ${
                e.commitError ? `NOT committed: ${e.commitError}` : e.commitTx ? "committed" : "committing"
              }`
            : "nothing earned"
        }`,
    ),
  ];
  if (body.epochs.length === 0) lines.push("  (no epoch has ended yet)");
  console.log(lines.join("\n"));
}

/** `amc token epoch <n>`: one epoch in full. */
export async function tokenEpoch(options: TokenOptions): Promise<void> {
  const ctx = context(options);
  const epoch = epochArg(options.target);
  const body = await getJson<
    EpochSummary & {
      onChain: { root: string | null; claimed: string };
      rewards: { account: string; amount: string; points: string; contributions: { kind: string; units: string }[] }[];
    }
  >(ctx, `/v1/token/epochs/${epoch}`);
  if (options.json) return console.log(stringify(body));
  console.log(
    [
      `epoch ${body.epoch}: ${iso(body.window.start)} .. ${iso(body.window.end)}, emission ${amct(BigInt(body.emission))}`,
      `  root ${body.root ?? "(none: nothing earned)"}; on chain ${body.onChain.root ?? "(not committed)"}; claimed ${amct(BigInt(body.onChain.claimed))} of ${amct(BigInt(body.total))}`,
      ...body.rewards.map(
        (r) =>
          `  ${r.account}  ${amct(BigInt(r.amount)).padStart(26)}  ${r.points} points (${r.contributions
            .map((c) => `${c.kind} ${c.units}`)
            .join(", ")})`,
      ),
    ].join("\n"),
  );
}

/** `amc token recompute <n>`: the epoch from public records, compared with MiningPool's root; exit 3 if different. */
export async function tokenRecompute(options: TokenOptions): Promise<void> {
  const ctx = context(options);
  const epoch = epochArg(options.target);
  const custodian = platformOperator(ctx.topology).address;
  const edges = ctx.topology.chains.filter((c) => c.role === "edge" && c.modules.includes("edge"));
  const computed = await computePlatformEpoch(
    {
      main: {
        client: ctx.client,
        miningPool: contractAddress(ctx.manifest, ctx.main.name, "MiningPool"),
        dataLedger: contractAddress(ctx.manifest, ctx.main.name, "DataLedger"),
        didRegistry: contractAddress(ctx.manifest, ctx.main.name, "DIDRegistry"),
      },
      custodian,
      // The public export; its entries are checked against the roots the custodian anchored, so the gateway is
      // not trusted for them.
      disclosures: (from, to) => getJson(ctx, `/v1/data/disclosures/export?from=${from}&to=${to}`),
      edges: edges.map((c) => ({
        chainId: c.chainId,
        client: publicClientFor(c),
        dataAnchor: contractAddress(ctx.manifest, c.name, "DataAnchor"),
      })),
    },
    epoch,
  );
  const comparison = recomputeAndCompare({ root: computed.pool.root, total: computed.pool.total }, computed.input);
  const recomputed = computed.result;
  const result = {
    epoch: computed.epoch,
    window: computed.window,
    committedRoot: computed.pool.root,
    recomputedRoot: recomputed.root,
    total: recomputed.total,
    accounts: recomputed.accounts.map((a) => ({ account: a.account, amount: a.amount, points: a.points })),
    matches: comparison.matches,
    differences: comparison.differences,
    ineligible: computed.ineligible,
    unassigned: computed.unassigned,
  };
  if (!comparison.matches) process.exitCode = 3;
  if (options.json) return console.log(stringify(result));
  console.log(
    [
      `epoch ${epoch}: recomputed root ${recomputed.root ?? "(none: nothing earned)"} over ${recomputed.accounts.length} accounts, total ${amct(recomputed.total)}`,
      `  MiningPool holds ${computed.pool.root ?? "(nothing committed)"}`,
      comparison.matches ? "  MATCHES" : `  DIFFERS: ${comparison.differences.join("; ")}`,
    ].join("\n"),
  );
}

type Claim = {
  epoch: number;
  amount: string;
  proof: Hex[];
  root: Hex;
  committed: boolean;
  claimed: boolean;
  subjects: Hex[];
};

/** `amc token claim --as <account> [--epoch n] [--via chain]`: claims every unpaid reward of the account. */
export async function tokenClaim(options: TokenOptions): Promise<void> {
  const ctx = context(options);
  if (!options.as) throw new InvalidInputError("say who claims: --as <address|dev:N>");
  const key = actorKey(ctx.topology, options.as);
  const account = privateKeyToAccount(key).address;
  const only = options.epoch === undefined ? undefined : Number(epochArg(options.epoch, "--epoch"));
  const via: ChainConfig | undefined = options.via ? chainByName(ctx.topology, options.via) : undefined;
  if (via && (via.role === "main" || !via.modules.includes("token")))
    throw new InvalidInputError(`--via ${via.name}: claims go through an edge or side chain carrying the token module`);

  const { claims } = await getJson<{ claims: Claim[] }>(ctx, `/v1/token/claims/${account}`);
  const open = claims.filter((c) => !c.claimed && (only === undefined || c.epoch === only));
  if (open.length === 0) {
    const message =
      only === undefined ? `${account} has no unclaimed reward` : `${account} has no unclaimed reward in epoch ${only}`;
    if (options.json) return console.log(stringify({ account, claimed: [] }));
    return console.log(message);
  }

  const miningPool = contractAddress(ctx.manifest, ctx.main.name, "MiningPool");
  const token = contractAddress(ctx.manifest, ctx.main.name, "AMCT");
  const wallet = walletClientFor(ctx.main, key);
  const send = async (
    chain: ChainConfig,
    call: { address: Address; abi: Abi; functionName: string; args: unknown[] },
  ) => {
    const client = chain === ctx.main ? ctx.client : publicClientFor(chain);
    const w = chain === ctx.main ? wallet : walletClientFor(chain, key);
    const { request } = await client.simulateContract({ ...call, account: w.account } as never);
    const hash = await w.writeContract(request as never);
    const receipt = await client.waitForTransactionReceipt({ hash, timeout: 60_000 });
    if (receipt.status !== "success") throw new InvalidInputError(`${call.functionName} reverted in ${hash}`);
    return receipt;
  };

  // Eligibility: a member, or the controller of a bound active vehicle. Bind the vehicles that earned the reward.
  const eligibility = await ctx.client.readContract({
    address: miningPool,
    abi: miningPoolAbi,
    functionName: "eligibility",
  });
  const bound: Hex[] = [];
  if (BigInt(eligibility) !== 0n) {
    const isEligible = () =>
      ctx.client.readContract({
        address: eligibility,
        abi: credentialEligibilityAbi,
        functionName: "isEligible",
        args: [account],
      });
    if (!(await isEligible())) {
      const registry = contractAddress(ctx.manifest, ctx.main.name, "DIDRegistry");
      const already = new Set(
        (
          await ctx.client.readContract({
            address: eligibility,
            abi: credentialEligibilityAbi,
            functionName: "vehiclesOf",
            args: [account],
          })
        ).map((v) => v.toLowerCase()),
      );
      for (const subject of new Set(open.flatMap((c) => c.subjects.map((s) => s.toLowerCase() as Hex)))) {
        if (already.has(subject)) continue;
        const controller = await ctx.client.readContract({
          address: registry,
          abi: didRegistryAbi,
          functionName: "controllerOf",
          args: [subject],
        });
        if (getAddress(controller) !== account) continue;
        await send(ctx.main, {
          address: eligibility,
          abi: credentialEligibilityAbi as Abi,
          functionName: "bindVehicle",
          args: [subject],
        });
        bound.push(subject);
        if (await isEligible()) break;
      }
      if (!(await isEligible()))
        throw new InvalidInputError(`${account} holds no valid vehicle or member credential: it cannot claim`, {
          fix: "claim with the account that controls an active vehicle (or a consortium member's)",
        });
    }
  }

  const before = await ctx.client.readContract({
    address: token,
    abi: aMCTAbi,
    functionName: "balanceOf",
    args: [account],
  });
  const done: { epoch: number; amount: bigint; tx: Hex; messageId?: Hex }[] = [];
  const pending: { epoch: number; reason: string }[] = [];
  for (const claim of open) {
    const epoch = BigInt(claim.epoch);
    const amount = BigInt(claim.amount);
    // Never trust the gateway's proof blindly: it must prove the leaf against the root on chain.
    const onChain = await ctx.client.readContract({
      address: miningPool,
      abi: miningPoolAbi,
      functionName: "epochs",
      args: [epoch],
    });
    if (BigInt(onChain.root) === 0n) {
      pending.push({ epoch: claim.epoch, reason: `the root is not committed on ${ctx.main.name} yet` });
      continue;
    }
    if (!verifyRewardProof(onChain.root, { epoch, account, amount }, claim.proof))
      throw new InvalidInputError(`the gateway's proof for epoch ${epoch} does not match MiningPool's root`, {
        details: `root ${onChain.root}`,
        fix: "run `amc token recompute` for the epoch and report the difference",
      });
    if (!via) {
      const receipt = await send(ctx.main, {
        address: miningPool,
        abi: miningPoolAbi as Abi,
        functionName: "claim",
        args: [epoch, account, amount, claim.proof],
      });
      done.push({ epoch: claim.epoch, amount, tx: receipt.transactionHash });
      continue;
    }
    const remote = contractAddress(ctx.manifest, via.name, "RemoteRewardClaims");
    const remoteRoot = await publicClientFor(via).readContract({
      address: remote,
      abi: remoteRewardClaimsAbi,
      functionName: "root",
      args: [epoch],
    });
    if (BigInt(remoteRoot) === 0n) {
      pending.push({ epoch: claim.epoch, reason: `the root is not committed on ${via.name} yet` });
      continue;
    }
    const receipt = await send(via, {
      address: remote,
      abi: remoteRewardClaimsAbi as Abi,
      functionName: "claim",
      args: [epoch, account, amount, claim.proof],
    });
    const messageId = claimSentId(receipt.logs, receipt.transactionHash);
    // Paid on main when the relayer delivers the message.
    const mailbox = contractAddress(ctx.manifest, ctx.main.name, "Mailbox");
    const deadline = Date.now() + 90_000;
    while (
      !(await ctx.client.readContract({
        address: mailbox,
        abi: mailboxAbi,
        functionName: "delivered",
        args: [messageId],
      }))
    ) {
      if (Date.now() > deadline)
        throw new EnvironmentError(`the claim message ${messageId} was not delivered to ${ctx.main.name} in 90 s`, {
          details: `sent on ${via.name} in ${receipt.transactionHash}`,
          fix: "check that the relayer and validators run (`amc status`); it will be delivered once they do",
        });
      await new Promise((r) => setTimeout(r, 500));
    }
    done.push({ epoch: claim.epoch, amount, tx: receipt.transactionHash, messageId });
  }
  const after = await ctx.client.readContract({
    address: token,
    abi: aMCTAbi,
    functionName: "balanceOf",
    args: [account],
  });
  const total = done.reduce((s, d) => s + d.amount, 0n);
  if (options.json) return console.log(stringify({ account, bound, claimed: done, pending, total, balance: after }));
  console.log(
    [
      ...bound.map((b) => `bound vehicle ${b} to ${account} (reward eligibility)`),
      ...done.map(
        (d) =>
          `claimed ${amct(d.amount)} of epoch ${d.epoch}${via ? ` via ${via.name} (message ${d.messageId})` : ""} (${d.tx})`,
      ),
      ...pending.map((p) => `epoch ${p.epoch} not claimable yet: ${p.reason}`),
      `${account}: ${amct(before)} -> ${amct(after)}`,
    ].join("\n"),
  );
}

/** The Mailbox message id of a RemoteRewardClaims.claim transaction (its ClaimSent event). */
function claimSentId(logs: readonly { data: Hex; topics: readonly Hex[] }[], tx: Hex): Hex {
  for (const log of logs) {
    try {
      const decoded = decodeEventLog({ abi: remoteRewardClaimsAbi, data: log.data, topics: log.topics as never });
      if (decoded.eventName === "ClaimSent") return (decoded.args as { messageId: Hex }).messageId;
    } catch {
      // another contract's event
    }
  }
  throw new InvalidInputError(`no ClaimSent event in ${tx}`);
}
