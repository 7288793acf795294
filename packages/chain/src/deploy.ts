// Deterministic deployment of every module on every chain of a topology. Contracts go through the CREATE2
// factory at 0x4e59…956c (built into anvil; on Besu it is put in the genesis alloc), with the deployer's address
// as the only constructor argument, so each contract has the same address on every chain and on every run.
// Deployment is idempotent: contracts that already have code are kept, initialised ones are not touched again,
// which is how `amc up` resumes from persisted chain state.
import {
  allocationVestingAbi,
  allocationVestingBytecode,
  aMCTAbi,
  aMCTBytecode,
  anchorCheckpointsAbi,
  anchorCheckpointsBytecode,
  consentRegistryAbi,
  consentRegistryBytecode,
  consortiumAbi,
  consortiumBytecode,
  credentialEligibilityAbi,
  credentialEligibilityBytecode,
  dataAnchorAbi,
  dataAnchorBytecode,
  dataEscrowAbi,
  dataEscrowBytecode,
  dataLedgerAbi,
  dataLedgerBytecode,
  didRegistryAbi,
  didRegistryBytecode,
  eventLedgerAbi,
  eventLedgerBytecode,
  flRegistryAbi,
  flRegistryBytecode,
  identityMirrorAbi,
  identityMirrorBytecode,
  mailboxAbi,
  mailboxBytecode,
  messageInboxAbi,
  messageInboxBytecode,
  miningPoolAbi,
  miningPoolBytecode,
  multisigIsmAbi,
  multisigIsmBytecode,
  operationsReserveAbi,
  operationsReserveBytecode,
  remoteRewardClaimsAbi,
  remoteRewardClaimsBytecode,
  statusListRegistryAbi,
  statusListRegistryBytecode,
  v2xTrustStoreAbi,
  v2xTrustStoreBytecode,
  vehicleLifecycleAbi,
  vehicleLifecycleBytecode,
} from "@amc/abi";
import { BaseError, createLogger, type Logger } from "@amc/utils";
import {
  type Abi,
  type Address,
  ContractFunctionRevertedError,
  concatHex,
  encodeAbiParameters,
  getContractAddress,
  type Hex,
  keccak256,
  pad,
  stringToHex,
  BaseError as ViemBaseError,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type ChainPublicClient, type ChainWalletClient, publicClientFor, walletClientFor } from "./clients.js";
import { type ContractName, contractNames, type DeploymentManifest } from "./manifest.js";
import { vestingKindCode } from "./token.js";
import { type ChainConfig, mainChain, platformOperator, type Topology } from "./topology.js";

export const CREATE2_FACTORY: Address = "0x4e59b44847b379578588920cA78FbF26c0B4956C";

export class DeploymentError extends BaseError {
  override name = "DeploymentError";
}

/**
 * The Solidity contract behind each manifest name that is not itself a contract's name: the two AllocationVesting
 * instances are deployed under their own names, hence their own salts and addresses, from the same bytecode.
 */
const implementations: Partial<Record<ContractName, string>> = {
  TechnologyVesting: "AllocationVesting",
  FoundationVesting: "AllocationVesting",
};

/** The Solidity contract deployed under manifest name `name` (its ABI is that contract's). */
export function implementationOf(name: ContractName): string {
  return implementations[name] ?? name;
}

const bytecodes: Record<ContractName, Hex> = {
  Mailbox: mailboxBytecode,
  MultisigIsm: multisigIsmBytecode,
  MessageInbox: messageInboxBytecode,
  Consortium: consortiumBytecode,
  DIDRegistry: didRegistryBytecode,
  VehicleLifecycle: vehicleLifecycleBytecode,
  StatusListRegistry: statusListRegistryBytecode,
  IdentityMirror: identityMirrorBytecode,
  V2xTrustStore: v2xTrustStoreBytecode,
  DataAnchor: dataAnchorBytecode,
  EventLedger: eventLedgerBytecode,
  AnchorCheckpoints: anchorCheckpointsBytecode,
  ConsentRegistry: consentRegistryBytecode,
  DataLedger: dataLedgerBytecode,
  MiningPool: miningPoolBytecode,
  TechnologyVesting: allocationVestingBytecode,
  FoundationVesting: allocationVestingBytecode,
  OperationsReserve: operationsReserveBytecode,
  DataEscrow: dataEscrowBytecode,
  CredentialEligibility: credentialEligibilityBytecode,
  AMCT: aMCTBytecode,
  RemoteRewardClaims: remoteRewardClaimsBytecode,
  FLRegistry: flRegistryBytecode,
};

/** Fewest vehicle reports an EventLedger accepts for a confirmed event (docs/edge.md: at least 2). */
export const EVENT_LEDGER_MIN_REPORTERS = 2;

/** Contracts of a module; some modules put different contracts on the main chain and on the others. */
function moduleContracts(module: ChainConfig["modules"][number], role: ChainConfig["role"]): ContractName[] {
  switch (module) {
    case "xchain":
      return ["Mailbox", "MultisigIsm", "MessageInbox"];
    case "governance":
      return ["Consortium"];
    case "identity":
      // The registry, lifecycle and status lists live on main; every other chain mirrors deactivations.
      // The V2X trust store (CA certificates, linkage-seed revocations) is part of identity: the mirror serves both.
      return role === "main"
        ? ["DIDRegistry", "VehicleLifecycle", "StatusListRegistry", "V2xTrustStore"]
        : ["IdentityMirror"];
    case "edge":
      // RSU batches and confirmed events live on the cell's chain; main keeps each cell's checkpoints
      // (docs/edge.md). Side chains have no RSUs.
      if (role === "main") return ["AnchorCheckpoints"];
      return role === "edge" ? ["DataAnchor", "EventLedger"] : [];
    case "data":
      // Consents and the vault ledger live on main only (topology validation refuses the module elsewhere).
      return role === "main" ? ["ConsentRegistry", "DataLedger"] : [];
    case "token":
      // AMCT and its allocations live on main; AMCT comes last: its initialisation mints into the others. Edge and
      // side chains carry RemoteRewardClaims, which sends claims proven there to the MiningPool on main.
      return role === "main"
        ? [
            "MiningPool",
            "TechnologyVesting",
            "FoundationVesting",
            "OperationsReserve",
            "DataEscrow",
            "CredentialEligibility",
            "AMCT",
          ]
        : ["RemoteRewardClaims"];
    case "fl":
      // Federated-learning rounds are recorded on main (topology validation refuses the module elsewhere).
      return role === "main" ? ["FLRegistry"] : [];
  }
}

/** The CREATE2 salt of a manifest name: keccak256("amc/v1/<name>") (the name, not the implementation). */
export function salt(contract: ContractName): Hex {
  return keccak256(stringToHex(`amc/v1/${contract}`));
}

export function initCode(contract: ContractName, initializer: Address): Hex {
  return concatHex([bytecodes[contract], encodeAbiParameters([{ type: "address" }], [initializer])]);
}

/** The address `contract` gets on any chain when deployed by `deployer` (pure computation). */
export function predictAddress(contract: ContractName, deployer: Address): Address {
  return getContractAddress({
    opcode: "CREATE2",
    from: CREATE2_FACTORY,
    salt: salt(contract),
    bytecode: initCode(contract, deployer),
  });
}

export function contractsOf(chain: ChainConfig): ContractName[] {
  return chain.modules.flatMap((module) => moduleContracts(module, chain.role));
}

/** keccak256 of a role name, as the Consortium contract defines its role constants. */
export const roleId = (name: string): Hex => keccak256(stringToHex(name));

function isAlreadyInitialized(error: unknown): boolean {
  if (!(error instanceof ViemBaseError)) return false;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return (
    revert instanceof ContractFunctionRevertedError && (revert.data?.errorName ?? "").endsWith("AlreadyInitialized")
  );
}

type InitCall = { contract: ContractName; abi: Abi; args: readonly unknown[] };

/**
 * What the token module's initialisation needs besides addresses. `launch` is the allocations' start (vestings) and
 * the mining pool's genesis; dev choices: the deployer is the IDO recipient, the platform operator the mining pool's
 * distributor (the gateway commits epochs) until governance sets another; the Consortium is both vestings' beneficiary.
 */
type InitContext = { deployer: Address; launch: bigint };

function initCalls(
  topology: Topology,
  chain: ChainConfig,
  addresses: Record<ContractName, Address>,
  context: InitContext,
): InitCall[] {
  const main = mainChain(topology);
  const calls: InitCall[] = [];
  const contracts = contractsOf(chain);
  // The platform operator (the gateway's key) commits reward epochs and releases data-request escrows.
  const operator = platformOperator(topology).address;
  if (contracts.includes("MultisigIsm"))
    calls.push({
      contract: "MultisigIsm",
      abi: multisigIsmAbi,
      args: [
        addresses.Mailbox,
        main.chainId,
        addresses.Consortium,
        topology.chains.map((c) => ({ domain: c.chainId, validators: c.validators, threshold: c.threshold })),
      ],
    });
  if (contracts.includes("Mailbox"))
    calls.push({ contract: "Mailbox", abi: mailboxAbi, args: [addresses.MultisigIsm] });
  if (contracts.includes("MessageInbox"))
    calls.push({ contract: "MessageInbox", abi: messageInboxAbi, args: [addresses.Mailbox] });
  if (contracts.includes("Consortium"))
    calls.push({
      contract: "Consortium",
      abi: consortiumAbi,
      args: [
        {
          members: topology.governance.members.map((m) => ({
            account: m.address,
            name: m.name,
            metadataURI: m.metadataURI,
            roles: m.roles.map(roleId),
          })),
          quorumBps: topology.governance.quorumBps,
          votingPeriod: BigInt(topology.governance.votingPeriodSeconds),
          mailbox: addresses.Mailbox,
          ism: addresses.MultisigIsm,
          domains: topology.chains.map((c) => c.chainId),
          validatorSets: topology.chains.map((c) => ({
            domain: c.chainId,
            validators: c.validators,
            threshold: c.threshold,
          })),
        },
      ],
    });
  if (contracts.includes("DIDRegistry"))
    calls.push({
      contract: "DIDRegistry",
      abi: didRegistryAbi,
      args: [addresses.Consortium, addresses.VehicleLifecycle],
    });
  if (contracts.includes("VehicleLifecycle"))
    calls.push({
      contract: "VehicleLifecycle",
      abi: vehicleLifecycleAbi,
      args: [addresses.Consortium, addresses.DIDRegistry, addresses.Mailbox, addresses.IdentityMirror],
    });
  if (contracts.includes("StatusListRegistry"))
    calls.push({ contract: "StatusListRegistry", abi: statusListRegistryAbi, args: [addresses.DIDRegistry] });
  if (contracts.includes("IdentityMirror"))
    calls.push({
      contract: "IdentityMirror",
      abi: identityMirrorAbi,
      args: [addresses.Mailbox, main.chainId, addresses.VehicleLifecycle, addresses.V2xTrustStore],
    });
  if (contracts.includes("V2xTrustStore"))
    calls.push({
      contract: "V2xTrustStore",
      abi: v2xTrustStoreAbi,
      args: [addresses.Consortium, addresses.Mailbox, addresses.IdentityMirror],
    });
  if (contracts.includes("DataAnchor"))
    calls.push({
      contract: "DataAnchor",
      abi: dataAnchorAbi,
      args: [addresses.Mailbox, main.chainId, addresses.AnchorCheckpoints],
    });
  if (contracts.includes("EventLedger"))
    calls.push({ contract: "EventLedger", abi: eventLedgerAbi, args: [EVENT_LEDGER_MIN_REPORTERS] });
  if (contracts.includes("AnchorCheckpoints"))
    calls.push({
      contract: "AnchorCheckpoints",
      abi: anchorCheckpointsAbi,
      args: [addresses.Mailbox, addresses.DataAnchor],
    });
  if (contracts.includes("ConsentRegistry"))
    calls.push({ contract: "ConsentRegistry", abi: consentRegistryAbi, args: [addresses.DIDRegistry] });
  if (contracts.includes("DataLedger"))
    calls.push({ contract: "DataLedger", abi: dataLedgerAbi, args: [addresses.Consortium] });
  // The token module: the allocation contracts first, AMCT last (it mints into them).
  for (const kind of ["technology", "foundation"] as const) {
    const contract = kind === "technology" ? "TechnologyVesting" : "FoundationVesting";
    if (contracts.includes(contract))
      calls.push({
        contract,
        abi: allocationVestingAbi,
        args: [addresses.AMCT, addresses.Consortium, context.launch, vestingKindCode[kind]],
      });
  }
  if (contracts.includes("OperationsReserve"))
    calls.push({
      contract: "OperationsReserve",
      abi: operationsReserveAbi,
      args: [addresses.AMCT, addresses.Consortium],
    });
  if (contracts.includes("MiningPool"))
    calls.push({
      contract: "MiningPool",
      abi: miningPoolAbi,
      args: [
        {
          token: addresses.AMCT,
          governance: addresses.Consortium,
          distributor: operator,
          mailbox: addresses.Mailbox,
          eligibility: addresses.CredentialEligibility,
          genesis: context.launch,
          epochDuration: BigInt(topology.token.epochSeconds),
          halvingEpochs: BigInt(topology.token.halvingEpochs),
          // RemoteRewardClaims has the same address on every chain; claims proven on the chains carrying it are paid.
          remoteSender: pad(addresses.RemoteRewardClaims),
          remoteOrigins: topology.chains
            .filter((c) => c.role !== "main" && c.modules.includes("token"))
            .map((c) => c.chainId),
        },
      ],
    });
  if (contracts.includes("DataEscrow"))
    calls.push({
      contract: "DataEscrow",
      abi: dataEscrowAbi,
      args: [addresses.AMCT, operator, addresses.Consortium],
    });
  if (contracts.includes("CredentialEligibility"))
    calls.push({
      contract: "CredentialEligibility",
      abi: credentialEligibilityAbi,
      args: [addresses.Consortium, addresses.DIDRegistry, addresses.VehicleLifecycle],
    });
  if (contracts.includes("FLRegistry"))
    calls.push({ contract: "FLRegistry", abi: flRegistryAbi, args: [addresses.Consortium] });
  if (contracts.includes("RemoteRewardClaims"))
    calls.push({
      contract: "RemoteRewardClaims",
      abi: remoteRewardClaimsAbi,
      args: [addresses.Mailbox, main.chainId, addresses.MiningPool, operator],
    });
  if (contracts.includes("AMCT"))
    calls.push({
      contract: "AMCT",
      abi: aMCTAbi,
      args: [
        {
          miningPool: addresses.MiningPool,
          ido: context.deployer,
          technology: addresses.TechnologyVesting,
          operations: addresses.OperationsReserve,
          foundation: addresses.FoundationVesting,
        },
      ],
    });
  return calls;
}

async function waitAll(client: ChainPublicClient, hashes: Hex[], chain: string, what: string): Promise<void> {
  const receipts = await Promise.all(hashes.map((hash) => client.waitForTransactionReceipt({ hash, timeout: 60_000 })));
  const failed = receipts.find((r) => r.status !== "success");
  if (failed)
    throw new DeploymentError(`${what} on chain ${chain} reverted (tx ${failed.transactionHash})`, {
      fix: "remove .amc (npx amc reset) and start again; if it persists the contracts and topology disagree",
    });
}

/**
 * The token's launch time: the start of an already-initialised TechnologyVesting (a resumed deployment keeps the
 * launch it began with), else the latest block's timestamp, read once before the initialisations.
 */
async function launchTime(
  client: ChainPublicClient,
  chain: ChainConfig,
  addresses: Record<ContractName, Address>,
): Promise<bigint> {
  if (!contractsOf(chain).includes("TechnologyVesting")) return 0n;
  const schedule = await client.readContract({
    address: addresses.TechnologyVesting,
    abi: allocationVestingAbi,
    functionName: "schedule",
  });
  if (schedule.start !== 0n) return schedule.start;
  return (await client.getBlock({ blockTag: "latest" })).timestamp;
}

export type DeployChainResult = { deployed: ContractName[]; initialized: ContractName[] };

/** Deploys and initialises the modules of one chain; returns what it had to do (empty on resume). */
export async function deployChain(
  topology: Topology,
  chain: ChainConfig,
  deployerKey: Hex,
  logger: Logger = createLogger({ component: "deploy" }),
): Promise<DeployChainResult> {
  const deployer = privateKeyToAccount(deployerKey).address;
  const client = publicClientFor(chain);
  const wallet: ChainWalletClient = walletClientFor(chain, deployerKey);
  const addresses = Object.fromEntries(contractNames.map((n) => [n, predictAddress(n, deployer)])) as Record<
    ContractName,
    Address
  >;

  const factoryCode = await client.getCode({ address: CREATE2_FACTORY });
  if (!factoryCode || factoryCode === "0x")
    throw new DeploymentError(`chain ${chain.name} has no CREATE2 factory at ${CREATE2_FACTORY}`, {
      fix: "add the factory to the chain's genesis alloc (docs/operations.md)",
    });

  // Phase 1: put missing code on chain, transactions pipelined with explicit nonces.
  const deployed: ContractName[] = [];
  let nonce = await client.getTransactionCount({ address: deployer, blockTag: "pending" });
  const hashes: Hex[] = [];
  for (const contract of contractsOf(chain)) {
    const code = await client.getCode({ address: addresses[contract] });
    if (code && code !== "0x") continue;
    const data = concatHex([salt(contract), initCode(contract, deployer)]);
    const gas = await client.estimateGas({ account: deployer, to: CREATE2_FACTORY, data });
    hashes.push(await wallet.sendTransaction({ to: CREATE2_FACTORY, data, gas: (gas * 12n) / 10n, nonce: nonce++ }));
    deployed.push(contract);
    logger.info("deploying", { chain: chain.name, contract, address: addresses[contract] });
  }
  await waitAll(client, hashes, chain.name, "deployment");

  // Phase 2: initialise what is not yet initialised (simulation tells which, and surfaces errors early).
  const initialized: ContractName[] = [];
  const initHashes: Hex[] = [];
  const launch = await launchTime(client, chain, addresses);
  nonce = await client.getTransactionCount({ address: deployer, blockTag: "pending" });
  for (const call of initCalls(topology, chain, addresses, { deployer, launch })) {
    try {
      const { request } = await client.simulateContract({
        account: wallet.account,
        address: addresses[call.contract],
        abi: call.abi,
        functionName: "initialize",
        args: call.args,
      });
      initHashes.push(await wallet.writeContract({ ...request, nonce: nonce++ }));
      initialized.push(call.contract);
    } catch (error) {
      if (isAlreadyInitialized(error)) continue;
      throw new DeploymentError(`initialising ${call.contract} on chain ${chain.name} failed`, {
        details: error instanceof Error ? error.message.split("\n")[0] : String(error),
        cause: error,
      });
    }
  }
  await waitAll(client, initHashes, chain.name, "initialisation");
  return { deployed, initialized };
}

/** Deploys every chain of the topology in parallel and returns the manifest. */
export async function deployTopology(
  topology: Topology,
  deployerKey: Hex,
  logger?: Logger,
): Promise<DeploymentManifest> {
  const deployer = privateKeyToAccount(deployerKey).address;
  await Promise.all(topology.chains.map((chain) => deployChain(topology, chain, deployerKey, logger)));
  const manifest: DeploymentManifest = {
    network: topology.network,
    deployer,
    create2Factory: CREATE2_FACTORY,
    chains: {},
  };
  for (const chain of topology.chains) {
    manifest.chains[chain.name] = {
      chainId: chain.chainId,
      role: chain.role,
      rpcUrl: chain.rpcUrl,
      contracts: Object.fromEntries(contractsOf(chain).map((c) => [c, predictAddress(c, deployer)])),
    };
  }
  return manifest;
}
