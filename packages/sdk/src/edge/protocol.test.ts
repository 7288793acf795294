// The wire codec of docs/edge.md: every frame type round-trips, and every malformed shape (wrong type byte, short
// or long frames, bad CBOR, non-deterministic CBOR, wrong fields, oversize) is refused with a FrameError whose
// code says which check refused it.
import { encode } from "cborg";
import fc from "fast-check";
import { type Hex, toHex } from "viem";
import { describe, expect, it } from "vitest";
import {
  ACK_FRAME_BYTES,
  ACK_STATUS_NAMES,
  type AckStatusCode,
  ackStatus,
  ackStatusName,
  decodeAck,
  decodeData,
  decodeFrame,
  encodeAck,
  encodeData,
  encodeFrame,
  type Frame,
  FrameError,
  FrameType,
  MAX_FRAME_BYTES,
  MAX_SPDU_BYTES,
} from "./protocol.js";

const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const did = fc.stringMatching(/^[0-9a-f]{64}$/).map((id) => `did:amc:test:${id}`);
const cell = fc.stringMatching(/^[0-9a-f]{15}$/);
const uint = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const statusCode = fc.constantFrom(...Object.values(ackStatus)) as fc.Arbitrary<AckStatusCode>;

const frameArbitrary: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constant("challenge" as const),
    v: fc.constant(1 as const),
    nonce: bytes(16),
    rsu: did,
    cell,
    time: uint,
  }),
  fc.record(
    {
      type: fc.constant("admit" as const),
      ticket: fc.uint8Array({ minLength: 1, maxLength: 300 }),
      sig: bytes(64),
      previous: fc.uint8Array({ minLength: 1, maxLength: 300 }),
    },
    { requiredKeys: ["type", "ticket", "sig"] },
  ),
  fc.record({ type: fc.constant("admitted" as const), admission: fc.uint8Array({ minLength: 1, maxLength: 400 }) }),
  fc.record({
    type: fc.constant("close" as const),
    code: fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
    detail: fc.string({ maxLength: 200 }),
  }),
  fc.record({ type: fc.constant("data" as const), seq: u32, spdu: fc.uint8Array({ minLength: 1, maxLength: 500 }) }),
  fc.record({ type: fc.constant("ack" as const), seq: u32, status: statusCode, messageHash: bytes(32) }),
  fc.record({
    type: fc.constant("event" as const),
    eventId: bytes(32).map((b): Hex => toHex(b)),
    causeCode: fc.integer({ min: 0, max: 255 }),
    subCauseCode: fc.integer({ min: 0, max: 255 }),
    latitude: fc.integer({ min: -900000000, max: 900000000 }),
    longitude: fc.integer({ min: -1800000000, max: 1800000000 }),
    firstSeen: uint,
    confirmedAt: uint,
    reporters: fc.integer({ min: 1, max: 65535 }),
    cell,
  }),
);

/** Normalises Buffers/subarrays to plain Uint8Arrays so that equality compares contents only. */
const plain = (frame: Frame): unknown =>
  Object.fromEntries(Object.entries(frame).map(([k, v]) => [k, v instanceof Uint8Array ? Array.from(v) : v]));

function refusal(frame: Uint8Array): FrameError {
  try {
    decodeFrame(frame);
  } catch (error) {
    if (error instanceof FrameError) return error;
    throw error;
  }
  throw new Error(`frame ${Buffer.from(frame).toString("hex")} was accepted`);
}

const cborFrame = (type: number, body: unknown) => Uint8Array.from([type, ...encode(body)]);
const validChallenge = {
  v: 1 as const,
  nonce: new Uint8Array(16),
  rsu: `did:amc:test:${"ab".repeat(32)}`,
  cell: "871f18803ffffff",
  time: 1,
};

describe("frame codec", () => {
  it("round-trips every frame type, byte for byte", () => {
    fc.assert(
      fc.property(frameArbitrary, (frame) => {
        const encoded = encodeFrame(frame);
        expect(encoded[0]).toBe(FrameType[frame.type]);
        const decoded = decodeFrame(encoded);
        expect(plain(decoded)).toEqual(plain({ ...frame, ...(frame.type === "challenge" ? { v: 1 } : {}) }));
        expect(Buffer.from(encodeFrame(decoded)).equals(Buffer.from(encoded))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("lays out DATA and ACK as fixed binary, seq big-endian", () => {
    const data = encodeData(0x01020304, Uint8Array.of(0xaa, 0xbb));
    expect(Buffer.from(data).toString("hex")).toBe("1001020304aabb");
    const ack = encodeAck(0xfffffffe, ackStatus.overloaded, new Uint8Array(32).fill(7));
    expect(ack.length).toBe(ACK_FRAME_BYTES);
    expect(Buffer.from(ack.subarray(0, 6)).toString("hex")).toBe("11fffffffe0e");
    expect(decodeAck(ack)).toMatchObject({ seq: 0xfffffffe, status: 14 });
    expect([...decodeData(data).spdu]).toEqual([0xaa, 0xbb]);
  });

  it("maps every ACK status name to its code and back", () => {
    expect(ACK_STATUS_NAMES).toHaveLength(19);
    for (const [name, code] of Object.entries(ackStatus)) expect(ackStatusName(code)).toBe(name);
    expect(ackStatus.accepted).toBe(0);
    expect(ackStatus.overloaded).toBe(14);
    expect(ackStatus.other).toBe(17);
    expect(ackStatus.unsigned).toBe(18);
    expect(ackStatusName(19)).toBeUndefined();
    expect(ackStatusName(-1)).toBeUndefined();
    expect(ackStatusName(1.5)).toBeUndefined();
  });
});

describe("frame rejection", () => {
  it("refuses empty, oversize and unknown-type frames", () => {
    expect(refusal(new Uint8Array()).code).toBe("empty");
    const big = new Uint8Array(MAX_FRAME_BYTES + 1);
    big[0] = FrameType.data;
    expect(refusal(big).code).toBe("oversize");
    expect(refusal(big).message).toContain("65537 bytes, over the 65536-byte limit");
    const known = new Set<number>(Object.values(FrameType));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }).filter((b) => !known.has(b)),
        fc.uint8Array({ maxLength: 40 }),
        (type, rest) => {
          const error = refusal(Uint8Array.from([type, ...rest]));
          expect(error.code).toBe("unknown_type");
          expect(error.message).toContain(`0x${type.toString(16).padStart(2, "0")} is not defined`);
        },
      ),
    );
  });

  it("refuses to encode what it would not decode", () => {
    expect(() => encodeData(0, new Uint8Array(MAX_SPDU_BYTES + 1))).toThrow(/over the 65536-byte limit/);
    expect(encodeData(0, new Uint8Array(MAX_SPDU_BYTES)).length).toBe(MAX_FRAME_BYTES);
    expect(() => encodeData(0, new Uint8Array())).toThrow("the SPDU is empty");
    expect(() => encodeData(2 ** 32, Uint8Array.of(1))).toThrow("is not a u32");
    expect(() => encodeAck(1, 19, new Uint8Array(32))).toThrow("status 19 is not an ACK status code");
    expect(() => encodeAck(1, 0, new Uint8Array(31))).toThrow("messageHash is 31 bytes");
    expect(() =>
      encodeFrame({
        type: "challenge",
        nonce: new Uint8Array(15),
        rsu: "did:amc:x:y",
        cell: "871f18803ffffff",
        time: 0,
      }),
    ).toThrow("nonce must be exactly 16 bytes");
    expect(() => encodeFrame({ type: "close", code: "has space", detail: "" })).toThrow(FrameError);
    expect(() => encodeFrame({ type: "admitted", admission: new Uint8Array(MAX_FRAME_BYTES) })).toThrow(/over the/);
  });

  it("refuses DATA and ACK frames of the wrong length or status", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), (length) => {
        const frame = new Uint8Array(length);
        frame[0] = FrameType.data;
        expect(refusal(frame).code).toBe("truncated");
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }).filter((n) => n !== ACK_FRAME_BYTES),
        (length) => {
          const frame = new Uint8Array(length);
          frame[0] = FrameType.ack;
          const error = refusal(frame);
          expect(error.code).toBe(length < ACK_FRAME_BYTES ? "truncated" : "trailing_bytes");
          expect(error.shortMessage).toBe(`ACK frame is ${length} bytes, not 38`);
        },
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: ACK_STATUS_NAMES.length, max: 255 }), (status) => {
        const frame = new Uint8Array(ACK_FRAME_BYTES);
        frame[0] = FrameType.ack;
        frame[5] = status;
        expect(refusal(frame).code).toBe("schema");
      }),
    );
    expect(() => decodeAck(encodeData(1, Uint8Array.of(1)))).toThrow("expected a ACK frame, got DATA");
  });

  it("refuses every truncation of a CBOR frame", () => {
    const cborTypes = frameArbitrary.filter((f) => f.type !== "data" && f.type !== "ack");
    fc.assert(
      fc.property(cborTypes, fc.nat(), (frame, cut) => {
        const encoded = encodeFrame(frame);
        const length = 1 + (cut % (encoded.length - 1)); // keeps the type byte, drops at least one body byte
        expect(refusal(encoded.subarray(0, length)).code).toMatch(/^(truncated|cbor)$/);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses CBOR bodies that are garbage, trailing or not deterministic", () => {
    const challenge = encodeFrame({ type: "challenge", ...validChallenge, nonce: new Uint8Array(16) });
    expect(refusal(Uint8Array.from([...challenge, 0x00])).code).toBe("cbor"); // two CBOR items
    expect(refusal(Uint8Array.of(FrameType.close, 0xff)).code).toBe("cbor");
    // {detail: "", code: "x"}: the same map with its keys out of bytewise order.
    const unsorted = Uint8Array.from([
      FrameType.close,
      0xa2,
      0x66,
      ...Buffer.from("detail"),
      0x60,
      0x64,
      ...Buffer.from("code"),
      0x61,
      0x78,
    ]);
    expect(refusal(unsorted).code).toBe("non_deterministic");
    // time: 1 as a two-byte integer instead of the one-byte form (cborg's strict mode refuses it while decoding).
    const sorted = Buffer.from(challenge);
    const long = Buffer.concat([sorted.subarray(0, sorted.length - 1), Buffer.from([0x19, 0x00, 0x01])]);
    expect(decodeFrame(challenge)).toMatchObject({ time: 1 });
    expect(refusal(long).code).toBe("cbor");
    fc.assert(
      fc.property(
        fc.constantFrom(FrameType.challenge, FrameType.admit, FrameType.admitted, FrameType.close, FrameType.event),
        fc.uint8Array({ minLength: 1, maxLength: 60 }),
        (type, body) => {
          expect(["cbor", "non_deterministic", "schema"]).toContain(refusal(Uint8Array.from([type, ...body])).code);
        },
      ),
    );
  });

  it("refuses CBOR bodies of the wrong shape", () => {
    const cases: [number, unknown, string][] = [
      [FrameType.challenge, { ...validChallenge, v: 2 }, "v"],
      [FrameType.challenge, { ...validChallenge, nonce: new Uint8Array(17) }, "nonce must be exactly 16 bytes"],
      [FrameType.challenge, { ...validChallenge, nonce: "00".repeat(16) }, "nonce"],
      [FrameType.challenge, { ...validChallenge, rsu: "rsu-1" }, "rsu must be a DID"],
      [FrameType.challenge, { ...validChallenge, cell: "871F18803FFFFFF" }, "cell must be an H3 cell index"],
      [FrameType.challenge, { ...validChallenge, time: -1 }, "time"],
      [FrameType.challenge, { ...validChallenge, extra: 1 }, "Unrecognized key"],
      [
        FrameType.challenge,
        { v: 1, nonce: new Uint8Array(16), rsu: validChallenge.rsu, cell: validChallenge.cell },
        "time",
      ],
      [FrameType.admit, { ticket: new Uint8Array(1), sig: new Uint8Array(63) }, "sig must be exactly 64 bytes"],
      [FrameType.admit, { ticket: new Uint8Array(), sig: new Uint8Array(64) }, "ticket must not be empty"],
      [FrameType.admit, { ticket: new Uint8Array(1), sig: new Uint8Array(64), previous: 5 }, "previous"],
      [FrameType.admitted, { admission: [1, 2] }, "admission"],
      [FrameType.close, { code: "x" }, "detail"],
      [FrameType.close, { code: 7, detail: "" }, "code"],
      [FrameType.event, { eventId: new Uint8Array(31) }, "eventId must be exactly 32 bytes"],
      [FrameType.admitted, [1, 2, 3], "body"],
    ];
    for (const [type, body, message] of cases) {
      const error = refusal(cborFrame(type, body));
      expect(error.code, message).toBe("schema");
      expect(error.message).toContain(message);
    }
  });

  it("decodes arbitrary bytes only into valid frames or FrameErrors", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (frame) => {
        try {
          const decoded = decodeFrame(frame);
          expect(Buffer.from(encodeFrame(decoded)).equals(Buffer.from(frame))).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
