// Consents on a real anvil main chain with the data module deployed as `amc up` deploys it: an OEM produces a
// vehicle and sells it to an owner (VehicleLifecycle, called directly: packages/chain sits below @amc/did), the owner
// signs consent terms here in TypeScript, a relayer grants them, the registry agrees on the consent id and on what
// the consent covers; a signed revocation and a sale each end a consent.
import { consentRegistryAbi, vehicleLifecycleAbi } from "@amc/abi";
import {
  type Address,
  ContractFunctionRevertedError,
  type Hex,
  keccak256,
  parseEventLogs,
  stringToHex,
  type TransactionReceipt,
  BaseError as ViemBaseError,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChainPublicClient, publicClientFor, walletClientFor } from "./clients.js";
import { type ConsentTerms, consentId, scopesToMask, signConsent, signRevocation } from "./consent.js";
import { predictAddress } from "./deploy.js";
import { devKeyIndex, devPrivateKey } from "./devKeys.js";
import { contractAddress } from "./manifest.js";
import { type LocalNet, startLocalNet } from "./testing/localNet.js";
import type { ChainConfig } from "./topology.js";

let net: LocalNet;
let main: ChainConfig;
let client: ChainPublicClient;
let registry: Address;
let lifecycle: Address;

const oemKey = devPrivateKey(devKeyIndex.firstMember); // Member 0 has the OEM role in localTopology
const owner = privateKeyToAccount(devPrivateKey(7));
const buyer = privateKeyToAccount(devPrivateKey(8));
const relayerKey = devPrivateKey(devKeyIndex.relayer);
const vehicle = keccak256(stringToHex("vehicle:WVWZZZ1JZXW000042"));
const insurer = keccak256(stringToHex("did:amc:test:insurer"));

beforeAll(async () => {
  net = await startLocalNet([{ name: "main", role: "main" }], { blockTimeSeconds: 0 });
  main = net.topology.chains[0]!;
  client = publicClientFor(main);
  registry = contractAddress(net.manifest, "main", "ConsentRegistry");
  lifecycle = contractAddress(net.manifest, "main", "VehicleLifecycle");
});
afterAll(async () => net?.stop());

async function mined(hash: Hex): Promise<TransactionReceipt> {
  const receipt = await client.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

/** The OEM (Member 0) produces the vehicle: its DID is created with the OEM as controller. */
async function produce(id: Hex): Promise<void> {
  const oem = walletClientFor(main, oemKey);
  const { request } = await client.simulateContract({
    account: oem.account,
    address: lifecycle,
    abi: vehicleLifecycleAbi,
    functionName: "produce",
    args: [id, keccak256(stringToHex("spec"))],
  });
  await mined(await oem.writeContract(request));
}

/** The controller (key `fromKey`) sells the vehicle to `to`: the DID's controller moves. */
async function sell(fromKey: Hex, id: Hex, to: Address): Promise<void> {
  const seller = walletClientFor(main, fromKey);
  const { request } = await client.simulateContract({
    account: seller.account,
    address: lifecycle,
    abi: vehicleLifecycleAbi,
    functionName: "transfer",
    args: [id, to],
  });
  await mined(await seller.writeContract(request));
}

async function revertName(write: Promise<unknown>): Promise<string | undefined> {
  try {
    await write;
    return undefined;
  } catch (error) {
    const revert =
      error instanceof ViemBaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    return revert instanceof ContractFunctionRevertedError ? revert.data?.errorName : `not a revert: ${String(error)}`;
  }
}

const isValid = (id: Hex) =>
  client.readContract({ address: registry, abi: consentRegistryAbi, functionName: "isValid", args: [id] });
const covers = (id: Hex, grantee: Hex, scopes: string[]) =>
  client.readContract({
    address: registry,
    abi: consentRegistryAbi,
    functionName: "covers",
    args: [id, grantee, scopesToMask(scopes)],
  });

let firstTerms: ConsentTerms | undefined;

async function termsFromNow(salt: string): Promise<ConsentTerms> {
  const now = (await client.getBlock()).timestamp;
  return {
    subject: vehicle,
    grantee: insurer,
    scopes: scopesToMask(["telemetry", "battery"]),
    purpose: keccak256(stringToHex("Usage-based insurance pricing")),
    validFrom: now - 60n,
    validUntil: now + 30n * 24n * 3600n,
    salt: keccak256(stringToHex(salt)),
  };
}

/** The owner signs `terms` here; the relayer submits them and pays. */
async function grant(terms: ConsentTerms): Promise<TransactionReceipt> {
  const signature = await signConsent(owner, main.chainId, registry, terms);
  const relayer = walletClientFor(main, relayerKey);
  const { request } = await client.simulateContract({
    account: relayer.account,
    address: registry,
    abi: consentRegistryAbi,
    functionName: "grant",
    args: [terms, signature],
  });
  return mined(await relayer.writeContract(request));
}

describe("ConsentRegistry on anvil", () => {
  it("is deployed on main at its CREATE2 address, initialised with the DIDRegistry", async () => {
    expect(registry).toBe(predictAddress("ConsentRegistry", privateKeyToAccount(devPrivateKey(0)).address));
    expect(contractAddress(net.manifest, "main", "DataLedger")).toBeDefined();
    expect(await client.readContract({ address: registry, abi: consentRegistryAbi, functionName: "didRegistry" })).toBe(
      contractAddress(net.manifest, "main", "DIDRegistry"),
    );
  });

  it("grants a consent the owner signed in TypeScript, under the id TypeScript computed", async () => {
    await produce(vehicle);
    await sell(oemKey, vehicle, owner.address);

    const terms = await termsFromNow("first");
    firstTerms = terms;
    const id = consentId(terms);
    expect(
      await client.readContract({
        address: registry,
        abi: consentRegistryAbi,
        functionName: "consentId",
        args: [terms],
      }),
    ).toBe(id);

    const receipt = await grant(terms);
    const [granted] = parseEventLogs({ abi: consentRegistryAbi, logs: receipt.logs, eventName: "ConsentGranted" });
    expect(granted?.args).toMatchObject({ id, subject: vehicle, grantee: insurer, granter: owner.address });
    expect(receipt.gasUsed).toBeLessThan(160_000n);

    expect(await isValid(id)).toBe(true);
    expect(await covers(id, insurer, ["telemetry"])).toBe(true);
    expect(await covers(id, insurer, ["telemetry", "location"])).toBe(false);
    expect(await covers(id, keccak256(stringToHex("someone else")), ["telemetry"])).toBe(false);

    // The same terms again are refused, with the contract's error.
    const signature = await signConsent(owner, main.chainId, registry, terms);
    expect(
      await revertName(
        client.simulateContract({
          address: registry,
          abi: consentRegistryAbi,
          functionName: "grant",
          args: [terms, signature],
        }),
      ),
    ).toBe("ConsentRegistryAlreadyGranted");
  });

  it("revokes with the owner's signed revocation, relayed by someone who pays the gas", async () => {
    // The terms granted above (recomputing them from the chain's time would give another id once a second passed).
    if (!firstTerms) throw new Error("the grant test did not run");
    const id = consentId(firstTerms);
    const deadline = (await client.getBlock()).timestamp + 600n;
    const signature = await signRevocation(owner, main.chainId, registry, id, deadline);
    const relayer = walletClientFor(main, relayerKey);
    const { request } = await client.simulateContract({
      account: relayer.account,
      address: registry,
      abi: consentRegistryAbi,
      functionName: "revokeSigned",
      args: [id, deadline, signature],
    });
    const receipt = await mined(await relayer.writeContract(request));
    expect(receipt.gasUsed).toBeLessThan(60_000n);
    const [revoked] = parseEventLogs({ abi: consentRegistryAbi, logs: receipt.logs, eventName: "ConsentRevoked" });
    expect(revoked?.args).toEqual({ id, by: owner.address });
    expect(await isValid(id)).toBe(false);
    expect(await covers(id, insurer, ["telemetry"])).toBe(false);
    expect(
      await revertName(
        client.simulateContract({
          address: registry,
          abi: consentRegistryAbi,
          functionName: "revokeSigned",
          args: [id, deadline, signature],
        }),
      ),
    ).toBe("ConsentRegistryAlreadyRevoked");
  });

  it("voids the seller's consents when the vehicle is sold", async () => {
    const terms = await termsFromNow("second");
    const id = consentId(terms);
    await grant(terms);
    expect(await isValid(id)).toBe(true);
    await sell(devPrivateKey(7), vehicle, buyer.address);
    expect(await isValid(id)).toBe(false);

    // The seller can no longer grant anything for the vehicle.
    const late = await termsFromNow("third");
    const signature = await signConsent(owner, main.chainId, registry, late);
    expect(
      await revertName(
        client.simulateContract({
          address: registry,
          abi: consentRegistryAbi,
          functionName: "grant",
          args: [late, signature],
        }),
      ),
    ).toBe("ConsentRegistryBadSignature");
  });
});
