// What an RSU needs from the platform before it can serve, done by the RSU process itself at start:
// - its identity: a device DID on main created by its operator (the consortium member holding RSU_OPERATOR), with
//   a P-256 assertion key that signs batches, admissions and events; kept in <home>/edge/<rsu>/identity.json
//   (mode 0600) and re-created if the chain no longer knows it (e.g. after `amc reset` of the chains only);
// - gas for its anchoring account on the cell chain (dev networks: a transfer from the deployer);
// - the ticket CA chain from the PKI service, with its root checked against main's V2xTrustStore;
// - a resolver for other RSUs' keys (handover admissions, peer events): the key must be an assertion key of a
//   live DID whose controller holds RSU_OPERATOR in the Consortium.
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { consortiumAbi, v2xTrustStoreAbi } from "@amc/abi";
import {
  type ChainConfig,
  contractAddress,
  type DeploymentManifest,
  deployerKey,
  mainChain,
  memberKey,
  publicClientFor,
  roleId,
  type Topology,
  walletClientFor,
} from "@amc/chain";
import {
  addKey,
  chainHistory,
  createDid,
  formatDid,
  generateP256,
  kidFor,
  type PrivateJwk,
  publicOf,
  resolveAmc,
} from "@amc/did";
import { EnvironmentError, InvalidInputError, readJsonIfExists, sleep, stringify, writeFileAtomic } from "@amc/utils";
import { type Certificate, certificateDigest, type PkiCa, PkiClient, toHex } from "@amc/v2x";
import { type Address, type Hex, parseEther } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { z } from "zod";

export type RsuIdentity = { did: string; didId: Hex; kid: string; signingKey: KeyObject };

const identitySchema = z.object({
  did: z.string(),
  didId: z.string().regex(/^0x[0-9a-f]{64}$/i),
  kid: z.string(),
  jwk: z.object({ kty: z.string(), crv: z.string(), x: z.string(), y: z.string(), d: z.string() }),
});

function operatorAddress(topology: Topology): Address {
  const operator = topology.governance.members.find((m) => m.roles.includes("RSU_OPERATOR"));
  if (!operator)
    throw new InvalidInputError("no consortium member holds RSU_OPERATOR", {
      fix: "give a member the RSU_OPERATOR role in amc.config.json",
    });
  return operator.address;
}

/** Loads the RSU's identity, creating its DID on main the first time (or again if main forgot it). */
export async function ensureRsuIdentity(
  topology: Topology,
  manifest: DeploymentManifest,
  file: string,
): Promise<RsuIdentity> {
  const main = mainChain(topology);
  const client = publicClientFor(main);
  const registry = contractAddress(manifest, main.name, "DIDRegistry");
  const history = chainHistory(client, registry);
  const stored = readJsonIfExists(file);
  if (stored !== undefined) {
    const parsed = identitySchema.parse(stored);
    const resolved = await resolveAmc({ network: topology.network, chainId: main.chainId, history }, parsed.did);
    const known = resolved.didDocument?.verificationMethod?.some((m) => m.id === parsed.kid);
    if (known && !resolved.didResolutionMetadata.error)
      return {
        did: parsed.did,
        didId: parsed.didId as Hex,
        kid: parsed.kid,
        signingKey: createPrivateKey({ key: parsed.jwk, format: "jwk" }),
      };
  }
  const operatorKey = memberKey(topology, operatorAddress(topology));
  const writer = { wallet: walletClientFor(main, operatorKey), client, registry };
  const { id } = await createDid(writer, { subjectType: "device" });
  const did = formatDid(topology.network, id);
  const jwk: PrivateJwk = generateP256();
  await addKey(writer, { id, jwk: publicOf(jwk), relationship: "assertionMethod" });
  const kid = kidFor(did, jwk, "assertionMethod");
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, stringify({ did, didId: id, kid, jwk }, 2));
  chmodSync(file, 0o600);
  return { did, didId: id, kid, signingKey: createPrivateKey({ key: jwk as never, format: "jwk" }) };
}

/** On dev networks, tops up the RSU's account on its cell chain from the deployer. */
export async function ensureFunded(topology: Topology, chain: ChainConfig, key: Hex): Promise<void> {
  const client = publicClientFor(chain);
  const address = privateKeyToAddress(key);
  const balance = await client.getBalance({ address });
  if (balance >= parseEther("1")) return;
  if (topology.keys !== "dev")
    throw new EnvironmentError(`RSU account ${address} on ${chain.name} has no funds for anchoring`, {
      fix: `send it gas on ${chain.name}`,
    });
  const wallet = walletClientFor(chain, deployerKey(topology));
  const hash = await wallet.sendTransaction({ to: address, value: parseEther("100") });
  await client.waitForTransactionReceipt({ hash });
}

/** The PKI service's CA (root, PCA, schedule; the root digest checked by PkiClient); waits for it to come up. */
export async function fetchPkiCa(pkiUrl: string, timeoutMs = 60_000): Promise<PkiCa> {
  const pki = new PkiClient(pkiUrl, { timeoutMs: 3_000 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await pki.ca();
    } catch (error) {
      // Not up yet (no answer): wait; a wrong answer is an error at once.
      if (!(error instanceof EnvironmentError)) throw error;
    }
    if (Date.now() > deadline)
      throw new EnvironmentError(`the PKI service at ${pkiUrl} did not answer /v1/ca`, {
        fix: "start the platform with `npm start` (it runs the PKI service) and see .amc/logs/pki.log",
      });
    await sleep(500);
  }
}

/** Whether main's V2xTrustStore trusts `root` (read once at start; the RSU refuses to start otherwise). */
export async function rootIsTrusted(
  topology: Topology,
  manifest: DeploymentManifest,
  root: Certificate,
): Promise<boolean> {
  const main = mainChain(topology);
  return publicClientFor(main).readContract({
    address: contractAddress(manifest, main.name, "V2xTrustStore"),
    abi: v2xTrustStoreAbi,
    functionName: "isTrusted",
    args: [`0x${toHex(certificateDigest(root))}` as Hex],
  });
}

/** Resolves another RSU's key id to its public key, if it belongs to an RSU operator's live DID. */
export function rsuKeyResolver(
  topology: Topology,
  manifest: DeploymentManifest,
): (kid: string) => Promise<KeyObject | undefined> {
  const main = mainChain(topology);
  const client = publicClientFor(main);
  const history = chainHistory(client, contractAddress(manifest, main.name, "DIDRegistry"));
  const consortium = contractAddress(manifest, main.name, "Consortium");
  const cache = new Map<string, Promise<KeyObject | undefined>>();
  const resolve = async (kid: string): Promise<KeyObject | undefined> => {
    const did = kid.split("#")[0] ?? "";
    const resolved = await resolveAmc({ network: topology.network, chainId: main.chainId, history }, did);
    if (resolved.didResolutionMetadata.error || !resolved.didDocument) return undefined;
    const method = resolved.didDocument.verificationMethod?.find((m) => m.id === kid);
    const asserts = resolved.didDocument.assertionMethod?.some((m) => (typeof m === "string" ? m : m.id) === kid);
    if (!method?.publicKeyJwk || !asserts) return undefined;
    const controller = resolved.didDocument.controller;
    const address = (typeof controller === "string" ? controller : controller?.[0])?.split(":").at(-1);
    if (!address?.startsWith("0x")) return undefined;
    const isOperator = await client.readContract({
      address: consortium,
      abi: consortiumAbi,
      functionName: "hasRole",
      args: [roleId("RSU_OPERATOR"), address as Address],
    });
    return isOperator ? createPublicKey({ key: method.publicKeyJwk as never, format: "jwk" }) : undefined;
  };
  return (kid) => {
    let entry = cache.get(kid);
    if (!entry) {
      entry = resolve(kid).catch(() => undefined);
      cache.set(kid, entry);
      // Negative answers are retried after a minute (the DID may be created meanwhile).
      void entry.then((key) => {
        if (!key) setTimeout(() => cache.delete(kid), 60_000).unref();
      });
    }
    return entry;
  };
}
