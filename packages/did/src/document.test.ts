import { generateKeyPairSync } from "node:crypto";
import { stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { attributeName, buildDocument, jwkThumbprint, type RegistryEvent } from "./document.js";

const did = `did:amc:test:${"ab".repeat(32)}`;
const owner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const newOwner = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const p256 = () => {
  const { kty, crv, x, y } = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
  return { kty: kty ?? "", crv: crv ?? "", x: x ?? "", y: y ?? "" };
};
let log = 0;
const at = (block: number, t: number) => ({ blockNumber: BigInt(block), timestamp: t, logIndex: log++ });
const FAR = 2n ** 63n;

describe("buildDocument", () => {
  const k1 = p256();
  const k2 = p256();
  const events: RegistryEvent[] = [
    { kind: "created", controller: owner, subjectType: "vehicle", ...at(10, 1000) },
    {
      kind: "attributeChanged",
      name: attributeName("amc/vm/P256/assertionMethod"),
      value: stringToHex(JSON.stringify(k1)),
      validTo: FAR,
      ...at(11, 1010),
    },
    {
      kind: "attributeChanged",
      name: attributeName("amc/svc/VehicleDataService"),
      value: stringToHex("https://oem.example/v1"),
      validTo: FAR,
      ...at(11, 1010),
    },
    {
      kind: "attributeChanged",
      name: attributeName("amc/vm/P256/assertionMethod"),
      value: stringToHex(JSON.stringify(k2)),
      validTo: FAR,
      ...at(20, 2000),
    },
    {
      kind: "attributeChanged",
      name: attributeName("amc/vm/P256/assertionMethod"),
      value: stringToHex(JSON.stringify(k1)),
      validTo: 0n,
      ...at(20, 2000),
    },
    { kind: "controllerChanged", controller: newOwner, ...at(30, 3000) },
  ];

  it("replays keys, services and controller changes; a rotated key is gone", () => {
    const { document, metadata } = buildDocument({ did, chainId: 72000, events, now: 5000 });
    expect(document.controller).toBe(`did:pkh:eip155:72000:${newOwner}`);
    const jwks = document.verificationMethod?.filter((m) => m.type === "JsonWebKey2020").map((m) => m.publicKeyJwk);
    expect(jwks).toEqual([k2]);
    expect(document.assertionMethod).toContain(`${did}#${jwkThumbprint(k2)}-assertionMethod`);
    expect(document.service).toEqual([
      expect.objectContaining({ type: "VehicleDataService", serviceEndpoint: "https://oem.example/v1" }),
    ]);
    expect(metadata).toMatchObject({
      versionId: "30",
      subjectType: "vehicle",
      created: "1970-01-01T00:16:40Z",
      updated: "1970-01-01T00:50:00Z",
    });
  });

  it("as of an earlier version: the old key and owner", () => {
    const { document } = buildDocument({ did, chainId: 72000, events: events.slice(0, 3), now: 1500 });
    expect(document.controller).toBe(`did:pkh:eip155:72000:${owner}`);
    expect(document.verificationMethod?.filter((m) => m.type === "JsonWebKey2020").map((m) => m.publicKeyJwk)).toEqual([
      k1,
    ]);
  });

  it("drops expired keys and marks deactivation", () => {
    const expiring: RegistryEvent[] = [
      events[0]!,
      {
        kind: "attributeChanged",
        name: attributeName("amc/vm/P256/authentication"),
        value: stringToHex(JSON.stringify(k1)),
        validTo: 1500n,
        ...at(11, 1010),
      },
    ];
    expect(buildDocument({ did, chainId: 1, events: expiring, now: 1400 }).document.authentication).toHaveLength(2);
    expect(buildDocument({ did, chainId: 1, events: expiring, now: 1600 }).document.authentication).toHaveLength(1);
    const gone = buildDocument({
      did,
      chainId: 1,
      events: [...events, { kind: "deactivated", ...at(40, 4000) }],
      now: 5000,
    });
    expect(gone.metadata.deactivated).toBe(true);
    expect(gone.document).toEqual({ "@context": ["https://www.w3.org/ns/did/v1"], id: did });
  });

  it("refuses attribute names longer than 32 bytes", () => {
    expect(() => attributeName("amc/vm/P256/capabilityDelegationXX")).toThrow("longer than 32 bytes");
  });
});
