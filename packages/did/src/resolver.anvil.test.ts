// did:amc on a real chain: DIDs created, keys published and rotated, a vehicle produced from its VIN and
// scrapped; resolution from the chain walk and from the index agree, `versionTime` shows the past, and did-jwt
// (a standard tool, not ours) verifies JWTs signed by did:amc keys through the did-resolver interface.
import { generateKeyPairSync } from "node:crypto";
import { didRegistryAbi } from "@amc/abi";
import { contractAddress, devKeyIndex, devPrivateKey, publicClientFor, walletClientFor } from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { createJWT, ES256Signer, verifyJWT } from "did-jwt";
import { Resolver } from "did-resolver";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDid } from "./did.js";
import { jwkThumbprint } from "./document.js";
import {
  addKey,
  createDid,
  didIdFor,
  produceVehicle,
  randomSalt,
  revokeKey,
  scrapVehicle,
  specHash,
  vehicleInfo,
} from "./identity.js";
import { chainHistory, getResolver, RegistryIndex, resolveAmc } from "./resolver.js";
import { vehicleIdFromVin } from "./vin.js";

let net: LocalNet;
beforeAll(async () => {
  net = await startLocalNet([{ name: "main", role: "main" }], { blockTimeSeconds: 0 });
});
afterAll(async () => net?.stop());

function p256() {
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  return {
    publicJwk: { kty: "EC", crv: "P-256", x: jwk.x ?? "", y: jwk.y ?? "" },
    privateKey: Buffer.from(jwk.d ?? "", "base64url"),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("did:amc resolution (real anvil)", () => {
  it("resolves, rotates, answers versionTime, and interoperates with did-jwt", async () => {
    const main = net.topology.chains[0]!;
    const client = publicClientFor(main);
    const registry = contractAddress(net.manifest, "main", "DIDRegistry");
    const writer = { wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember + 1)), client, registry };
    const config = { network: "test", chainId: main.chainId, history: chainHistory(client, registry) };
    const index = new RegistryIndex(client, registry);
    const indexed = { ...config, history: index.history };

    const { id } = await createDid(writer, { subjectType: "organisation" });
    const did = formatDid("test", id);
    const k1 = p256();
    await addKey(writer, { id, jwk: k1.publicJwk, relationship: "assertionMethod" });
    await addKey(writer, { id, jwk: k1.publicJwk, relationship: "authentication" });

    const first = await resolveAmc(config, did);
    expect(first.didResolutionMetadata.error).toBeUndefined();
    expect(first.didDocument?.assertionMethod).toContain(`${did}#${jwkThumbprint(k1.publicJwk)}-assertionMethod`);
    expect(await resolveAmc(indexed, did)).toEqual(first);

    // did-jwt resolves did:amc through did-resolver and checks an ES256 signature by the published key.
    const resolver = new Resolver(getResolver(config));
    const kid = `${did}#${jwkThumbprint(k1.publicJwk)}-assertionMethod`;
    const jwt = await createJWT(
      { claim: "hello" },
      { issuer: did, signer: ES256Signer(k1.privateKey) },
      { alg: "ES256", kid },
    );
    const verified = await verifyJWT(jwt, { resolver, proofPurpose: "assertionMethod" });
    expect(verified.verified).toBe(true);
    expect(verified.issuer).toBe(did);

    // Rotate: a new key in, the old key out. The past stays resolvable with versionTime.
    const before = first.didDocumentMetadata.updated ?? "";
    await sleep(1100); // block timestamps have one-second resolution
    const k2 = p256();
    await addKey(writer, { id, jwk: k2.publicJwk, relationship: "assertionMethod" });
    await revokeKey(writer, { id, jwk: k1.publicJwk, relationship: "assertionMethod" });
    const now = await resolveAmc(config, did);
    const keys = now.didDocument?.verificationMethod
      ?.filter((m) => (m.id ?? "").endsWith("-assertionMethod"))
      .map((m) => m.publicKeyJwk);
    expect(keys).toEqual([k2.publicJwk]);
    await expect(verifyJWT(jwt, { resolver, proofPurpose: "assertionMethod" })).rejects.toThrow(
      /no matching public key|invalid_signature/,
    );
    const then = await resolveAmc(config, did, { versionTime: before });
    expect(then.didDocument?.assertionMethod).toContain(kid);
    expect(then.didDocumentMetadata.nextVersionId).toBeDefined();
    expect(await resolveAmc(indexed, did)).toEqual(now);
  }, 30_000);

  it("resolves a vehicle produced from its VIN and reports it deactivated after scrapping", async () => {
    const main = net.topology.chains[0]!;
    const client = publicClientFor(main);
    const oem = { wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember)), client };
    const lifecycle = contractAddress(net.manifest, "main", "VehicleLifecycle");
    const registry = contractAddress(net.manifest, "main", "DIDRegistry");
    const id: Hex = vehicleIdFromVin("WVWZZZ1KZ6W123456", Buffer.alloc(32, 1));
    await produceVehicle({ ...oem, lifecycle }, { id, specHash: specHash({ make: "Demo", model: "E1" }) });
    const config = { network: "test", chainId: main.chainId, history: chainHistory(client, registry) };
    const did = formatDid("test", id);
    const produced = await resolveAmc(config, did);
    expect(produced.didDocumentMetadata.subjectType).toBe("vehicle");
    expect(produced.didDocument?.controller).toBe(`did:pkh:eip155:${main.chainId}:${oem.wallet.account.address}`);
    expect((await vehicleInfo(client, lifecycle, id)).state).toBe("produced");

    await scrapVehicle({ ...oem, lifecycle }, id);
    const scrapped = await resolveAmc(config, did);
    expect(scrapped.didResolutionMetadata.error).toBe("deactivated");
    expect(scrapped.didDocumentMetadata.deactivated).toBe(true);
    expect(scrapped.didDocument).toEqual({ "@context": ["https://www.w3.org/ns/did/v1"], id: did });
  });

  it("derives created ids from the creator and a salt, so nobody can take a vehicle's id first", async () => {
    const main = net.topology.chains[0]!;
    const client = publicClientFor(main);
    const registry = contractAddress(net.manifest, "main", "DIDRegistry");
    const lifecycle = contractAddress(net.manifest, "main", "VehicleLifecycle");
    const config = { network: "test", chainId: main.chainId, history: chainHistory(client, registry) };
    const a = { wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember + 2)), client, registry };
    const b = { wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember + 3)), client, registry };
    const didId = (creator: Hex, salt: Hex) =>
      client.readContract({ address: registry, abi: didRegistryAbi, functionName: "didId", args: [creator, salt] });

    // The id is keccak256(abi.encode(creator, salt)): computed locally, by the contract, and in the event.
    const salt = randomSalt();
    const mine = await createDid(a, { salt, subjectType: "person" });
    expect(mine.salt).toBe(salt);
    expect(mine.id).toBe(didIdFor(a.wallet.account.address, salt));
    expect(await didId(a.wallet.account.address, salt)).toBe(mine.id);
    expect((await resolveAmc(config, formatDid("test", mine.id))).didDocumentMetadata.subjectType).toBe("person");
    // The same salt from another account gives another id; the controller need not be the creator.
    const theirs = await createDid(b, { salt, subjectType: "device", controller: a.wallet.account.address });
    expect(theirs.id).not.toBe(mine.id);
    expect(theirs.id).toBe(didIdFor(b.wallet.account.address, salt));
    const device = await resolveAmc(config, formatDid("test", theirs.id));
    expect(device.didDocument?.controller).toBe(`did:pkh:eip155:${main.chainId}:${a.wallet.account.address}`);
    // A salt is used once per account.
    await expect(createDid(a, { salt, subjectType: "person" })).rejects.toThrow(/DIDRegistryAlreadyExists/);

    // A front-runner who saw `produce(vehicleId)` pending cannot take vehicleId first.
    const vehicleId: Hex = vehicleIdFromVin("WVWZZZ1KZ6W654321", Buffer.alloc(32, 1));
    await expect(
      client.simulateContract({
        account: a.wallet.account,
        address: registry,
        abi: didRegistryAbi,
        functionName: "createVehicle",
        args: [vehicleId, a.wallet.account.address],
      }),
    ).rejects.toThrow(/DIDRegistryUnauthorized/);
    const squat = await createDid(a, { salt: vehicleId, subjectType: "person" });
    expect(squat.id).not.toBe(vehicleId);
    const oem = { wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember)), client, lifecycle };
    await produceVehicle(oem, { id: vehicleId, specHash: specHash({ make: "Demo", model: "E2" }) });
    const vehicle = await resolveAmc(config, formatDid("test", vehicleId));
    expect(vehicle.didDocumentMetadata.subjectType).toBe("vehicle");
    expect(vehicle.didDocument?.controller).toBe(`did:pkh:eip155:${main.chainId}:${oem.wallet.account.address}`);
  });

  it("answers bad and unknown DIDs with values, not throws", async () => {
    const main = net.topology.chains[0]!;
    const config = {
      network: "test",
      chainId: main.chainId,
      history: chainHistory(publicClientFor(main), contractAddress(net.manifest, "main", "DIDRegistry")),
    };
    expect((await resolveAmc(config, "did:amc:test:xyz")).didResolutionMetadata.error).toBe("invalidDid");
    expect((await resolveAmc(config, `did:amc:test:${"00".repeat(32)}`)).didResolutionMetadata.error).toBe("notFound");
    expect((await resolveAmc(config, `did:amc:other:${"00".repeat(32)}`)).didResolutionMetadata.error).toBe("notFound");
    expect((await resolveAmc(config, "did:web:example.com")).didResolutionMetadata.error).toBe("methodNotSupported");
    expect(
      (await resolveAmc(config, `did:amc:test:${"00".repeat(32)}`, { versionTime: "yesterday" })).didResolutionMetadata
        .error,
    ).toBe("invalidOptions");
    const resolver = new Resolver(getResolver(config));
    expect((await resolver.resolve("did:amc:test:nope")).didResolutionMetadata.error).toBe("invalidDid");
  });
});
