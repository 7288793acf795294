// The PKI's two writes to the main chain's V2xTrustStore: registering its CA certificates (as the
// CERTIFICATE_AUTHORITY member, idempotently: a certificate already listed is left alone) and publishing a revoked
// vehicle's linkage seeds (as the REGULATOR member acting as misbehaviour authority), which the store dispatches to
// every chain's IdentityMirror. Which member signs comes from the topology's roles; keys come from memberKey
// (the dev mnemonic on a dev topology, AMC_MEMBER_KEY otherwise).
import { v2xTrustStoreAbi } from "@amc/abi";
import { type ChainPublicClient, type ChainWalletClient, memberKey, type RoleName, type Topology } from "@amc/chain";
import { EnvironmentError, InvalidInputError } from "@amc/utils";
import { type Certificate, CertificateCodec, certificateDigest, toHex as hex, type PublishedSeeds } from "@amc/v2x";
import { type Address, type Hash, type Hex, parseEventLogs, toHex } from "viem";

/** IV2xTrustStore.CertRole. */
export const CertRole = {
  Root: 1,
  EnrolmentAuthority: 2,
  PseudonymCa: 3,
  LinkageAuthority: 4,
  MisbehaviourAuthority: 5,
} as const;

/**
 * The key of a consortium member holding every role in `roles`, or failing that the first holding `roles[0]`:
 * the misbehaviour authority is the member that is both REGULATOR and CERTIFICATE_AUTHORITY when there is one.
 */
export function memberKeyWithRoles(topology: Topology, roles: readonly RoleName[]): Hex {
  const members = topology.governance.members;
  const member =
    members.find((m) => roles.every((r) => m.roles.includes(r))) ??
    members.find((m) => roles[0] !== undefined && m.roles.includes(roles[0]));
  if (!member)
    throw new InvalidInputError(`no consortium member of the topology holds the ${roles[0]} role`, {
      fix: `give a member the ${roles[0]} role in the topology's governance.members`,
    });
  return memberKey(topology, member.address);
}

export type TrustStoreAccess = { client: ChainPublicClient; wallet: ChainWalletClient; address: Address };

async function confirmed(access: TrustStoreAccess, hash: Hash, what: string) {
  const receipt = await access.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success")
    throw new EnvironmentError(`${what} reverted on the main chain (transaction ${hash})`);
  return receipt;
}

/**
 * Adds `certificate` to the trust store under its HashedId8 unless it is there already; refuses to go on when it
 * is there but revoked (a revoked root can never be trusted again).
 */
export async function registerCertificate(
  access: TrustStoreAccess,
  certificate: Certificate,
  role: (typeof CertRole)[keyof typeof CertRole],
  issuer: Certificate,
): Promise<"added" | "present"> {
  const digest = toHex(certificateDigest(certificate));
  const info = await access.client.readContract({
    address: access.address,
    abi: v2xTrustStoreAbi,
    functionName: "certificate",
    args: [digest],
  });
  if (info.role !== 0) {
    if (info.revoked)
      throw new EnvironmentError(
        `the trust store lists certificate ${hex(certificateDigest(certificate))} as revoked`,
        {
          fix: "delete <home>/pki/ca to create a new root, then restart the PKI service",
        },
      );
    return "present";
  }
  const hash = await access.wallet.writeContract({
    address: access.address,
    abi: v2xTrustStoreAbi,
    functionName: "addCertificate",
    args: [digest, toHex(CertificateCodec.encode(certificate)), role, toHex(certificateDigest(issuer))],
  });
  await confirmed(access, hash, "adding a certificate to the trust store");
  return "added";
}

/** Publishes a revoked vehicle's linkage seeds; resolves once mined, with the seed entry's index. */
export async function publishLinkageSeeds(
  access: TrustStoreAccess,
  seeds: PublishedSeeds,
  reportHash: Hex,
): Promise<{ txHash: Hash; seedIndex: number | undefined }> {
  const hash = await access.wallet.writeContract({
    address: access.address,
    abi: v2xTrustStoreAbi,
    functionName: "publishLinkageSeeds",
    args: [seeds.period, seeds.laId1, toHex(seeds.seed1), seeds.laId2, toHex(seeds.seed2), reportHash],
  });
  const receipt = await confirmed(access, hash, "publishing linkage seeds");
  const [event] = parseEventLogs({ abi: v2xTrustStoreAbi, logs: receipt.logs, eventName: "LinkageSeedsPublished" });
  return { txHash: hash, seedIndex: event === undefined ? undefined : Number(event.args.index) };
}
