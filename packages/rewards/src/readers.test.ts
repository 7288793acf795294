import { encodeAbiParameters, keccak256, stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { disclosureLeafHash, eventReportContributions, parseDisclosureExport } from "./index.js";

const entry = {
  seq: 5,
  objectId: `0x${"ab".repeat(32)}`,
  consumer: `did:amc:test:${"cd".repeat(32)}`,
  purpose: "insurance",
  consentId: `0x${"ef".repeat(32)}`,
  at: "1234",
};

describe("disclosure exports", () => {
  it("parses entries and hashes them as the disclosure log does", () => {
    const [parsed] = parseDisclosureExport({ entries: [entry] });
    expect(parsed).toEqual({ ...entry, seq: 5n, at: 1234n });
    const expected = keccak256(
      encodeAbiParameters(
        ["uint64", "bytes32", "bytes32", "bytes32", "bytes32", "uint64"].map((type) => ({ type })),
        [5n, entry.objectId, `0x${"cd".repeat(32)}`, keccak256(stringToHex("insurance")), entry.consentId, 1234n],
      ),
    );
    // Also the value @amc/data's disclosureLeaf gives for this entry.
    expect(expected).toBe("0xe1336290e52e68a87d6c0f3a6f0b693319753526125cde95356750f8d6e400ba");
    expect(parsed && disclosureLeafHash(parsed)).toBe(expected);
    expect(parsed && disclosureLeafHash({ ...parsed, consumer: `0x${"cd".repeat(32)}` })).toBe(expected);
  });

  it("refuses malformed exports", () => {
    expect(() => parseDisclosureExport({})).toThrow(/array/);
    expect(() => parseDisclosureExport([{ ...entry, seq: -1 }])).toThrow(/seq/);
    expect(() => parseDisclosureExport([{ ...entry, objectId: "0x12" }])).toThrow(/objectId/);
    expect(() => parseDisclosureExport([{ ...entry, consumer: "did:web:x" }])).toThrow(/consumer/);
  });
});

describe("eventReportContributions", () => {
  it("credits each reporting owner once per event", () => {
    const a = "0x00000000000000000000000000000000000000a1";
    const upper = "0x00000000000000000000000000000000000000A1";
    const records = eventReportContributions([{ eventId: `0x${"01".repeat(32)}`, reporterOwners: [a, upper] }]);
    expect(records).toEqual([
      {
        kind: "event-report",
        beneficiary: upper,
        units: 1n,
        evidence: `event:0x${"01".repeat(32)}`,
      },
    ]);
  });
});
