// The credential flow through the gateway's HTTP API on real chains: an OEM issues a vehicle identity credential,
// sells the vehicle, the owner grants an insurer access, the insurer's presentation verifies, and fails once the
// owner revokes the grant (the revocation anchored on the main chain). Authentication and roles are enforced.
import { join } from "node:path";
import { statusListRegistryAbi } from "@amc/abi";
import { contractAddress, devKeyIndex, devPrivateKey, publicClientFor, walletClientFor } from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import {
  addKey,
  createDid,
  createDidAuthToken,
  formatDid,
  generateP256,
  Keystore,
  produceVehicle,
  publicOf,
  scrapVehicle,
  specHash,
  transferVehicle,
  vehicleIdFromVin,
} from "@amc/did";
import { issueVpJwt } from "@amc/vc";
import type { FastifyInstance } from "fastify";
import { keccak256, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGateway } from "./app.js";

let net: LocalNet;
let app: FastifyInstance;
let keystore: Keystore;
beforeAll(async () => {
  net = await startLocalNet([{ name: "main", role: "main" }], { blockTimeSeconds: 0 });
  app = await buildGateway(net.topology, net.manifest, { home: net.paths.home });
  keystore = new Keystore(join(net.paths.home, "keys"));
});
afterAll(async () => {
  await app?.close();
  await net?.stop();
});

const audience = () => `http://127.0.0.1:${net.topology.services.gateway.port}`;

/** Creates a DID controlled by dev account `index`, with one P-256 key for signing and authentication. */
async function newDid(index: number, subjectType: "organisation" | "person") {
  const main = net.topology.chains[0]!;
  const writer = {
    wallet: walletClientFor(main, devPrivateKey(index)),
    client: publicClientFor(main),
    registry: contractAddress(net.manifest, "main", "DIDRegistry"),
  };
  const { id } = await createDid(writer, { subjectType });
  const did = formatDid("test", id);
  const key = generateP256();
  await addKey(writer, { id, jwk: publicOf(key), relationship: "assertionMethod" });
  await addKey(writer, { id, jwk: publicOf(key), relationship: "authentication" });
  keystore.add(did, "assertionMethod", key);
  const auth = keystore.add(did, "authentication", key);
  return {
    did,
    key,
    auth,
    token: () => createDidAuthToken({ did, kid: auth.kid, privateJwk: key, audience: audience() }),
  };
}

const post = (url: string, body: unknown, token?: string) =>
  app.inject({ method: "POST", url, payload: body as object, headers: token ? { authorization: `DID ${token}` } : {} });

describe("credentials through the gateway (real anvil)", () => {
  it("runs the OEM -> owner -> insurer flow, and revocation makes the presentation fail", async () => {
    const main = net.topology.chains[0]!;
    const client = publicClientFor(main);
    const oemIndex = devKeyIndex.firstMember; // member 0 holds OEM
    const oem = await newDid(oemIndex, "organisation");
    const ownerIndex = 7;
    const owner = await newDid(ownerIndex, "person");
    const insurer = await newDid(devKeyIndex.firstMember + 2, "organisation");

    const vehicleId = vehicleIdFromVin("WVWZZZ1KZ6W654321", Buffer.alloc(32, 3));
    const vehicle = formatDid("test", vehicleId);
    const lifecycle = contractAddress(net.manifest, "main", "VehicleLifecycle");
    const oemWriter = { wallet: walletClientFor(main, devPrivateKey(oemIndex)), client, lifecycle };
    await produceVehicle(oemWriter, { id: vehicleId, specHash: specHash({ model: "E1" }) });

    const identity = await post(
      "/credentials/issue",
      {
        credential: {
          type: ["VerifiableCredential", "VehicleIdentityCredential"],
          issuer: oem.did,
          credentialSubject: {
            id: vehicle,
            vin: "WVWZZZ1KZ6W654321",
            make: "Demo",
            model: "E1",
            year: 2026,
            powertrain: "BEV",
          },
        },
      },
      oem.token(),
    );
    expect(identity.statusCode, identity.body).toBe(200);
    const verifiedIdentity = (
      await post("/credentials/verify", { verifiableCredential: identity.json().verifiableCredential })
    ).json();
    expect(verifiedIdentity).toMatchObject({ verified: true, errors: [] });

    // Only an OEM may issue a vehicle identity: the owner may not.
    const forged = await post(
      "/credentials/issue",
      {
        credential: {
          type: ["VerifiableCredential", "VehicleIdentityCredential"],
          issuer: owner.did,
          credentialSubject: {
            id: vehicle,
            vin: "WVWZZZ1KZ6W654321",
            make: "X",
            model: "Y",
            year: 2026,
            powertrain: "BEV",
          },
        },
      },
      owner.token(),
    );
    expect(forged.statusCode).toBe(403);
    expect(forged.headers["content-type"]).toContain("application/problem+json");
    expect(forged.json()).toMatchObject({ status: 403, title: "Issuer not authorised" });

    // Sold to the owner; the owner (now the vehicle DID's controller) grants the insurer access.
    await transferVehicle(oemWriter, {
      id: vehicleId,
      to: walletClientFor(main, devPrivateKey(ownerIndex)).account.address,
    });
    const grantBody = {
      credential: {
        type: ["VerifiableCredential", "AccessGrantCredential"],
        issuer: owner.did,
        credentialSubject: {
          id: insurer.did,
          vehicle,
          scopes: ["driving-behaviour"],
          purpose: "usage-based insurance quote",
          expiry: "2027-12-31T00:00:00Z",
        },
      },
    };
    expect((await post("/credentials/issue", grantBody, oem.token())).statusCode).toBe(403); // caller is not the issuer
    const grant = await post("/credentials/issue", grantBody, owner.token());
    expect(grant.statusCode, grant.body).toBe(200);
    const { verifiableCredential, id: grantId } = grant.json();

    // The insurer presents it to a verifier that gave a challenge.
    const jwt = decodeURIComponent(String(verifiableCredential.id).replace(/^data:application\/vc\+jwt,/, ""));
    const present = () =>
      issueVpJwt({
        holder: insurer.did,
        kid: insurer.auth.kid,
        privateKey: insurer.key,
        credentials: [jwt],
        nonce: "n-123",
        audience: "did:example:verifier",
      });
    const presented = await post("/presentations/verify", {
      verifiablePresentation: present(),
      options: { challenge: "n-123", domain: "did:example:verifier" },
    });
    expect(presented.json(), presented.body).toMatchObject({ verified: true, holder: insurer.did });
    const wrongChallenge = await post("/presentations/verify", {
      verifiablePresentation: present(),
      options: { challenge: "other", domain: "did:example:verifier" },
    });
    expect(wrongChallenge.json().verified).toBe(false);

    // Revocation by the issuer, anchored on chain; the same presentation now fails.
    expect(
      (
        await post("/credentials/status", {
          credentialId: grantId,
          credentialStatus: [{ type: "BitstringStatusListEntry", status: "revoked" }],
        })
      ).statusCode,
    ).toBe(401);
    const revoked = await post(
      "/credentials/status",
      { credentialId: grantId, credentialStatus: [{ type: "BitstringStatusListEntry", status: "revoked" }] },
      owner.token(),
    );
    expect(revoked.json(), revoked.body).toMatchObject({ revoked: true, anchored: ["revocation"] });
    const listUrl = `${audience()}/status/${owner.did}/revocation`;
    const [, version] = await client.readContract({
      address: contractAddress(net.manifest, "main", "StatusListRegistry"),
      abi: statusListRegistryAbi,
      functionName: "current",
      args: [keccak256(stringToHex(listUrl))],
    });
    expect(version).toBe(1n);
    const after = (
      await post("/presentations/verify", {
        verifiablePresentation: present(),
        options: { challenge: "n-123", domain: "did:example:verifier" },
      })
    ).json();
    expect(after.verified).toBe(false);
    expect(JSON.stringify(after)).toContain("revoked");

    // Scrapping the vehicle revokes what was said about it: the OEM's identity credential stops verifying.
    await scrapVehicle({ wallet: walletClientFor(main, devPrivateKey(ownerIndex)), client, lifecycle }, vehicleId);
    let identityAfter: { verified: boolean; errors: { code: string }[] } = { verified: true, errors: [] };
    for (let i = 0; i < 40 && identityAfter.verified; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      identityAfter = (
        await post("/credentials/verify", { verifiableCredential: identity.json().verifiableCredential })
      ).json();
    }
    expect(identityAfter.verified).toBe(false);
    expect(identityAfter.errors.map((e) => e.code)).toContain("revoked");
  }, 60_000);

  it("answers a malformed body with RFC 9457 problem details naming the field", async () => {
    const response = await post("/credentials/verify", { verifiableCredential: 42 });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ title: "Invalid request body", status: 400 });
    expect(response.json().errors[0].pointer).toBe("/verifiableCredential");
  });
});
