import fc from "fast-check";
import { bytesToHex } from "viem";
import { describe, expect, it } from "vitest";
import { formatDid, parseDid } from "./did.js";

describe("did:amc syntax", () => {
  it("formats and parses back every id", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom("dev", "cn-east", "test"),
        (bytes, network) => {
          const id = bytesToHex(bytes);
          const did = formatDid(network, id);
          const parsed = parseDid(`${did}#key-1`);
          expect(parsed).toEqual({ ok: true, value: { did, network, id, fragment: "key-1" } });
        },
      ),
    );
  });

  it("returns errors as values, never throws", () => {
    expect(parseDid("did:ethr:0x1234")).toMatchObject({ ok: false, error: "methodNotSupported" });
    expect(parseDid("did:amc:dev:XYZ")).toMatchObject({
      ok: false,
      error: "invalidDid",
      message: "the id must be 64 lowercase hex digits",
    });
    expect(parseDid(`did:amc:Dev:${"a".repeat(64)}`)).toMatchObject({ ok: false, error: "invalidDid" });
    expect(parseDid(`did:amc:${"a".repeat(64)}`)).toMatchObject({
      ok: false,
      error: "invalidDid",
      message: "expected did:amc:<network>:<id>",
    });
    expect(parseDid("hello")).toMatchObject({ ok: false, error: "invalidDid" });
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(typeof parseDid(s).ok).toBe("boolean");
      }),
    );
  });
});
