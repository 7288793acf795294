// Consents of the main chain's ConsentRegistry and the codes DataLedger stores (contracts/src/data,
// docs/data-sharing.md): the EIP-712 types an owner signs, the consent id computed off chain exactly as the contract
// does (the Consent struct hash), signing of consents and revocations, and the tables that turn names into the numbers
// the contracts keep: data kinds as scope bits, data classes, erasure reasons and region codes.
import { InvalidInputError } from "@amc/utils";
import { type Address, type Hex, hashStruct, hexToString, isHex, type LocalAccount, size, stringToHex } from "viem";

/** EIP-712 domain name and version of the ConsentRegistry. */
export const CONSENT_DOMAIN_NAME = "AMC ConsentRegistry";
export const CONSENT_DOMAIN_VERSION = "1";

/** The EIP-712 types of the ConsentRegistry: the terms an owner signs, and a signed revocation. */
export const consentTypes = {
  Consent: [
    { name: "subject", type: "bytes32" },
    { name: "grantee", type: "bytes32" },
    { name: "scopes", type: "uint256" },
    { name: "purpose", type: "bytes32" },
    { name: "validFrom", type: "uint64" },
    { name: "validUntil", type: "uint64" },
    { name: "salt", type: "bytes32" },
  ],
  Revocation: [
    { name: "consentId", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** The EIP-712 domain of the ConsentRegistry at `registry` on chain `chainId`. */
export function consentDomain(chainId: number, registry: Address) {
  return {
    name: CONSENT_DOMAIN_NAME,
    version: CONSENT_DOMAIN_VERSION,
    chainId,
    verifyingContract: registry,
  } as const;
}

/**
 * Consent terms in their on-chain form (the Solidity `IConsentRegistry.Consent`).
 * @example
 * const terms: ConsentTerms = {
 *   subject: vehicleDidId, grantee: insurerDidId, scopes: scopesToMask(["telemetry", "battery"]),
 *   purpose: keccak256(stringToHex("Usage-based insurance pricing")),
 *   validFrom: 1_750_000_000n, validUntil: 1_752_592_000n, salt: bytesToHex(randomBytes(32)),
 * };
 */
export type ConsentTerms = {
  /** DID id (32-byte `<id>` of `did:amc:<network>:<id>`) whose data is shared, normally a vehicle. */
  subject: Hex;
  /** DID id of who may use the data. */
  grantee: Hex;
  /** Bitmask of data kinds (`scopesToMask`), not zero. */
  scopes: bigint;
  /** keccak256 of the purpose text the owner was shown. */
  purpose: Hex;
  /** Unix seconds from which the consent applies. */
  validFrom: bigint;
  /** Unix seconds from which it no longer applies (exclusive), after `validFrom`. */
  validUntil: bigint;
  /** 32 random bytes: makes the id unique and unguessable. */
  salt: Hex;
};

const UINT64_MAX = 2n ** 64n - 1n;
const UINT256_MAX = 2n ** 256n - 1n;

function bytes32(value: Hex, field: string): void {
  if (!isHex(value, { strict: true }) || size(value) !== 32)
    throw new InvalidInputError(`consent ${field} must be 32 bytes of hex, got ${value}`);
}

/**
 * Checks what the ConsentRegistry checks of the terms alone (not the clock, the subject or the signature): 32-byte
 * ids, scopes not zero and within uint256, a non-empty window within uint64. Throws InvalidInputError.
 */
export function validateConsentTerms(terms: ConsentTerms): void {
  bytes32(terms.subject, "subject");
  bytes32(terms.grantee, "grantee");
  bytes32(terms.purpose, "purpose");
  bytes32(terms.salt, "salt");
  if (/^0x0{64}$/.test(terms.grantee)) throw new InvalidInputError("consent grantee must not be zero");
  if (terms.scopes <= 0n || terms.scopes > UINT256_MAX)
    throw new InvalidInputError(`consent scopes must be a non-zero uint256 bitmask, got ${terms.scopes}`, {
      fix: 'build it with scopesToMask(["telemetry", ...])',
    });
  for (const [field, value] of [
    ["validFrom", terms.validFrom],
    ["validUntil", terms.validUntil],
  ] as const)
    if (value < 0n || value > UINT64_MAX)
      throw new InvalidInputError(`consent ${field} must be a uint64 (Unix seconds), got ${value}`);
  if (terms.validUntil <= terms.validFrom)
    throw new InvalidInputError(`consent validUntil ${terms.validUntil} must be after validFrom ${terms.validFrom}`);
}

/**
 * The consent id of `terms`: their EIP-712 struct hash, which is what `ConsentRegistry.consentId` returns and
 * `grant` stores. It does not depend on the chain or the registry.
 */
export function consentId(terms: ConsentTerms): Hex {
  return hashStruct({ data: terms, primaryType: "Consent", types: consentTypes });
}

/** Anything that signs EIP-712 typed data like a viem local account. */
export type TypedDataSigner = Pick<LocalAccount, "signTypedData">;

/**
 * The owner's signature of `terms` for the ConsentRegistry at `registry` on chain `chainId`, for `grant`. The terms
 * are validated first (`validateConsentTerms`); the signer must be the subject's controller when it is submitted.
 * @example
 * const signature = await signConsent(owner, 71000, manifest.chains.main.contracts.ConsentRegistry, terms);
 */
export async function signConsent(
  account: TypedDataSigner,
  chainId: number,
  registry: Address,
  terms: ConsentTerms,
): Promise<Hex> {
  validateConsentTerms(terms);
  return account.signTypedData({
    domain: consentDomain(chainId, registry),
    types: consentTypes,
    primaryType: "Consent",
    message: terms,
  });
}

/**
 * The signature of a revocation of consent `id`, valid until `deadline` (Unix seconds), for `revokeSigned`. The
 * signer must be the consent's granter or the subject's current controller.
 */
export async function signRevocation(
  account: TypedDataSigner,
  chainId: number,
  registry: Address,
  id: Hex,
  deadline: bigint,
): Promise<Hex> {
  bytes32(id, "id");
  return account.signTypedData({
    domain: consentDomain(chainId, registry),
    types: consentTypes,
    primaryType: "Revocation",
    message: { consentId: id, deadline },
  });
}

// ------------------------------------------------------------------------------------------------ scopes

/**
 * Data kinds a consent can cover; a kind's index is its bit in `scopes`. Append only: a bit, once used in a signed
 * consent, keeps its meaning.
 *
 * | bit | kind                | what it covers                                             |
 * | --- | ------------------- | ---------------------------------------------------------- |
 * | 0   | `location`          | positions and tracks                                       |
 * | 1   | `telemetry`         | speed, odometer, engine and vehicle signals                |
 * | 2   | `driving_behaviour` | acceleration, braking, cornering profiles                  |
 * | 3   | `diagnostics`       | fault codes and service data                               |
 * | 4   | `battery`           | state of charge and health, charging sessions              |
 * | 5   | `v2x_events`        | V2X messages sent and received (CAM, DENM)                 |
 * | 6   | `media`             | camera images, cabin audio and video                       |
 * | 7   | `identity`          | the owner's or driver's identifying data                   |
 */
export const consentScopes = [
  "location",
  "telemetry",
  "driving_behaviour",
  "diagnostics",
  "battery",
  "v2x_events",
  "media",
  "identity",
] as const;
export type ConsentScope = (typeof consentScopes)[number];

export function isConsentScope(name: string): name is ConsentScope {
  return (consentScopes as readonly string[]).includes(name);
}

/** The bit of one data kind (`1n << index`). */
export function scopeBit(scope: ConsentScope): bigint {
  return 1n << BigInt(consentScopes.indexOf(scope));
}

/**
 * The scope bitmask of data kind names; throws InvalidInputError naming any unknown kind. No names give 0n (which
 * no consent may carry).
 * @example scopesToMask(["telemetry", "battery"]) // 0x12n
 */
export function scopesToMask(names: readonly string[]): bigint {
  let mask = 0n;
  for (const name of names) {
    if (!isConsentScope(name))
      throw new InvalidInputError(`unknown data kind "${name}"`, { fix: `use one of: ${consentScopes.join(", ")}` });
    mask |= scopeBit(name);
  }
  return mask;
}

/**
 * The data kind names of a scope bitmask, in bit order; throws InvalidInputError if a bit has no kind in the table
 * (a consent built by a newer client), so nothing is shown as narrower than it is.
 */
export function maskToScopes(mask: bigint): ConsentScope[] {
  if (mask < 0n) throw new InvalidInputError(`a scope mask is not negative, got ${mask}`);
  const unknown = mask >> BigInt(consentScopes.length);
  if (unknown !== 0n)
    throw new InvalidInputError(
      `scope mask 0x${mask.toString(16)} has bits without a data kind (above bit ${consentScopes.length - 1})`,
    );
  return consentScopes.filter((scope) => (mask & scopeBit(scope)) !== 0n);
}

// ------------------------------------------------------------------------------------------------ DataLedger codes

/** `dataClass` numbers of DataLedger: general, personal, sensitive personal and important data. */
export const dataClassCodes = { general: 0, personal: 1, sensitive: 2, important: 3 } as const;
export type DataClassName = keyof typeof dataClassCodes;

/** `reason` numbers of `DataLedger.markErased`. */
export const erasureReasonCodes = { owner_request: 0, retention_expiry: 1, legal_order: 2 } as const;
export type ErasureReasonName = keyof typeof erasureReasonCodes;

/** A region: ISO 3166-1 alpha-2, optionally with a subdivision ("CN", "CN-31", "DE-BB"). */
const REGION = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

/**
 * The bytes32 DataLedger stores for a region: its ASCII left-aligned and zero-padded, like Solidity's
 * `bytes32("CN-31")`. Throws InvalidInputError for anything but an ISO 3166 code.
 * @example regionCode("CN-31") // "0x434e2d3331000000…00"
 */
export function regionCode(region: string): Hex {
  if (!REGION.test(region))
    throw new InvalidInputError(`region "${region}" is not an ISO 3166 code`, {
      fix: "use a country (CN) or a country and subdivision (CN-31, DE-BB)",
    });
  return stringToHex(region, { size: 32 });
}

/** The region text of a `regionCode`; throws InvalidInputError if the bytes are not one. */
export function regionFromCode(code: Hex): string {
  if (!isHex(code, { strict: true }) || size(code) !== 32)
    throw new InvalidInputError(`a region code is 32 bytes of hex, got ${code}`);
  const text = hexToString(code, { size: 32 });
  if (!REGION.test(text) || regionCode(text) !== code.toLowerCase())
    throw new InvalidInputError(`${code} is not the code of an ISO 3166 region`);
  return text;
}
