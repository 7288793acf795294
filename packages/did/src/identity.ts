// Writes to the identity contracts on the main chain: DIDs and their keys (DIDRegistry) and the vehicle
// lifecycle (VehicleLifecycle). Every write simulates first, so a refusal surfaces as the contract's custom error
// (e.g. VehicleLifecycleMissingRole) before any gas is spent.
import { randomBytes } from "node:crypto";
import { didRegistryAbi, vehicleLifecycleAbi } from "@amc/abi";
import type { ChainPublicClient, ChainWalletClient } from "@amc/chain";
import {
  type Address,
  bytesToHex,
  encodeAbiParameters,
  type Hex,
  isAddressEqual,
  keccak256,
  parseEventLogs,
  stringToHex,
  type TransactionReceipt,
} from "viem";
import { attributeName, type Relationship, type SubjectType, subjectTypes } from "./document.js";

export type Writer = { wallet: ChainWalletClient; client: ChainPublicClient };

async function mined(writer: Writer, hash: Hex): Promise<TransactionReceipt> {
  const receipt = await writer.client.waitForTransactionReceipt({ hash, timeout: 60_000 });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt;
}

/** A random 32-byte salt for `createDid`. */
export const randomSalt = (): Hex => bytesToHex(randomBytes(32));

/**
 * The id `DIDRegistry.create(salt, ...)` sent by `creator` gives: `keccak256(abi.encode(creator, salt))`, as the
 * registry's `didId(creator, salt)`. Organisation, device and person ids are derived this way, so nobody can take an
 * id they did not derive (vehicle ids are HMACs of VINs, created only by `VehicleLifecycle.produce`).
 */
export const didIdFor = (creator: Address, salt: Hex): Hex =>
  keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [creator, salt]));

const TEN_YEARS = 10n * 365n * 24n * 3600n;

/**
 * Registers a new organisation, device or person DID, controlled by `controller` (default: the writer's account).
 * The registry derives its id from the writer's account and `salt` (random by default; see `didIdFor`); the id is
 * computed here, and checked against the contract's answer and the `DIDCreated` event of the receipt.
 */
export async function createDid(
  writer: Writer & { registry: Address },
  params: { salt?: Hex; subjectType: Exclude<SubjectType, "none" | "vehicle">; controller?: Address },
): Promise<{ id: Hex; salt: Hex; receipt: TransactionReceipt }> {
  const salt = params.salt ?? randomSalt();
  const id = didIdFor(writer.wallet.account.address, salt);
  const { request, result } = await writer.client.simulateContract({
    account: writer.wallet.account,
    address: writer.registry,
    abi: didRegistryAbi,
    functionName: "create",
    args: [salt, params.controller ?? writer.wallet.account.address, subjectTypes.indexOf(params.subjectType)],
  });
  if (result.toLowerCase() !== id.toLowerCase()) throw new Error(`DIDRegistry would create ${result}, expected ${id}`);
  const receipt = await mined(writer, await writer.wallet.writeContract(request));
  const created = parseEventLogs({ abi: didRegistryAbi, eventName: "DIDCreated", logs: receipt.logs }).find((log) =>
    isAddressEqual(log.address, writer.registry),
  );
  if (created?.args.id.toLowerCase() !== id.toLowerCase())
    throw new Error(
      `DIDRegistry created ${created?.args.id ?? "no DID"} in ${receipt.transactionHash}, expected ${id}`,
    );
  return { id, salt, receipt };
}

export type PublicJwk = { kty: string; crv: string; x: string; y?: string };

/** Publishes a public key (JWK) in the DID document under `relationship`. */
export async function addKey(
  writer: Writer & { registry: Address },
  params: {
    id: Hex;
    jwk: PublicJwk;
    relationship: Relationship;
    curve?: "P256" | "secp256k1";
    validitySeconds?: bigint;
  },
): Promise<TransactionReceipt> {
  const { kty, crv, x, y } = params.jwk;
  const { request } = await writer.client.simulateContract({
    account: writer.wallet.account,
    address: writer.registry,
    abi: didRegistryAbi,
    functionName: "setAttribute",
    args: [
      params.id,
      attributeName(`amc/vm/${params.curve ?? "P256"}/${params.relationship}`),
      stringToHex(JSON.stringify({ kty, crv, x, ...(y ? { y } : {}) })),
      params.validitySeconds ?? TEN_YEARS,
    ],
  });
  return mined(writer, await writer.wallet.writeContract(request));
}

/** Revokes a key published with `addKey` (it stays in history, no longer in the current document). */
export async function revokeKey(
  writer: Writer & { registry: Address },
  params: { id: Hex; jwk: PublicJwk; relationship: Relationship; curve?: "P256" | "secp256k1" },
): Promise<TransactionReceipt> {
  const { kty, crv, x, y } = params.jwk;
  const { request } = await writer.client.simulateContract({
    account: writer.wallet.account,
    address: writer.registry,
    abi: didRegistryAbi,
    functionName: "revokeAttribute",
    args: [
      params.id,
      attributeName(`amc/vm/${params.curve ?? "P256"}/${params.relationship}`),
      stringToHex(JSON.stringify({ kty, crv, x, ...(y ? { y } : {}) })),
    ],
  });
  return mined(writer, await writer.wallet.writeContract(request));
}

export async function deactivateDid(writer: Writer & { registry: Address }, id: Hex): Promise<TransactionReceipt> {
  const { request } = await writer.client.simulateContract({
    account: writer.wallet.account,
    address: writer.registry,
    abi: didRegistryAbi,
    functionName: "deactivate",
    args: [id],
  });
  return mined(writer, await writer.wallet.writeContract(request));
}

type Lifecycle = Writer & { lifecycle: Address };

/** keccak256 of a vehicle's specification JSON: what `produce` records (the spec itself stays off chain). */
export const specHash = (spec: unknown): Hex => keccak256(stringToHex(JSON.stringify(spec)));

export async function produceVehicle(
  writer: Lifecycle,
  params: { id: Hex; specHash: Hex },
): Promise<TransactionReceipt> {
  const { request } = await writer.client.simulateContract({
    account: writer.wallet.account,
    address: writer.lifecycle,
    abi: vehicleLifecycleAbi,
    functionName: "produce",
    args: [params.id, params.specHash],
  });
  return mined(writer, await writer.wallet.writeContract(request));
}

export async function transferVehicle(
  writer: Lifecycle,
  params: { id: Hex; to: Address },
): Promise<TransactionReceipt> {
  const { request } = await writer.client.simulateContract({
    account: writer.wallet.account,
    address: writer.lifecycle,
    abi: vehicleLifecycleAbi,
    functionName: "transfer",
    args: [params.id, params.to],
  });
  return mined(writer, await writer.wallet.writeContract(request));
}

export async function registerVehicle(
  writer: Lifecycle,
  params: { id: Hex; registrationHash: Hex },
): Promise<TransactionReceipt> {
  const { request } = await writer.client.simulateContract({
    account: writer.wallet.account,
    address: writer.lifecycle,
    abi: vehicleLifecycleAbi,
    functionName: "register",
    args: [params.id, params.registrationHash],
  });
  return mined(writer, await writer.wallet.writeContract(request));
}

export async function scrapVehicle(writer: Lifecycle, id: Hex): Promise<TransactionReceipt> {
  const { request } = await writer.client.simulateContract({
    account: writer.wallet.account,
    address: writer.lifecycle,
    abi: vehicleLifecycleAbi,
    functionName: "scrap",
    args: [id],
  });
  return mined(writer, await writer.wallet.writeContract(request));
}

export const vehicleStates = ["none", "produced", "registered", "scrapped"] as const;

export async function vehicleInfo(client: ChainPublicClient, lifecycle: Address, id: Hex) {
  const info = await client.readContract({
    address: lifecycle,
    abi: vehicleLifecycleAbi,
    functionName: "vehicle",
    args: [id],
  });
  return {
    state: vehicleStates[info.state] ?? "none",
    oem: info.oem,
    producedAt: Number(info.producedAt),
    registeredAt: Number(info.registeredAt),
    transferCount: info.transferCount,
    accidentCount: info.accidentCount,
    lastInspectionHash: info.lastInspectionHash,
  };
}
