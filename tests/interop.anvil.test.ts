// Standard tools, not ours, accept our output: did-jwt resolves did:amc through did-resolver with our resolver
// and verifies our vc+jwt credentials; did-jwt-vc verifies credentials signed by did:amc keys.
import { contractAddress, devKeyIndex, devPrivateKey, publicClientFor, walletClientFor } from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { addKey, chainHistory, createDid, formatDid, generateP256, getResolver, kidFor, publicOf } from "@amc/did";
import { issueCredential } from "@amc/vc";
import { ES256Signer, verifyJWT } from "did-jwt";
import { createVerifiableCredentialJwt, verifyCredential } from "did-jwt-vc";
import { Resolver } from "did-resolver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let net: LocalNet;
let resolver: Resolver;
let issuer: { did: string; key: ReturnType<typeof generateP256> };
beforeAll(async () => {
  net = await startLocalNet([{ name: "main", role: "main" }], { blockTimeSeconds: 0 });
  const main = net.topology.chains[0]!;
  const client = publicClientFor(main);
  const registry = contractAddress(net.manifest, "main", "DIDRegistry");
  const writer = { wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember)), client, registry };
  const { id } = await createDid(writer, { subjectType: "organisation" });
  const key = generateP256();
  await addKey(writer, { id, jwk: publicOf(key), relationship: "assertionMethod" });
  issuer = { did: formatDid("test", id), key };
  resolver = new Resolver(
    getResolver({ network: "test", chainId: main.chainId, history: chainHistory(client, registry) }),
  );
});
afterAll(async () => net?.stop());

describe("interop with did-jwt and did-jwt-vc", () => {
  it("did-jwt verifies our vc+jwt credential through our did:amc resolver", async () => {
    const subject = `did:amc:test:${"ab".repeat(32)}`;
    const jwt = issueCredential({
      type: "VehicleIdentityCredential",
      issuer: issuer.did,
      kid: kidFor(issuer.did, issuer.key, "assertionMethod"),
      privateKey: issuer.key,
      subject: { id: subject, vin: "WVWZZZ1KZ6W123456", make: "Demo", model: "E1", year: 2026, powertrain: "BEV" },
      format: "vc+jwt",
    });
    const result = await verifyJWT(jwt, { resolver, proofPurpose: "assertionMethod" });
    expect(result.verified).toBe(true);
    expect(result.issuer).toBe(issuer.did);
    expect(result.payload.credentialSubject).toMatchObject({ id: subject, vin: "WVWZZZ1KZ6W123456" });
    // A tampered payload is refused by the same tool.
    const [h, p, s] = jwt.split(".");
    const tampered = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(p ?? "", "base64url").toString()),
        credentialSubject: { id: subject, vin: "XXX" },
      }),
    ).toString("base64url");
    await expect(verifyJWT(`${h}.${tampered}.${s}`, { resolver })).rejects.toThrow(/signature/i);
  });

  it("did-jwt-vc verifies a credential signed with a did:amc key, resolving through our resolver", async () => {
    const signer = ES256Signer(Buffer.from(issuer.key.d, "base64url"));
    const vcJwt = await createVerifiableCredentialJwt(
      {
        sub: `did:amc:test:${"cd".repeat(32)}`,
        nbf: Math.floor(Date.now() / 1000) - 10,
        vc: {
          "@context": ["https://www.w3.org/2018/credentials/v1"],
          type: ["VerifiableCredential", "VehicleOwnershipCredential"],
          credentialSubject: { owner: `did:amc:test:${"ef".repeat(32)}` },
        },
      },
      { did: issuer.did, signer, alg: "ES256" },
      { header: { kid: kidFor(issuer.did, issuer.key, "assertionMethod") } },
    );
    const verified = await verifyCredential(vcJwt, resolver);
    expect(verified.verified).toBe(true);
    expect(verified.issuer).toBe(issuer.did);
  });
});
