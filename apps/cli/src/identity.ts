// `amc did …` and `amc vehicle …`: DIDs and the vehicle lifecycle on the main chain, acting with a key of the
// topology (dev keys: `--as <address>` or `--as dev:<index>`, default the first member holding the needed role).
import { didRegistryAbi, identityMirrorAbi } from "@amc/abi";
import {
  contractAddress,
  devPrivateKey,
  devPrivateKeyOf,
  loadTopology,
  mainChain,
  platformPaths,
  publicClientFor,
  type RoleName,
  readManifest,
  type Topology,
  walletClientFor,
} from "@amc/chain";
import {
  addKey,
  chainHistory,
  createDid,
  deactivateDid,
  formatDid,
  generateP256,
  Keystore,
  parseDid,
  produceVehicle,
  publicOf,
  resolveAmc,
  revokeKey,
  scrapVehicle,
  specHash,
  transferVehicle,
  vehicleIdFromVin,
  vehicleInfo,
  vinKeyFromEnvironment,
} from "@amc/did";
import { InvalidInputError, stringify } from "@amc/utils";
import { type Address, getAddress, type Hex, isAddress, isHex } from "viem";
import type { Common } from "./commands.js";

function context(options: Common) {
  const topology = loadTopology(options.config);
  const paths = platformPaths(options.home);
  const manifest = readManifest(paths.manifest);
  const main = mainChain(topology);
  const client = publicClientFor(main);
  return {
    topology,
    manifest,
    main,
    client,
    keystore: new Keystore(`${paths.home}/keys`),
    registry: contractAddress(manifest, main.name, "DIDRegistry"),
    lifecycle: contractAddress(manifest, main.name, "VehicleLifecycle"),
  };
}

/** The key to act with: `--as <address>` or `--as dev:<n>`, else the first member holding `role`. */
export function actorKey(topology: Topology, as: string | undefined, role?: RoleName): Hex {
  if (as?.startsWith("dev:")) {
    if (topology.keys !== "dev") throw new InvalidInputError("dev: keys exist only on a dev topology");
    const index = Number(as.slice(4));
    if (!Number.isInteger(index) || index < 0 || index > 63)
      throw new InvalidInputError(`bad dev key index in --as ${as}`);
    return devPrivateKey(index);
  }
  if (as !== undefined) {
    if (!isAddress(as)) throw new InvalidInputError(`--as expects an address or dev:<index>, got ${as}`);
    const key = topology.keys === "dev" ? devPrivateKeyOf(getAddress(as)) : undefined;
    const fromEnv = process.env.AMC_ACTOR_KEY;
    if (key) return key;
    if (fromEnv && isHex(fromEnv) && fromEnv.length === 66) return fromEnv;
    throw new InvalidInputError(`no key for ${as}`, { fix: "set AMC_ACTOR_KEY to its private key" });
  }
  const member = role ? topology.governance.members.find((m) => m.roles.includes(role)) : undefined;
  if (!member)
    throw new InvalidInputError(`say who acts: --as <address>${role ? ` (no member has role ${role})` : ""}`);
  return actorKey(topology, member.address);
}

const print = (options: Common, value: unknown, human: string) => console.log(options.json ? stringify(value) : human);

function didArg(did: string | undefined, network: string): { did: string; id: Hex } {
  if (!did) throw new InvalidInputError("give the DID as an argument");
  const parsed = parseDid(did);
  if (!parsed.ok) throw new InvalidInputError(parsed.message);
  if (parsed.value.network !== network)
    throw new InvalidInputError(`${did} belongs to network ${parsed.value.network}, not ${network}`);
  return { did: parsed.value.did, id: parsed.value.id };
}

export async function didCreate(options: Common & { type: string; as?: string | undefined }): Promise<void> {
  const ctx = context(options);
  const subjectType = options.type;
  if (subjectType !== "organisation" && subjectType !== "device" && subjectType !== "person")
    throw new InvalidInputError("--type must be organisation, device or person (vehicles: `amc vehicle produce`)");
  const writer = {
    wallet: walletClientFor(ctx.main, actorKey(ctx.topology, options.as, "OEM")),
    client: ctx.client,
    registry: ctx.registry,
  };
  const { id } = await createDid(writer, { subjectType });
  const did = formatDid(ctx.topology.network, id);
  const key = generateP256();
  await addKey(writer, { id, jwk: publicOf(key), relationship: "assertionMethod" });
  await addKey(writer, { id, jwk: publicOf(key), relationship: "authentication" });
  const stored = ctx.keystore.add(did, "assertionMethod", key);
  ctx.keystore.add(did, "authentication", key);
  print(
    options,
    { did, controller: writer.wallet.account.address, kid: stored.kid },
    `created ${did} (controller ${writer.wallet.account.address})`,
  );
}

export async function didResolve(
  options: Common & { did?: string | undefined; versionTime?: string | undefined },
): Promise<void> {
  const ctx = context(options);
  const result = await resolveAmc(
    { network: ctx.topology.network, chainId: ctx.main.chainId, history: chainHistory(ctx.client, ctx.registry) },
    options.did ?? "",
    options.versionTime ? { versionTime: options.versionTime } : {},
  );
  console.log(stringify(result, options.json ? undefined : 2));
  if (result.didResolutionMetadata.error && result.didResolutionMetadata.error !== "deactivated") process.exitCode = 3;
}

export async function didRotate(
  options: Common & { did?: string | undefined; as?: string | undefined },
): Promise<void> {
  const ctx = context(options);
  const { did, id } = didArg(options.did, ctx.topology.network);
  const controller = await controllerOf(ctx, id);
  const writer = {
    wallet: walletClientFor(ctx.main, actorKey(ctx.topology, options.as ?? controller)),
    client: ctx.client,
    registry: ctx.registry,
  };
  const next = generateP256();
  for (const relationship of ["assertionMethod", "authentication"] as const) {
    const old = ctx.keystore.key(did, relationship);
    await addKey(writer, { id, jwk: publicOf(next), relationship });
    if (old) {
      await revokeKey(writer, { id, jwk: publicOf(old.privateJwk), relationship });
      ctx.keystore.markRevoked(did, old.kid);
    }
    ctx.keystore.add(did, relationship, next);
  }
  print(options, { did, kid: ctx.keystore.key(did, "assertionMethod")?.kid }, `rotated the keys of ${did}`);
}

export async function didDeactivate(
  options: Common & { did?: string | undefined; as?: string | undefined },
): Promise<void> {
  const ctx = context(options);
  const { did, id } = didArg(options.did, ctx.topology.network);
  const controller = await controllerOf(ctx, id);
  await deactivateDid(
    {
      wallet: walletClientFor(ctx.main, actorKey(ctx.topology, options.as ?? controller)),
      client: ctx.client,
      registry: ctx.registry,
    },
    id,
  );
  print(options, { did, deactivated: true }, `deactivated ${did}`);
}

export type ProduceOptions = Common & {
  vin?: string | undefined;
  as?: string | undefined;
  make?: string | undefined;
  model?: string | undefined;
  year?: string | undefined;
  powertrain?: string | undefined;
};

export async function vehicleProduce(options: ProduceOptions): Promise<void> {
  const ctx = context(options);
  if (!options.vin) throw new InvalidInputError("give the vehicle's VIN: --vin <17 characters>");
  const id = vehicleIdFromVin(options.vin, vinKeyFromEnvironment(ctx.topology.network));
  const did = formatDid(ctx.topology.network, id);
  const writer = { wallet: walletClientFor(ctx.main, actorKey(ctx.topology, options.as, "OEM")), client: ctx.client };
  const spec = { make: options.make, model: options.model, year: options.year, powertrain: options.powertrain };
  await produceVehicle({ ...writer, lifecycle: ctx.lifecycle }, { id, specHash: specHash(spec) });
  // The vehicle's own key (its on-board unit's), published by the OEM as the DID's controller.
  const obuKey = generateP256();
  await addKey({ ...writer, registry: ctx.registry }, { id, jwk: publicOf(obuKey), relationship: "authentication" });
  ctx.keystore.add(did, "authentication", obuKey);
  print(options, { did, oem: writer.wallet.account.address }, `produced ${did} (OEM ${writer.wallet.account.address})`);
}

async function controllerOf(ctx: ReturnType<typeof context>, id: Hex): Promise<Address> {
  return ctx.client.readContract({
    address: ctx.registry,
    abi: didRegistryAbi,
    functionName: "controllerOf",
    args: [id],
  });
}

export async function vehicleTransfer(
  options: Common & { did?: string | undefined; to?: string | undefined; as?: string | undefined },
): Promise<void> {
  const ctx = context(options);
  const { did, id } = didArg(options.did, ctx.topology.network);
  if (!options.to || !isAddress(options.to)) throw new InvalidInputError("--to must be the new owner's address");
  const from = options.as ?? (await controllerOf(ctx, id));
  await transferVehicle(
    { wallet: walletClientFor(ctx.main, actorKey(ctx.topology, from)), client: ctx.client, lifecycle: ctx.lifecycle },
    { id, to: getAddress(options.to) },
  );
  print(options, { did, from, to: getAddress(options.to) }, `transferred ${did} to ${getAddress(options.to)}`);
}

export async function vehicleScrap(
  options: Common & { did?: string | undefined; as?: string | undefined },
): Promise<void> {
  const ctx = context(options);
  const { did, id } = didArg(options.did, ctx.topology.network);
  const by = options.as ?? (await controllerOf(ctx, id));
  const receipt = await scrapVehicle(
    { wallet: walletClientFor(ctx.main, actorKey(ctx.topology, by)), client: ctx.client, lifecycle: ctx.lifecycle },
    id,
  );
  print(options, { did, scrapped: true, tx: receipt.transactionHash }, `scrapped ${did}; every chain is being told`);
}

export async function vehicleShow(options: Common & { did?: string | undefined }): Promise<void> {
  const ctx = context(options);
  const { did, id } = didArg(options.did, ctx.topology.network);
  const info = await vehicleInfo(ctx.client, ctx.lifecycle, id);
  const controller = await controllerOf(ctx, id);
  const mirrors = await Promise.all(
    ctx.topology.chains
      .filter((c) => c.role !== "main" && c.modules.includes("identity"))
      .map(async (chain) => ({
        chain: chain.name,
        deactivated: await publicClientFor(chain).readContract({
          address: contractAddress(ctx.manifest, chain.name, "IdentityMirror"),
          abi: identityMirrorAbi,
          functionName: "isDeactivated",
          args: [id],
        }),
      })),
  );
  const out = { did, controller, ...info, mirrors };
  print(
    options,
    out,
    `${did}\n  state ${info.state}, controller ${controller}, OEM ${info.oem}, transfers ${info.transferCount}\n${mirrors.map((m) => `  ${m.chain}: ${m.deactivated ? "knows it is deactivated" : "active"}`).join("\n")}`,
  );
}
