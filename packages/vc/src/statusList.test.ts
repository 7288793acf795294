import { gunzipSync, gzipSync } from "node:zlib";
import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BitstringStatusList,
  bitstringStatusListCredentialSchema,
  createStatusListCredential,
  MIN_STATUS_LIST_BITS,
  statusListStateHash,
} from "./statusList.js";

const index = fc.nat({ max: MIN_STATUS_LIST_BITS - 1 });

describe("Bitstring Status List", () => {
  it("sets and gets any index without touching the others", () => {
    fc.assert(
      fc.property(fc.uniqueArray(index, { maxLength: 50 }), index, (set, probe) => {
        const list = new BitstringStatusList();
        for (const i of set) list.set(i, true);
        expect(list.get(probe)).toBe(set.includes(probe));
        for (const i of set) list.set(i, false);
        expect(list.get(probe)).toBe(false);
      }),
    );
  });

  it("round-trips through encodedList (multibase base64url of GZIP)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(index, { maxLength: 100 }), fc.integer({ min: 0, max: 3 }), (set, extraBytes) => {
        const list = new BitstringStatusList(MIN_STATUS_LIST_BITS + extraBytes * 8);
        for (const i of set) list.set(i, true);
        const encoded = list.encode();
        expect(encoded).toMatch(/^u[A-Za-z0-9_-]+$/);
        const decoded = BitstringStatusList.decode(encoded);
        expect(decoded.length).toBe(list.length);
        for (const i of set) expect(decoded.get(i)).toBe(true);
        expect(decoded.encode()).toBe(encoded);
      }),
      { numRuns: 30 },
    );
  });

  it("puts index 0 in the most significant bit of the first byte, as the spec says", () => {
    const list = new BitstringStatusList();
    list.set(0, true);
    list.set(9, true);
    const raw = Buffer.from(list.encode().slice(1), "base64url");
    const bytes = gunzipSync(raw);
    expect([...bytes.subarray(0, 2)]).toEqual([0x80, 0x40]);
  });

  it("decodes the specification's example list of 131072 zero bits", () => {
    // W3C Bitstring Status List v1.0, example 2.
    const list = BitstringStatusList.decode("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA");
    expect(list.length).toBe(MIN_STATUS_LIST_BITS);
    expect(list.get(94567)).toBe(false);
  });

  it("refuses short lists, bad encodings and indexes outside the list", () => {
    expect(() => new BitstringStatusList(8)).toThrow(InvalidInputError);
    expect(() => new BitstringStatusList(8)).toThrow("a status list has a multiple of 8 bits, at least 131072");
    expect(() => new BitstringStatusList().get(MIN_STATUS_LIST_BITS)).toThrow(
      "status index 131072 is outside the list of 131072 entries",
    );
    expect(() => new BitstringStatusList().set(-1, true)).toThrow("status index -1 is outside the list");
    expect(() => BitstringStatusList.decode("H4sI")).toThrow('encodedList is not multibase base64url (no "u" prefix)');
    expect(() => BitstringStatusList.decode("u!!")).toThrow("encodedList is not base64url");
    expect(() => BitstringStatusList.decode("uAAAA")).toThrow("encodedList is not GZIP");
    const short = `u${gzipSync(Buffer.alloc(16)).toString("base64url")}`;
    expect(() => BitstringStatusList.decode(short)).toThrow("the status list has 128 bits, fewer than 131072");
  });

  it("hashes the UTF-8 encodedList with SHA-256 as the anchored state", () => {
    expect(statusListStateHash("u")).toBe("0x0bfe935e70c321c7ca3afc75ce0d0ca2f98b5422e008bb31c00c6d7f1f1c0ad6");
    const list = new BitstringStatusList();
    const before = statusListStateHash(list.encode());
    list.set(7, true);
    expect(statusListStateHash(list.encode())).not.toBe(before);
  });

  it("builds a BitstringStatusListCredential that its schema accepts", () => {
    const credential = createStatusListCredential({
      id: "https://status.example/lists/1",
      issuer: "did:amc:test:issuer",
      statusPurpose: "revocation",
      list: new BitstringStatusList(),
      validFrom: new Date("2026-01-01T00:00:00.000Z"),
    });
    expect(bitstringStatusListCredentialSchema.parse(credential)).toEqual(credential);
    expect(credential.validFrom).toBe("2026-01-01T00:00:00Z");
    expect(credential.credentialSubject).toMatchObject({
      id: "https://status.example/lists/1#list",
      type: "BitstringStatusList",
    });
  });
});
