// Issue 4's "done when", on real chains: an OBU enrolled against a real vehicle DID (with its OEM-issued identity
// credential checked against the registry and the consortium) signs a CAM with its authorization ticket; Wireshark
// decodes it and our RSU-side verifier accepts it; the misbehaviour authority revokes the vehicle by publishing its
// linkage seeds on main, the relayer carries them to the edge cell, and the RSU then refuses every ticket of that
// vehicle; tracing the ticket to the vehicle works only with all four authorities.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { consortiumAbi, identityMirrorAbi, v2xTrustStoreAbi } from "@amc/abi";
import { contractAddress, devKeyIndex, devPrivateKey, publicClientFor, walletClientFor } from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import {
  addKey,
  chainHistory,
  createDid,
  formatDid,
  generateP256 as generateJwk,
  kidFor,
  produceVehicle,
  publicOf,
  resolveAmc,
  specHash,
  vehicleIdFromVin,
} from "@amc/did";
import { waitFor } from "@amc/utils";
import { issueCredential, verifyCredential } from "@amc/vc";
import { type Hex, keccak256, stringToHex, toHex } from "viem";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LocalAgents, startLocalAgents } from "../apps/relayer/src/local.js";
import { CertificateCodec } from "../packages/v2x/src/ieee1609/codec.js";
import { certificateDigest } from "../packages/v2x/src/ieee1609/hash.js";
import { issueCertificate, signData } from "../packages/v2x/src/ieee1609/sign.js";
import { generateP256, PSID, toBeSigned } from "../packages/v2x/src/ieee1609/testing.js";
import type { Certificate } from "../packages/v2x/src/ieee1609/types.js";
import { encodeCam } from "../packages/v2x/src/its/cam.js";
import { encodeDenm } from "../packages/v2x/src/its/denm.js";
import { sampleCam, sampleDenm } from "../packages/v2x/src/its/testing.js";
import {
  EnrolmentAuthority,
  LinkageAuthority,
  PseudonymCa,
  revocationSeeds,
  type Schedule,
  slotsPerPeriod,
  traceTicket,
} from "../packages/v2x/src/pki/authorities.js";
import { RsuVerifier } from "../packages/v2x/src/pki/rsu.js";
import { RevocationSet, sec1Compressed, ticketLinkage, ticketSigner } from "../packages/v2x/src/pki/ticketing.js";

let net: LocalNet;
let agents: LocalAgents;
beforeAll(async () => {
  net = await startLocalNet(undefined, { blockTimeSeconds: 0 });
  agents = startLocalAgents(net.topology, net.manifest);
});
afterAll(async () => {
  await agents?.stop();
  await net?.stop();
});

const hasTshark = (() => {
  try {
    execFileSync("tshark", ["-v"], { stdio: "ignore" });
    execFileSync("text2pcap", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

function tsharkDecode(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "amc-v2x-"));
  const hex =
    Buffer.from(bytes)
      .toString("hex")
      .match(/.{1,2}/g) ?? [];
  writeFileSync(join(dir, "m.txt"), `000000 ${hex.join(" ")}\n`);
  execFileSync("text2pcap", ["-q", "-l", "147", join(dir, "m.txt"), join(dir, "m.pcap")], { stdio: "pipe" });
  return execFileSync(
    "tshark",
    [
      "-o",
      'uat:user_dlts:"User 0 (DLT=147)","ieee1609dot2.data","0","","0",""',
      "-T",
      "json",
      "-r",
      join(dir, "m.pcap"),
    ],
    { encoding: "utf8" },
  );
}

it("enrols a real vehicle, verifies its signed CAM, revokes it through the chain and traces it with four authorities", async (ctx) => {
  const main = net.topology.chains[0]!;
  const cell = net.topology.chains[1]!;
  const client = publicClientFor(main);
  const registry = contractAddress(net.manifest, "main", "DIDRegistry");
  const consortium = contractAddress(net.manifest, "main", "Consortium");

  // --- identity: an OEM DID with a signing key, a vehicle produced from its VIN, its identity credential
  const oemWallet = walletClientFor(main, devPrivateKey(devKeyIndex.firstMember));
  const { id: oemId } = await createDid({ wallet: oemWallet, client, registry }, { subjectType: "organisation" });
  const oemDid = formatDid("test", oemId);
  const oemKey = generateJwk();
  await addKey(
    { wallet: oemWallet, client, registry },
    { id: oemId, jwk: publicOf(oemKey), relationship: "assertionMethod" },
  );
  const vehicleId = vehicleIdFromVin("WVWZZZ1KZ6W999999", Buffer.alloc(32, 9));
  const vehicleDid = formatDid("test", vehicleId);
  await produceVehicle(
    { wallet: oemWallet, client, lifecycle: contractAddress(net.manifest, "main", "VehicleLifecycle") },
    { id: vehicleId, specHash: specHash({}) },
  );
  const identityCredential = issueCredential({
    type: "VehicleIdentityCredential",
    issuer: oemDid,
    kid: kidFor(oemDid, oemKey, "assertionMethod"),
    privateKey: oemKey,
    subject: { id: vehicleDid, vin: "WVWZZZ1KZ6W999999", make: "Demo", model: "E1", year: 2026, powertrain: "BEV" },
    format: "vc+jwt",
  });

  // The EA's check: a live vehicle DID and a valid identity credential about it, from an OEM of the consortium.
  const resolverConfig = { network: "test", chainId: main.chainId, history: chainHistory(client, registry) };
  const checkVehicle = async (did: string, credential: string) => {
    const resolved = await resolveAmc(resolverConfig, did);
    if (resolved.didResolutionMetadata.error || resolved.didDocumentMetadata.subjectType !== "vehicle")
      return {
        ok: false as const,
        reason: `not a live vehicle DID (${resolved.didResolutionMetadata.error ?? "wrong type"})`,
      };
    const result = await verifyCredential(credential, {
      checkStatus: false,
      resolveKey: async (kid) =>
        (await resolveAmc(resolverConfig, kid.split("#")[0] ?? "")).didDocument?.verificationMethod?.find(
          (m) => m.id === kid,
        )?.publicKeyJwk,
      issuerHasRole: async (issuer, role) => {
        const controller = (await resolveAmc(resolverConfig, issuer)).didDocument?.controller;
        const address = typeof controller === "string" ? controller.split(":").at(-1) : undefined;
        if (!address?.startsWith("0x")) return false;
        return client.readContract({
          address: consortium,
          abi: consortiumAbi,
          functionName: "hasRole",
          args: [keccak256(stringToHex(role)), address as Hex],
        });
      },
    });
    if (!result.verified || result.credential?.credentialSubject === undefined)
      return { ok: false as const, reason: `credential refused: ${result.errors.map((e) => e.code).join(",")}` };
    const subject = result.credential.credentialSubject;
    const subjectId = Array.isArray(subject) ? subject[0]?.id : subject.id;
    return subjectId === did
      ? { ok: true as const }
      : { ok: false as const, reason: "the credential is about another vehicle" };
  };

  // --- the PKI: root and PCA certificates (IEEE 1609.2), registered in the main chain's trust store
  const now = new Date();
  const rootKey = generateP256();
  const pcaKey = generateP256();
  const root = issueCertificate({
    toBeSigned: {
      ...toBeSigned({
        key: rootKey.publicKey,
        start: new Date(now.getTime() - 3_600_000),
        hours: 24 * 365,
        certIssuePermissions: [{ subjectPermissions: { type: "all" }, minChainLength: 2, chainLengthRange: -1 }],
      }),
      id: { type: "name", name: "amc-test-root" },
    },
    issuer: { certificate: "self", privateKey: rootKey.privateKey },
  });
  const pcaCert = issueCertificate({
    toBeSigned: {
      ...toBeSigned({
        key: pcaKey.publicKey,
        start: new Date(now.getTime() - 3_600_000),
        hours: 24 * 30,
        certIssuePermissions: [
          { subjectPermissions: { type: "explicit", ranges: [{ psid: PSID.cam }, { psid: PSID.denm }] } },
        ],
      }),
      id: { type: "name", name: "amc-test-pca" },
    },
    issuer: { certificate: root, privateKey: rootKey.privateKey },
  });
  const ca = walletClientFor(main, devPrivateKey(devKeyIndex.firstMember + 1)); // CERTIFICATE_AUTHORITY and REGULATOR
  const trustStore = contractAddress(net.manifest, "main", "V2xTrustStore");
  const addCert = async (cert: Certificate, role: number, issuer: Certificate) => {
    const hash = await ca.writeContract({
      address: trustStore,
      abi: v2xTrustStoreAbi,
      functionName: "addCertificate",
      args: [
        toHex(certificateDigest(cert)),
        toHex(CertificateCodec.encode(cert)),
        role,
        toHex(certificateDigest(issuer)),
      ],
    });
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
  };
  await addCert(root, 1, root);
  await addCert(pcaCert, 3, root);

  // --- enrolment and tickets: the current hour is slot 0 of period 0
  const schedule: Schedule = {
    periodSeconds: 7 * 24 * 3600,
    slotSeconds: 3600,
    epoch: Math.floor(now.getTime() / 1000) - 60,
  };
  const la1 = new LinkageAuthority(0x0a01);
  const la2 = new LinkageAuthority(0x0a02);
  const pca = new PseudonymCa(
    schedule,
    la1.laId,
    la2.laId,
    ticketSigner(
      { certificate: pcaCert, privateKey: pcaKey.privateKey },
      { appPermissions: [{ psid: PSID.cam }, { psid: PSID.denm }] },
    ),
  );
  const ea = new EnrolmentAuthority(checkVehicle, la1, la2);
  expect(await ea.enrol(vehicleDid, "not-a-credential", new Uint8Array(33))).toMatchObject({ ok: false });
  expect(await ea.enrol(vehicleDid, identityCredential, new Uint8Array(33))).toMatchObject({ ok: true });
  const ticketKeys = [generateP256(), generateP256()];
  const tickets = pca.issueBatch(
    ea.ticketRequest(
      vehicleDid,
      0,
      [0, 1],
      ticketKeys.map((k) => sec1Compressed(k.publicKey)),
      pca.keys.publicRaw,
    ),
  );
  const ticket = tickets[0]!.ticket;

  // --- the OBU signs a CAM (carrying its ticket) and a DENM (by digest); the RSU trusts the root the main chain's
  // trust store lists, and verifies chain, signature, freshness, replay and revocation
  const signed = signData({
    payload: encodeCam(sampleCam),
    psid: PSID.cam,
    signer: { certificate: ticket, privateKey: ticketKeys[0]!.privateKey },
    signerIdentifierMode: "certificate",
  });
  const denm = signData({
    payload: encodeDenm(sampleDenm),
    psid: PSID.denm,
    signer: { certificate: ticket, privateKey: ticketKeys[0]!.privateKey },
    signerIdentifierMode: "digest",
  });
  const rootTrusted = await client.readContract({
    address: trustStore,
    abi: v2xTrustStoreAbi,
    functionName: "isTrusted",
    args: [toHex(certificateDigest(root))],
  });
  expect(rootTrusted).toBe(true);
  const revocations = new RevocationSet(slotsPerPeriod(schedule));
  const rsu = new RsuVerifier({
    caChains: [[pcaCert, root]],
    isTrustedRoot: (digest) => rootTrusted && Buffer.from(digest).equals(Buffer.from(certificateDigest(root))),
    revocations,
  });
  const rsuVerify = (bytes: Uint8Array) => {
    const result = rsu.verify(bytes);
    return result.ok ? "accepted" : result.reason;
  };
  expect(rsuVerify(denm)).toBe("unknown_signer"); // the RSU has not seen this ticket yet
  expect(rsuVerify(signed)).toBe("accepted"); // the CAM carries it
  expect(rsuVerify(denm)).toBe("accepted"); // now known by digest
  expect(rsuVerify(signed)).toBe("replayed");

  if (hasTshark) {
    const cam = tsharkDecode(signed);
    expect(cam).toContain('"ieee1609dot2.psid": "36"');
    expect(cam).toContain("ieee1609dot2.linkage_value");
    expect(tsharkDecode(denm)).toContain('"ieee1609dot2.psid": "37"');
  } else if (process.env.CI === "true") {
    throw new Error("tshark is required under CI: apt-get install tshark");
  }

  // --- misbehaviour: a report about the ticket is recorded on main (the RSU operator's or regulator's account)
  const report = await ca.writeContract({
    address: trustStore,
    abi: v2xTrustStoreAbi,
    functionName: "reportMisbehaviour",
    args: [toHex(certificateDigest(ticket)), keccak256(stringToHex("implausible speed jumps"))],
  });
  expect((await client.waitForTransactionReceipt({ hash: report })).status).toBe("success");
  expect(
    await client.readContract({
      address: trustStore,
      abi: v2xTrustStoreAbi,
      functionName: "misbehaviourReportCount",
      args: [toHex(certificateDigest(ticket))],
    }),
  ).toBe(1n);

  // --- revocation: PCA + LA1 + LA2 give the seeds, the MA (a REGULATOR) publishes them, the edge cell learns them
  const seeds = revocationSeeds({ pca, la1, la2 }, ticketLinkage(ticket)!.linkageValue, 0);
  const publish = await ca.writeContract({
    address: trustStore,
    abi: v2xTrustStoreAbi,
    functionName: "publishLinkageSeeds",
    args: [
      seeds.period,
      seeds.laId1,
      toHex(seeds.seed1),
      seeds.laId2,
      toHex(seeds.seed2),
      keccak256(stringToHex("misbehaviour report 1")),
    ],
  });
  expect((await client.waitForTransactionReceipt({ hash: publish })).status).toBe("success");
  const cellClient = publicClientFor(cell);
  const mirror = contractAddress(net.manifest, cell.name, "IdentityMirror");
  await waitFor(
    async () =>
      (await cellClient.readContract({ address: mirror, abi: identityMirrorAbi, functionName: "linkageSeedCount" })) ===
      1n
        ? true
        : undefined,
    {
      timeoutMs: 30_000,
      what: "the edge cell's mirror to receive the linkage seeds",
    },
  );
  const [period, laId1, seed1, laId2, seed2] = await cellClient.readContract({
    address: mirror,
    abi: identityMirrorAbi,
    functionName: "linkageSeed",
    args: [0n],
  });
  revocations.add({
    period,
    laId1,
    seed1: Buffer.from(seed1.slice(2), "hex"),
    laId2,
    seed2: Buffer.from(seed2.slice(2), "hex"),
  });
  const fresh = signData({
    payload: encodeCam(sampleCam),
    psid: PSID.cam,
    signer: { certificate: ticket, privateKey: ticketKeys[0]!.privateKey },
    signerIdentifierMode: "certificate",
  });
  expect(rsuVerify(fresh)).toBe("revoked");
  for (const t of tickets) expect(revocations.isRevoked(t.ticket)).toBe(true);

  // --- tracing needs all four authorities
  const lv = ticketLinkage(ticket)!.linkageValue;
  expect(traceTicket({ pca, la1, la2, ea }, lv)).toBe(vehicleDid);
  expect(traceTicket({ pca, la1, la2, ea: { vehicleOf: () => undefined } }, lv)).toBeUndefined();
  ctx.annotate(`vehicle ${vehicleDid} enrolled, ${tickets.length} tickets, revoked and traced`);
}, 90_000);
