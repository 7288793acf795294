// The deployment manifest: which contract lives at which address on which chain. `amc up` writes it after
// deploying; every service and the CLI read it. Addresses come from CREATE2 and so are the same on every run.
import { InvalidInputError, readJsonIfExists, stringify, writeFileAtomic } from "@amc/utils";
import { getAddress, isAddress } from "viem";
import { z } from "zod";

const address = z
  .string()
  .refine((v) => isAddress(v, { strict: false }))
  .transform((v) => getAddress(v));

export const contractNames = [
  "Mailbox",
  "MultisigIsm",
  "MessageInbox",
  "Consortium",
  "DIDRegistry",
  "VehicleLifecycle",
  "StatusListRegistry",
  "IdentityMirror",
  "V2xTrustStore",
  "DataAnchor",
  "EventLedger",
  "AnchorCheckpoints",
  "ConsentRegistry",
  "DataLedger",
  // The `token` module (contracts/src/token, main only): AMCT and its allocations. The two AllocationVesting instances are deployed
  // under their own names (and so their own CREATE2 salts) from the same bytecode.
  "MiningPool",
  "TechnologyVesting",
  "FoundationVesting",
  "OperationsReserve",
  "DataEscrow",
  "CredentialEligibility",
  "AMCT",
  // On edge and side chains: claims of rewards proven there, paid by the MiningPool on main through the Mailbox.
  "RemoteRewardClaims",
  // The `fl` module (contracts/src/fl, main only): the ledger of federated-learning rounds.
  "FLRegistry",
] as const;
/** A name in the manifest; usually a contract's name, but a contract deployed twice has one name per instance. */
export type ContractName = (typeof contractNames)[number];

export const manifestSchema = z.object({
  network: z.string(),
  deployer: address,
  create2Factory: address,
  chains: z.record(
    z.string(),
    z.object({
      chainId: z.number().int(),
      role: z.enum(["main", "side", "edge"]),
      rpcUrl: z.string(),
      contracts: z.partialRecord(z.enum(contractNames), address),
    }),
  ),
});

export type DeploymentManifest = z.infer<typeof manifestSchema>;

export function readManifest(path: string): DeploymentManifest {
  const json = readJsonIfExists(path);
  if (json === undefined)
    throw new InvalidInputError(`no deployment manifest at ${path}`, { fix: "start the platform with `npm start`" });
  const result = manifestSchema.safeParse(json);
  if (!result.success) throw new InvalidInputError(`deployment manifest ${path} is invalid: ${result.error.message}`);
  return result.data;
}

export function writeManifest(path: string, manifest: DeploymentManifest): void {
  writeFileAtomic(path, `${stringify(manifest, 2)}\n`);
}

export function contractAddress(manifest: DeploymentManifest, chain: string, contract: ContractName) {
  const address = manifest.chains[chain]?.contracts[contract];
  if (!address) throw new InvalidInputError(`contract ${contract} is not deployed on chain ${chain}`);
  return address;
}
