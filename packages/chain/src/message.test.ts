import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { bytesToHex, type Hex, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import {
  addressToBytes32,
  attestationDigest,
  bytes32ToAddress,
  decodeMessage,
  encodeMessage,
  MESSAGE_HEADER_BYTES,
  messageId,
} from "./message.js";

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => bytesToHex(b));
const messageArb = fc.record({
  version: fc.integer({ min: 0, max: 255 }),
  nonce: fc.nat({ max: 0xffffffff }),
  origin: fc.nat({ max: 0xffffffff }),
  sender: bytes(32),
  destination: fc.nat({ max: 0xffffffff }),
  recipient: bytes(32),
  body: fc.uint8Array({ maxLength: 300 }).map((b) => bytesToHex(b)),
});

describe("cross-chain message codec", () => {
  it("round-trips every message and its header is 77 bytes", () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        const encoded = encodeMessage(message);
        expect((encoded.length - 2) / 2).toBe(MESSAGE_HEADER_BYTES + (message.body.length - 2) / 2);
        expect(decodeMessage(encoded)).toEqual(message);
        expect(messageId(encoded)).toBe(keccak256(encoded));
      }),
    );
  });

  it("lays out the fields at the documented offsets", () => {
    const encoded = encodeMessage({
      version: 1,
      nonce: 0x01020304,
      origin: 71000,
      sender: addressToBytes32("0x00000000000000000000000000000000000000aa"),
      destination: 71101,
      recipient: addressToBytes32("0x00000000000000000000000000000000000000bb"),
      body: "0xc0ffee",
    });
    expect(encoded).toBe(
      `0x01010203040001155800000000000000000000000000000000000000000000000000000000000000aa000115bd${"00".repeat(31)}bbc0ffee`,
    );
  });

  it("rejects a message shorter than its header with a clear error", () => {
    expect(() => decodeMessage(`0x${"00".repeat(76)}` as Hex)).toThrow(InvalidInputError);
    expect(() => decodeMessage(`0x${"00".repeat(76)}` as Hex)).toThrow(
      "message is 76 bytes, shorter than its 77-byte header",
    );
    expect(() => decodeMessage("0xzz" as Hex)).toThrow("message is not hex");
  });

  it("maps addresses to 32 bytes and back, refusing non-address words", () => {
    const address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    expect(bytes32ToAddress(addressToBytes32(address))).toBe(address);
    expect(() => bytes32ToAddress(`0x01${"00".repeat(31)}`)).toThrow("not a left-padded address");
  });

  it("binds the attestation digest to origin, mailbox and id", () => {
    const id = keccak256("0x01");
    const mailbox = "0x0000000000000000000000000000000000000001";
    const digest = attestationDigest(1, mailbox, id);
    expect(attestationDigest(2, mailbox, id)).not.toBe(digest);
    expect(attestationDigest(1, "0x0000000000000000000000000000000000000002", id)).not.toBe(digest);
    expect(attestationDigest(1, mailbox, keccak256("0x02"))).not.toBe(digest);
  });
});
