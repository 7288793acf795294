// Builds a DID document from a DID's registry events, replayed in order. Pure: the resolver fetches the events
// (from the chain or an index) and this turns them into the document as of any point in its history.
import { createHash } from "node:crypto";
import type { DIDDocument, Service, VerificationMethod } from "did-resolver";
import { type Address, type Hex, hexToString, isHex, trim } from "viem";

export const subjectTypes = ["none", "organisation", "vehicle", "device", "person"] as const;
export type SubjectType = (typeof subjectTypes)[number];

export const relationships = [
  "authentication",
  "assertionMethod",
  "keyAgreement",
  "capabilityInvocation",
  "capabilityDelegation",
] as const;
export type Relationship = (typeof relationships)[number];

type Base = { blockNumber: bigint; timestamp: number; logIndex: number };
export type RegistryEvent =
  | (Base & { kind: "created"; controller: Address; subjectType: SubjectType })
  | (Base & { kind: "controllerChanged"; controller: Address })
  | (Base & { kind: "attributeChanged"; name: Hex; value: Hex; validTo: bigint })
  | (Base & { kind: "delegateChanged"; delegateType: Hex; delegate: Address; validTo: bigint })
  | (Base & { kind: "deactivated" });

type PublicJwk = { kty: string; crv: string; x: string; y?: string };

export type DocumentMetadata = {
  created?: string;
  updated?: string;
  deactivated?: boolean;
  versionId?: string;
  subjectType?: SubjectType;
};

/** Attribute names (bytes32 UTF-8 on chain): `amc/vm/<P256|secp256k1>/<relationship>` and `amc/svc/<type>`. */
export function attributeName(value: string): Hex {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > 32) throw new Error(`attribute name "${value}" is longer than 32 bytes`);
  return `0x${Buffer.concat([bytes, Buffer.alloc(32 - bytes.length)]).toString("hex")}`;
}

function decodeName(name: Hex): string {
  return hexToString(trim(name, { dir: "right" }));
}

/** RFC 7638 thumbprint of an EC JWK: the stable fragment of a key's verification method. */
export function jwkThumbprint(jwk: { kty?: string; crv?: string; x?: string; y?: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash("sha256").update(canonical).digest("base64url");
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

export type BuildOptions = { did: string; chainId: number; events: RegistryEvent[]; now: number };

export type BuiltDocument = { document: DIDDocument; metadata: DocumentMetadata };

/**
 * Replays `events` (oldest first) into a document. Keys and delegates whose validTo has passed at `now` are left
 * out; a revoked attribute (validTo 0) removes the key or service it names.
 */
export function buildDocument({ did, chainId, events, now }: BuildOptions): BuiltDocument {
  let controller: Address | undefined;
  let subjectType: SubjectType = "none";
  let deactivated = false;
  const keys = new Map<string, { jwk: PublicJwk; relationship: Relationship; curve: string; validTo: bigint }>();
  const services = new Map<string, { type: string; endpoint: string; validTo: bigint }>();
  const delegates = new Map<string, { delegate: Address; type: string; validTo: bigint }>();

  for (const event of events) {
    switch (event.kind) {
      case "created":
        controller = event.controller;
        subjectType = event.subjectType;
        break;
      case "controllerChanged":
        controller = event.controller;
        break;
      case "deactivated":
        deactivated = true;
        break;
      case "delegateChanged": {
        const type = decodeName(event.delegateType);
        delegates.set(`${type}:${event.delegate.toLowerCase()}`, {
          delegate: event.delegate,
          type,
          validTo: event.validTo,
        });
        break;
      }
      case "attributeChanged": {
        const name = decodeName(event.name);
        const vm = name.match(/^amc\/vm\/(P256|secp256k1)\/([A-Za-z]+)$/);
        const svc = name.match(/^amc\/svc\/(.+)$/);
        if (vm) {
          const relationship = relationships.find((r) => r === vm[2]);
          if (!relationship || !isHex(event.value)) break;
          let jwk: Record<string, string>;
          try {
            jwk = JSON.parse(hexToString(event.value)) as Record<string, string>;
          } catch {
            break; // a malformed key attribute is ignored, as ERC-1056 resolvers do
          }
          if (typeof jwk.x !== "string" || typeof jwk.kty !== "string") break;
          const publicJwk: PublicJwk = { kty: jwk.kty, crv: jwk.crv ?? "", x: jwk.x, ...(jwk.y ? { y: jwk.y } : {}) };
          const fragment = `${jwkThumbprint(publicJwk)}-${relationship}`;
          keys.set(fragment, { jwk: publicJwk, relationship, curve: vm[1] ?? "", validTo: event.validTo });
        } else if (svc) {
          const endpoint = hexToString(event.value);
          const id = createHash("sha256").update(`${svc[1]} ${endpoint}`).digest("base64url").slice(0, 12);
          services.set(id, { type: svc[1] ?? "", endpoint, validTo: event.validTo });
        }
        break;
      }
    }
  }

  const last = events.at(-1);
  const first = events[0];
  const metadata: DocumentMetadata = {
    ...(first ? { created: iso(first.timestamp) } : {}),
    ...(last ? { updated: iso(last.timestamp), versionId: last.blockNumber.toString() } : {}),
    ...(deactivated ? { deactivated: true } : {}),
    subjectType,
  };
  if (deactivated || !controller)
    return { document: { "@context": ["https://www.w3.org/ns/did/v1"], id: did }, metadata };

  const live = (validTo: bigint) => validTo > BigInt(now);
  const verificationMethod: VerificationMethod[] = [
    {
      id: `${did}#controller`,
      type: "EcdsaSecp256k1RecoveryMethod2020",
      controller: did,
      blockchainAccountId: `eip155:${chainId}:${controller}`,
    },
  ];
  const byRelationship: Record<Relationship, string[]> = {
    authentication: [`${did}#controller`],
    assertionMethod: [`${did}#controller`],
    keyAgreement: [],
    capabilityInvocation: [`${did}#controller`],
    capabilityDelegation: [],
  };
  for (const [fragment, key] of keys) {
    if (!live(key.validTo)) continue;
    verificationMethod.push({
      id: `${did}#${fragment}`,
      type: "JsonWebKey2020",
      controller: did,
      publicKeyJwk: key.jwk,
    });
    byRelationship[key.relationship].push(`${did}#${fragment}`);
  }
  let n = 0;
  for (const delegate of delegates.values()) {
    if (!live(delegate.validTo)) continue;
    const id = `${did}#delegate-${++n}`;
    verificationMethod.push({
      id,
      type: "EcdsaSecp256k1RecoveryMethod2020",
      controller: did,
      blockchainAccountId: `eip155:${chainId}:${delegate.delegate}`,
    });
    // ERC-1056 delegate types: sigAuth authenticates, veriKey signs assertions.
    if (delegate.type === "sigAuth") byRelationship.authentication.push(id);
    else byRelationship.assertionMethod.push(id);
  }
  const service: Service[] = [...services]
    .filter(([, s]) => live(s.validTo))
    .map(([id, s]) => ({ id: `${did}#svc-${id}`, type: s.type, serviceEndpoint: s.endpoint }));

  const document: DIDDocument = {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
    id: did,
    controller: `did:pkh:eip155:${chainId}:${controller}`,
    verificationMethod,
    ...Object.fromEntries(relationships.filter((r) => byRelationship[r].length > 0).map((r) => [r, byRelationship[r]])),
    ...(service.length > 0 ? { service } : {}),
  };
  return { document, metadata };
}
