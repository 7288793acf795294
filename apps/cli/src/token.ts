// `amc token …`: the AMCT allocations on the main chain — the schedule at any date, balances, and releasing what a
// vesting allows (anyone may trigger a release; it always pays the beneficiary).
import { allocationVestingAbi, aMCTAbi } from "@amc/abi";
import {
  contractAddress,
  loadTopology,
  mainChain,
  platformPaths,
  publicClientFor,
  readManifest,
  tokenStatus,
  walletClientFor,
} from "@amc/chain";
import { InvalidInputError, stringify } from "@amc/utils";
import { type Address, formatUnits, getAddress, isAddress } from "viem";
import type { Common } from "./commands.js";
import { actorKey } from "./identity.js";

export type TokenOptions = Common & {
  at?: string | undefined;
  as?: string | undefined;
  target?: string | undefined;
  epoch?: string | undefined;
  via?: string | undefined;
};

export const amct = (value: bigint | null) =>
  value === null ? "—" : `${Number(formatUnits(value, 18)).toLocaleString("en-US", { maximumFractionDigits: 6 })} AMCT`;

function context(options: Common) {
  const topology = loadTopology(options.config);
  const manifest = readManifest(platformPaths(options.home).manifest);
  const main = mainChain(topology);
  if (!main.modules.includes("token"))
    throw new InvalidInputError("the main chain carries no token module", {
      fix: 'add "token" to its modules in the topology',
    });
  return { topology, manifest, main, client: publicClientFor(main) };
}

/** A date as Unix seconds: RFC 3339, a Unix time, or +<years>y / +<days>d from now. */
function parseAt(value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  const relative = /^\+(\d+(?:\.\d+)?)([yd])$/.exec(value);
  if (relative) {
    const seconds = Number(relative[1]) * (relative[2] === "y" ? 365 * 86400 : 86400);
    return BigInt(Math.floor(Date.now() / 1000 + seconds));
  }
  if (/^\d+$/.test(value)) return BigInt(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidInputError(`--at expects an RFC 3339 date, a Unix time or +Ny/+Nd, got ${value}`);
  return BigInt(Math.floor(ms / 1000));
}

/** `amc token schedule [--at date]`: every allocation's total, vested and locked amounts at a date. */
export async function tokenSchedule(options: TokenOptions): Promise<void> {
  const ctx = context(options);
  const status = await tokenStatus(ctx.client, ctx.manifest, ctx.main.name, parseAt(options.at));
  const when = new Date(Number(status.at) * 1000).toISOString();
  const lines = [
    `AMCT on ${ctx.main.name}: supply ${amct(status.totalSupply)}, launched ${new Date(Number(status.launch) * 1000).toISOString()}; schedule at ${when}`,
    ...status.schedule.map(
      (a) =>
        `  ${a.name.padEnd(11)} ${(a.shareBps / 100).toFixed(1).padStart(5)} %  ${amct(a.total).padStart(22)}  available ${amct(a.vested).padStart(22)}  (${a.rule})`,
    ),
    `  mining epoch ${status.mining.currentEpoch}: emission ${amct(status.mining.currentEmission)}, committed ${amct(status.mining.totalCommitted)}, claimed ${amct(status.mining.totalClaimed)}`,
  ];
  console.log(options.json ? stringify(status) : lines.join("\n"));
}

/** `amc token balance <address>`: an account's AMCT. */
export async function tokenBalance(options: TokenOptions): Promise<void> {
  const ctx = context(options);
  if (!options.target || !isAddress(options.target))
    throw new InvalidInputError("give an address: amc token balance <0x…>");
  const account: Address = getAddress(options.target);
  const balance = await ctx.client.readContract({
    address: contractAddress(ctx.manifest, ctx.main.name, "AMCT"),
    abi: aMCTAbi,
    functionName: "balanceOf",
    args: [account],
  });
  console.log(options.json ? stringify({ account, balance }) : `${account}: ${amct(balance)}`);
}

/** `amc token release technology|foundation`: pays what the vesting allows now to its beneficiary. */
export async function tokenRelease(options: TokenOptions): Promise<void> {
  const ctx = context(options);
  const name =
    options.target === "technology"
      ? "TechnologyVesting"
      : options.target === "foundation"
        ? "FoundationVesting"
        : undefined;
  if (!name)
    throw new InvalidInputError("amc token release technology|foundation (operations are released by governance)");
  const address = contractAddress(ctx.manifest, ctx.main.name, name);
  const now = (await ctx.client.getBlock({ blockTag: "latest" })).timestamp;
  const releasable = await ctx.client.readContract({
    address,
    abi: allocationVestingAbi,
    functionName: "releasable",
    args: [now],
  });
  if (releasable === 0n) {
    const [start] = [
      (await ctx.client.readContract({ address, abi: allocationVestingAbi, functionName: "schedule" })).start,
    ];
    throw new InvalidInputError(`nothing of the ${options.target} allocation is releasable yet`, {
      details: `launched ${new Date(Number(start) * 1000).toISOString()}; see \`amc token schedule --at <date>\``,
    });
  }
  const wallet = walletClientFor(
    ctx.main,
    actorKey(ctx.topology, options.as ?? ctx.topology.governance.members[0]?.address),
  );
  const { request } = await ctx.client.simulateContract({
    account: wallet.account,
    address,
    abi: allocationVestingAbi,
    functionName: "release",
  });
  const hash = await wallet.writeContract(request);
  await ctx.client.waitForTransactionReceipt({ hash });
  console.log(
    options.json
      ? stringify({ allocation: options.target, released: releasable, tx: hash })
      : `released ${amct(releasable)} of ${options.target} (${hash})`,
  );
}
