// The enrolment authority's vehicle check against the main chain: the DID must resolve (DIDRegistry) to a live
// vehicle, and the credential must be a valid VehicleIdentityCredential about that DID, signed by a key of its
// issuer's DID document, issued by a DID whose controller holds the OEM role in the Consortium, and not revoked
// or suspended in its status list (when it has one; the list's hash must match its StatusListRegistry anchor).
import { consortiumAbi, didRegistryAbi, statusListRegistryAbi } from "@amc/abi";
import { contractAddress, type DeploymentManifest, mainChain, publicClientFor, type Topology } from "@amc/chain";
import { chainHistory, parseDid, type ResolverConfig, resolveAmc } from "@amc/did";
import type { VehicleCheck } from "@amc/v2x";
import {
  type ConsortiumRole,
  type FetchedStatusList,
  platformTypeOf,
  subjectIds,
  type VerifyCredentialOptions,
  verifyCredential,
} from "@amc/vc";
import { type Address, keccak256, stringToHex, zeroAddress } from "viem";

export type ChainVehicleCheckOptions = {
  topology: Topology;
  manifest: DeploymentManifest;
  now: () => Date;
  /** Timeout for fetching a credential's status list (default 5 s). */
  statusTimeoutMs?: number;
};

export function chainVehicleCheck(options: ChainVehicleCheckOptions): VehicleCheck {
  const main = mainChain(options.topology);
  const client = publicClientFor(main);
  const registry = contractAddress(options.manifest, main.name, "DIDRegistry");
  const consortium = contractAddress(options.manifest, main.name, "Consortium");
  const statusRegistry = contractAddress(options.manifest, main.name, "StatusListRegistry");
  const resolver: ResolverConfig = {
    network: options.topology.network,
    chainId: main.chainId,
    history: chainHistory(client, registry),
  };

  const controllerOf = async (did: string): Promise<Address | undefined> => {
    const parsed = parseDid(did);
    if (!parsed.ok) return undefined;
    const controller = await client.readContract({
      address: registry,
      abi: didRegistryAbi,
      functionName: "controllerOf",
      args: [parsed.value.id],
    });
    return controller === zeroAddress ? undefined : controller;
  };
  const verifyOptions: VerifyCredentialOptions = {
    now: options.now,
    resolveKey: async (kid) => {
      const result = await resolveAmc(resolver, kid.split("#")[0] ?? "");
      if (result.didResolutionMetadata.error) return undefined;
      return result.didDocument?.verificationMethod?.find((m) => m.id === kid)?.publicKeyJwk;
    },
    issuerHasRole: async (issuer: string, role: ConsortiumRole) => {
      const controller = await controllerOf(issuer);
      if (!controller) return false;
      return client.readContract({
        address: consortium,
        abi: consortiumAbi,
        functionName: "hasRole",
        args: [keccak256(stringToHex(role)), controller],
      });
    },
    fetchStatusList: async (url: string): Promise<FetchedStatusList> => {
      const [stateHash, version] = await client.readContract({
        address: statusRegistry,
        abi: statusListRegistryAbi,
        functionName: "current",
        args: [keccak256(stringToHex(url))],
      });
      const response = await fetch(url, { signal: AbortSignal.timeout(options.statusTimeoutMs ?? 5000) });
      return { credential: await response.text(), ...(version > 0n ? { anchoredHash: stateHash } : {}) };
    },
  };

  return async (vehicleDid, credential) => {
    const resolved = await resolveAmc(resolver, vehicleDid);
    const error = resolved.didResolutionMetadata.error;
    if (error) return { ok: false, reason: `${vehicleDid} is not a live vehicle DID (${error})` };
    if (resolved.didDocumentMetadata.subjectType !== "vehicle")
      return { ok: false, reason: `${vehicleDid} is not a vehicle DID` };
    const result = await verifyCredential(credential, verifyOptions);
    if (!result.verified || result.credential === undefined)
      return {
        ok: false,
        reason: `the identity credential is refused: ${result.errors.map((e) => `${e.code} (${e.message})`).join("; ")}`,
      };
    if (platformTypeOf(result.credential) !== "VehicleIdentityCredential")
      return { ok: false, reason: "the credential is not a VehicleIdentityCredential" };
    if (!subjectIds(result.credential).includes(vehicleDid))
      return { ok: false, reason: "the identity credential is about another vehicle" };
    return { ok: true };
  };
}
