import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64Decode, base64urlDecode, base64urlEncode, decodeJsonPart, parseJsonObject } from "./encoding.js";
import { CredentialError, verificationErrorCodes } from "./errors.js";

describe("encoding", () => {
  it("round-trips any bytes through base64url and base64", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(base64urlDecode(base64urlEncode(bytes), "x")).toEqual(Buffer.from(bytes));
        const b64 = Buffer.from(bytes).toString("base64");
        expect(base64Decode(b64, "x")).toEqual(Buffer.from(bytes));
        expect(base64Decode(b64.replace(/=+$/, ""), "x")).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it("refuses characters and lengths that Buffer would silently skip", () => {
    expect(() => base64urlDecode("ab+c", "the JWS payload")).toThrow("the JWS payload is not base64url");
    expect(() => base64urlDecode("abcde", "x")).toThrow("x is not base64url");
    expect(() => base64Decode("ab_c", "the COSE credential")).toThrow("the COSE credential is not base64");
    expect(() => parseJsonObject("[]", "the header")).toThrow("the header is not a JSON object");
    expect(() => parseJsonObject("{", "the header")).toThrow("the header is not JSON");
    expect(decodeJsonPart(base64urlEncode('{"a":1}'), "p")).toEqual({ a: 1 });
  });

  it("carries a code from the fixed set", () => {
    const error = new CredentialError("revoked", "the credential is revoked");
    expect(error.name).toBe("CredentialError");
    expect(error.toValue()).toEqual({ code: "revoked", message: "the credential is revoked" });
    expect(verificationErrorCodes).toContain(error.code);
  });
});
