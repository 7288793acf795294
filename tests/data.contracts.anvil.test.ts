// The data module's DataLedger on a real anvil main chain, deployed as `amc up` deploys it (docs/data-sharing.md):
// a member vault registers objects one by one and in a batch (codes from @amc/chain: data classes, region codes),
// erases one, anchors its disclosure log in contiguous ranges and records a breach; an outsider is refused. Gas is
// read from the receipts, so a regression of the per-object cost shows here as in `.gas-snapshot`.
import { dataLedgerAbi } from "@amc/abi";
import {
  type ChainConfig,
  type ChainPublicClient,
  contractAddress,
  dataClassCodes,
  devKeyIndex,
  devPrivateKey,
  erasureReasonCodes,
  publicClientFor,
  regionCode,
  regionFromCode,
  walletClientFor,
} from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import {
  type Address,
  ContractFunctionRevertedError,
  type Hex,
  keccak256,
  parseEventLogs,
  stringToHex,
  type TransactionReceipt,
  BaseError as ViemBaseError,
  zeroAddress,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let net: LocalNet;
let main: ChainConfig;
let client: ChainPublicClient;
let ledger: Address;

const vaultKey = devPrivateKey(devKeyIndex.firstMember + 1); // a consortium member running a vault
const vault = privateKeyToAccount(vaultKey).address;
const outsiderKey = devPrivateKey(7);
const subject = keccak256(stringToHex("vehicle:WVWZZZ1JZXW000042"));
const objectId = (n: number): Hex => keccak256(stringToHex(`object ${n}`));
const saltedHash = (n: number): Hex => keccak256(stringToHex(`salt ${n} ‖ data ${n}`));

beforeAll(async () => {
  net = await startLocalNet([{ name: "main", role: "main" }], { blockTimeSeconds: 0 });
  main = net.topology.chains[0]!;
  client = publicClientFor(main);
  ledger = contractAddress(net.manifest, "main", "DataLedger");
});
afterAll(async () => net?.stop());

async function mined(hash: Hex): Promise<TransactionReceipt> {
  const receipt = await client.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

type ObjectInput = {
  objectId: Hex;
  subject: Hex;
  saltedHash: Hex;
  dataClass: number;
  region: Hex;
  retainUntil: bigint;
};

// Each write simulates first, so a refusal surfaces as the contract's custom error before any gas is spent.
async function registerObject(key: Hex, o: ObjectInput): Promise<TransactionReceipt> {
  const wallet = walletClientFor(main, key);
  const { request } = await client.simulateContract({
    account: wallet.account,
    address: ledger,
    abi: dataLedgerAbi,
    functionName: "registerObject",
    args: [o.objectId, o.subject, o.saltedHash, o.dataClass, o.region, o.retainUntil],
  });
  return mined(await wallet.writeContract(request));
}

async function registerObjects(key: Hex, objects: ObjectInput[]): Promise<TransactionReceipt> {
  const wallet = walletClientFor(main, key);
  const { request } = await client.simulateContract({
    account: wallet.account,
    address: ledger,
    abi: dataLedgerAbi,
    functionName: "registerObjects",
    args: [objects],
  });
  return mined(await wallet.writeContract(request));
}

async function markErased(key: Hex, id: Hex, reason: number): Promise<TransactionReceipt> {
  const wallet = walletClientFor(main, key);
  const { request } = await client.simulateContract({
    account: wallet.account,
    address: ledger,
    abi: dataLedgerAbi,
    functionName: "markErased",
    args: [id, reason],
  });
  return mined(await wallet.writeContract(request));
}

async function anchorDisclosures(key: Hex, root: Hex, fromSeq: bigint, toSeq: bigint): Promise<TransactionReceipt> {
  const wallet = walletClientFor(main, key);
  const { request } = await client.simulateContract({
    account: wallet.account,
    address: ledger,
    abi: dataLedgerAbi,
    functionName: "anchorDisclosures",
    args: [root, fromSeq, toSeq],
  });
  return mined(await wallet.writeContract(request));
}

async function recordIncident(
  key: Hex,
  i: { id: Hex; detailsHash: Hex; affectedRoot: Hex; affectedCount: number; detectedAt: bigint },
): Promise<TransactionReceipt> {
  const wallet = walletClientFor(main, key);
  const { request } = await client.simulateContract({
    account: wallet.account,
    address: ledger,
    abi: dataLedgerAbi,
    functionName: "recordIncident",
    args: [i.id, i.detailsHash, i.affectedRoot, i.affectedCount, i.detectedAt],
  });
  return mined(await wallet.writeContract(request));
}

/** The custom error a write was refused with. */
async function refusal(write: Promise<unknown>): Promise<string | undefined> {
  try {
    await write;
    return undefined;
  } catch (error) {
    const revert =
      error instanceof ViemBaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    return revert instanceof ContractFunctionRevertedError ? revert.data?.errorName : `not a revert: ${String(error)}`;
  }
}

const object = (id: Hex) =>
  client.readContract({ address: ledger, abi: dataLedgerAbi, functionName: "object", args: [id] });

const input = (n: number, retainUntil: bigint, dataClass: number = dataClassCodes.personal): ObjectInput => ({
  objectId: objectId(n),
  subject,
  saltedHash: saltedHash(n),
  dataClass,
  region: regionCode("CN-31"),
  retainUntil,
});

describe("DataLedger on anvil", () => {
  it("is initialised with the Consortium", async () => {
    expect(await client.readContract({ address: ledger, abi: dataLedgerAbi, functionName: "consortium" })).toBe(
      contractAddress(net.manifest, "main", "Consortium"),
    );
  });

  it("registers objects one by one and in batches, cheaper per object in a batch", async () => {
    const retainUntil = (await client.getBlock()).timestamp + 3n * 365n * 24n * 3600n;
    const single = await registerObject(vaultKey, input(0, retainUntil, dataClassCodes.sensitive));
    const stored = await object(objectId(0));
    expect(stored).toMatchObject({ custodian: vault, dataClass: 2, subject, saltedHash: saltedHash(0) });
    expect(regionFromCode(stored.region)).toBe("CN-31");
    expect(stored.retainUntil).toBe(retainUntil);

    const objects = Array.from({ length: 20 }, (_, i) => input(i + 1, retainUntil));
    const batch = await registerObjects(vaultKey, objects);
    const logs = parseEventLogs({ abi: dataLedgerAbi, logs: batch.logs, eventName: "ObjectRegistered" });
    expect(logs.map((l) => l.args.objectId)).toEqual(objects.map((o) => o.objectId));
    expect((await object(objectId(20))).custodian).toBe(vault);

    // Transaction gas, intrinsic cost included: four fresh slots (88.4k) per object plus the call.
    expect(single.gasUsed).toBeLessThan(135_000n);
    expect(batch.gasUsed / 20n).toBeLessThan(100_000n);
    expect(batch.gasUsed / 20n).toBeLessThan(single.gasUsed);

    expect(await refusal(registerObject(vaultKey, input(0, 0n)))).toBe("DataLedgerObjectExists");
    expect(await refusal(registerObject(outsiderKey, input(99, 0n)))).toBe("DataLedgerNotMember");
    expect(await refusal(registerObjects(vaultKey, [input(30, 0n), input(31, 0n, 4)]))).toBe(
      "DataLedgerInvalidDataClass",
    );
    expect((await object(objectId(30))).custodian).toBe(zeroAddress);
  });

  it("records an erasure once and keeps the salted hash", async () => {
    await markErased(vaultKey, objectId(3), erasureReasonCodes.owner_request);
    const erased = await object(objectId(3));
    expect(erased.erasedAt).toBeGreaterThan(0n);
    expect(erased.erasureReason).toBe(erasureReasonCodes.owner_request);
    expect(erased.saltedHash).toBe(saltedHash(3));
    expect(await refusal(markErased(vaultKey, objectId(3), erasureReasonCodes.legal_order))).toBe(
      "DataLedgerAlreadyErased",
    );
    const otherMember = devPrivateKey(devKeyIndex.firstMember);
    expect(await refusal(markErased(otherMember, objectId(4), erasureReasonCodes.retention_expiry))).toBe(
      "DataLedgerNotCustodian",
    );
  });

  it("anchors the disclosure log in contiguous ranges and refuses a gap", async () => {
    const first = await anchorDisclosures(vaultKey, keccak256(stringToHex("root 0")), 0n, 99n);
    const next = await anchorDisclosures(vaultKey, keccak256(stringToHex("root 1")), 100n, 149n);
    const [anchored] = parseEventLogs({ abi: dataLedgerAbi, logs: next.logs, eventName: "DisclosureRootAnchored" });
    expect(anchored?.args).toMatchObject({ custodian: vault, index: 1n, fromSeq: 100n, toSeq: 149n });
    expect(
      await client.readContract({
        address: ledger,
        abi: dataLedgerAbi,
        functionName: "nextDisclosureSeq",
        args: [vault],
      }),
    ).toBe(150n);
    expect(await refusal(anchorDisclosures(vaultKey, keccak256(stringToHex("x")), 151n, 160n))).toBe(
      "DataLedgerSequenceGap",
    );
    expect(first.gasUsed).toBeLessThan(110_000n);
    expect(next.gasUsed).toBeLessThan(first.gasUsed);
  });

  it("records a breach incident once", async () => {
    const incident = {
      id: keccak256(stringToHex("incident 1")),
      detailsHash: keccak256(stringToHex("report")),
      affectedRoot: keccak256(stringToHex("affected")),
      affectedCount: 21,
      detectedAt: (await client.getBlock()).timestamp - 3600n,
    };
    await recordIncident(vaultKey, incident);
    expect(
      await client.readContract({ address: ledger, abi: dataLedgerAbi, functionName: "incident", args: [incident.id] }),
    ).toMatchObject({ reporter: vault, affectedCount: 21, detectedAt: incident.detectedAt });
    expect(await refusal(recordIncident(vaultKey, { ...incident, detailsHash: zeroHash }))).toBe(
      "DataLedgerIncidentExists",
    );
  });
});
