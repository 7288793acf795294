import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError } from "@amc/utils";
import { encodeAbiParameters, type Hex, keccak256, recoverTypedDataAddress, stringToHex, toHex, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  type ConsentTerms,
  consentDomain,
  consentId,
  consentScopes,
  consentTypes,
  dataClassCodes,
  erasureReasonCodes,
  maskToScopes,
  regionCode,
  regionFromCode,
  scopeBit,
  scopesToMask,
  signConsent,
  signRevocation,
  validateConsentTerms,
} from "./consent.js";
import { contractsOf } from "./deploy.js";
import { parseTopology } from "./topology.js";

const registry = "0x00000000000000000000000000000000000c0253" as const;
const owner = privateKeyToAccount(keccak256(stringToHex("owner")));

const terms: ConsentTerms = {
  subject: keccak256(stringToHex("vehicle:WVWZZZ1JZXW000042")),
  grantee: keccak256(stringToHex("did:amc:dev:carol-insurance")),
  scopes: scopesToMask(["telemetry", "battery"]),
  purpose: keccak256(stringToHex("Usage-based insurance pricing")),
  validFrom: 1_750_000_000n,
  validUntil: 1_752_592_000n,
  salt: keccak256(stringToHex("salt")),
};

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("consentId", () => {
  it("is the EIP-712 struct hash: keccak256(typeHash ‖ the seven fields as ABI words)", () => {
    const typeHash = keccak256(
      stringToHex(
        "Consent(bytes32 subject,bytes32 grantee,uint256 scopes,bytes32 purpose,uint64 validFrom,uint64 validUntil,bytes32 salt)",
      ),
    );
    const byHand = keccak256(
      encodeAbiParameters(
        [
          { type: "bytes32" },
          { type: "bytes32" },
          { type: "bytes32" },
          { type: "uint256" },
          { type: "bytes32" },
          { type: "uint64" },
          { type: "uint64" },
          { type: "bytes32" },
        ],
        [
          typeHash,
          terms.subject,
          terms.grantee,
          terms.scopes,
          terms.purpose,
          terms.validFrom,
          terms.validUntil,
          terms.salt,
        ],
      ),
    );
    expect(consentId(terms)).toBe(byHand);
  });

  it("changes with every field", () => {
    const id = consentId(terms);
    const variants: ConsentTerms[] = [
      { ...terms, subject: keccak256(stringToHex("other")) },
      { ...terms, grantee: keccak256(stringToHex("other")) },
      { ...terms, scopes: terms.scopes | 1n },
      { ...terms, purpose: keccak256(stringToHex("other")) },
      { ...terms, validFrom: terms.validFrom + 1n },
      { ...terms, validUntil: terms.validUntil + 1n },
      { ...terms, salt: keccak256(stringToHex("other")) },
    ];
    expect(new Set([id, ...variants.map(consentId)]).size).toBe(variants.length + 1);
  });
});

describe("signConsent and signRevocation", () => {
  it("sign EIP-712 typed data that recovers to the owner under the registry's domain", async () => {
    const signature = await signConsent(owner, 71000, registry, terms);
    expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
    const recovered = await recoverTypedDataAddress({
      domain: consentDomain(71000, registry),
      types: consentTypes,
      primaryType: "Consent",
      message: terms,
      signature,
    });
    expect(recovered).toBe(owner.address);
    const otherChain = await recoverTypedDataAddress({
      domain: consentDomain(71001, registry),
      types: consentTypes,
      primaryType: "Consent",
      message: terms,
      signature,
    });
    expect(otherChain).not.toBe(owner.address);

    const id = consentId(terms);
    const revocation = await signRevocation(owner, 71000, registry, id, 1_750_003_600n);
    expect(
      await recoverTypedDataAddress({
        domain: consentDomain(71000, registry),
        types: consentTypes,
        primaryType: "Revocation",
        message: { consentId: id, deadline: 1_750_003_600n },
        signature: revocation,
      }),
    ).toBe(owner.address);
  });

  it("refuses terms the registry would refuse, saying which field is wrong", async () => {
    const cases: [Partial<ConsentTerms>, string][] = [
      [{ scopes: 0n }, "consent scopes must be a non-zero uint256 bitmask"],
      [{ scopes: 2n ** 256n }, "consent scopes must be a non-zero uint256 bitmask"],
      [{ validUntil: terms.validFrom }, "consent validUntil 1750000000 must be after validFrom 1750000000"],
      [{ validUntil: 2n ** 64n }, "consent validUntil must be a uint64"],
      [{ validFrom: -1n }, "consent validFrom must be a uint64"],
      [{ grantee: zeroHash }, "consent grantee must not be zero"],
      [{ subject: "0x1234" }, "consent subject must be 32 bytes of hex"],
      [{ salt: `0x${"zz".repeat(32)}` as Hex }, "consent salt must be 32 bytes of hex"],
    ];
    for (const [change, message] of cases) {
      const error = thrown(() => validateConsentTerms({ ...terms, ...change }));
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).shortMessage).toContain(message);
      await expect(signConsent(owner, 71000, registry, { ...terms, ...change })).rejects.toThrow(message);
    }
    await expect(signRevocation(owner, 71000, registry, "0x01", 1n)).rejects.toThrow(
      "consent id must be 32 bytes of hex",
    );
  });
});

describe("scopes", () => {
  it("number the data kinds of the documented table, bit = index", () => {
    expect(consentScopes).toEqual([
      "location",
      "telemetry",
      "driving_behaviour",
      "diagnostics",
      "battery",
      "v2x_events",
      "media",
      "identity",
    ]);
    expect(scopeBit("location")).toBe(1n);
    expect(scopeBit("identity")).toBe(128n);
    expect(scopesToMask(["telemetry"])).toBe(2n);
    expect(scopesToMask(["telemetry", "battery", "telemetry"])).toBe(0x12n);
    expect(scopesToMask([])).toBe(0n);
  });

  it("round-trip every subset", () => {
    for (let mask = 0n; mask < 256n; mask++) expect(scopesToMask(maskToScopes(mask))).toBe(mask);
  });

  it("refuse unknown kinds and bits", () => {
    expect(() => scopesToMask(["telemetry", "dashcam"])).toThrow('unknown data kind "dashcam"');
    expect(() => maskToScopes(0x100n)).toThrow("scope mask 0x100 has bits without a data kind (above bit 7)");
    expect(() => maskToScopes(-1n)).toThrow("a scope mask is not negative");
  });
});

describe("DataLedger codes", () => {
  it("match the contract's numbering", () => {
    expect(dataClassCodes).toEqual({ general: 0, personal: 1, sensitive: 2, important: 3 });
    expect(erasureReasonCodes).toEqual({ owner_request: 0, retention_expiry: 1, legal_order: 2 });
  });

  it("regionCode is Solidity's bytes32 of the ISO 3166 code, and reverses", () => {
    expect(regionCode("CN-31")).toBe(`0x434e2d3331${"0".repeat(54)}`);
    expect(regionCode("DE")).toBe(toHex("DE", { size: 32 }));
    for (const region of ["CN", "CN-31", "DE-BB", "US-CA", "FR-75C"])
      expect(regionFromCode(regionCode(region))).toBe(region);
    for (const bad of ["", "cn-31", "CHN", "CN-", "CN-1234", "CN 31", "CN-31\u0000"])
      expect(() => regionCode(bad)).toThrow("is not an ISO 3166 code");
    expect(() => regionFromCode(zeroHash)).toThrow("is not the code of an ISO 3166 region");
    expect(() => regionFromCode(stringToHex("cn", { size: 32 }))).toThrow("is not the code of an ISO 3166 region");
    expect(() => regionFromCode("0x434e")).toThrow("a region code is 32 bytes of hex");
  });
});

// The data module's place in the topology (kept here with the module's other TS tests).
describe("the data module", () => {
  const config = () => JSON.parse(readFileSync(join(import.meta.dirname, "../../../amc.config.json"), "utf8"));

  it("deploys ConsentRegistry and DataLedger on the main chain of the default topology", () => {
    const topology = parseTopology(config());
    const [main, ...others] = topology.chains;
    expect(main?.modules).toContain("data");
    expect(contractsOf(main!)).toEqual(expect.arrayContaining(["ConsentRegistry", "DataLedger", "DIDRegistry"]));
    for (const chain of others) expect(contractsOf(chain)).not.toContain("ConsentRegistry");
  });

  it("goes on the main chain only, and needs identity and governance there", () => {
    const side = config();
    side.chains[1].modules = ["xchain", "identity", "data"];
    expect(() => parseTopology(side)).toThrow(
      "chains.1: only the main chain carries the data module (ConsentRegistry and DataLedger)",
    );
    const noIdentity = config();
    noIdentity.chains[0].modules = ["xchain", "governance", "edge", "data"];
    for (const chain of noIdentity.chains) chain.modules = chain.modules.filter((m: string) => m !== "identity");
    expect(() => parseTopology(noIdentity)).toThrow(
      "chains.0: the data module needs the identity module on the main chain: ConsentRegistry checks consents against the DIDRegistry",
    );
    const noGovernance = config();
    noGovernance.chains[0].modules = ["xchain", "identity", "edge", "data"];
    expect(() => parseTopology(noGovernance)).toThrow(
      "chains.0: the data module needs the governance module on the main chain: DataLedger's writers are the Consortium's members",
    );
    const without = config();
    without.chains[0].modules = ["xchain", "governance", "identity", "edge"];
    for (const chain of without.chains.slice(1)) chain.modules = chain.modules.filter((m: string) => m !== "token");
    expect(contractsOf(parseTopology(without).chains[0]!)).not.toContain("ConsentRegistry");
  });
});
