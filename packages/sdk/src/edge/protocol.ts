// The RSU <-> OBU wire protocol of docs/edge.md ("Wire protocol"): one binary WebSocket frame per message, byte 0
// its type. Control frames (CHALLENGE, ADMIT, ADMITTED, CLOSE, EVENT) carry deterministic CBOR maps, validated by
// strict zod schemas in both directions, so an encoder never emits what a decoder would refuse. DATA and ACK are
// the hot path (one per V2X message) and are fixed binary layouts read and written by hand, without CBOR.
// Every refusal is a FrameError with a `code`, so a peer can tell a truncated frame from a wrong shape.
import { BaseError } from "@amc/utils";
import { bytesToHex, type Hex, hexToBytes, isHex } from "viem";
import { z } from "zod";
import { decodeDeterministic, encodeDeterministic } from "./cbor.js";

/** Byte 0 of each frame. */
export const FrameType = {
  challenge: 0x01,
  admit: 0x02,
  admitted: 0x03,
  close: 0x04,
  data: 0x10,
  ack: 0x11,
  event: 0x12,
} as const;
export type FrameTypeName = keyof typeof FrameType;

/** Largest frame either side sends or accepts, type byte included. */
export const MAX_FRAME_BYTES = 65536;
/** `v` of the CHALLENGE (and of the ADMISSION body). */
export const EDGE_PROTOCOL_VERSION = 1;
export const NONCE_BYTES = 16;
/** ECDSA P-256 r || s (IEEE P1363). */
export const SIGNATURE_BYTES = 64;
export const MESSAGE_HASH_BYTES = 32;
/** DATA: type, seq u32 BE, then at least one SPDU byte. */
export const DATA_HEADER_BYTES = 5;
/** ACK: type, seq u32 BE, status u8, messageHash. */
export const ACK_FRAME_BYTES = 1 + 4 + 1 + MESSAGE_HASH_BYTES;
/** The largest SPDU one DATA frame carries. */
export const MAX_SPDU_BYTES = MAX_FRAME_BYTES - DATA_HEADER_BYTES;

/** ACK status names, indexed by their code (docs/edge.md). */
export const ACK_STATUS_NAMES = [
  "accepted",
  "malformed",
  "bad_signature",
  "unknown_signer",
  "expired_certificate",
  "not_yet_valid",
  "psid_not_permitted",
  "stale",
  "future",
  "replayed",
  "wrong_region",
  "revoked",
  "implausible",
  "rate_limited",
  "overloaded",
  "not_admitted",
  "wrong_signer",
  "other",
  "unsigned",
] as const;
export type AckStatusName = (typeof ACK_STATUS_NAMES)[number];

/** ACK status code of each name: 0 is "durably logged"; 14 (overloaded) means retry later, nothing was logged. */
export const ackStatus = {
  accepted: 0,
  malformed: 1,
  bad_signature: 2,
  unknown_signer: 3,
  expired_certificate: 4,
  not_yet_valid: 5,
  psid_not_permitted: 6,
  stale: 7,
  future: 8,
  replayed: 9,
  wrong_region: 10,
  revoked: 11,
  implausible: 12,
  rate_limited: 13,
  overloaded: 14,
  not_admitted: 15,
  wrong_signer: 16,
  other: 17,
  unsigned: 18,
} as const satisfies Record<AckStatusName, number>;
export type AckStatusCode = (typeof ackStatus)[AckStatusName];

/** The name of an ACK status code, or undefined for a code the protocol does not define. */
export function ackStatusName(code: number): AckStatusName | undefined {
  return Number.isInteger(code) ? ACK_STATUS_NAMES[code] : undefined;
}

export const isAckStatusCode = (code: number): code is AckStatusCode => ackStatusName(code) !== undefined;

// ---------------------------------------------------------------------------------------------------------------
// Frames as values

/** RSU -> OBU, first frame after the WebSocket opens. */
export type ChallengeFrame = {
  type: "challenge";
  /** Protocol version; always 1 (optional when encoding). */
  v?: typeof EDGE_PROTOCOL_VERSION;
  nonce: Uint8Array;
  /** The RSU's DID. */
  rsu: string;
  /** The H3 cell the RSU serves. */
  cell: string;
  /** RSU clock, Unix milliseconds. */
  time: number;
};
/** OBU -> RSU: the ticket (COER certificate), its signature over the challenge, and on handover an ADMISSION. */
export type AdmitFrame = { type: "admit"; ticket: Uint8Array; sig: Uint8Array; previous?: Uint8Array | undefined };
/** RSU -> OBU: the ADMISSION (see admission.ts). */
export type AdmittedFrame = { type: "admitted"; admission: Uint8Array };
/** RSU -> OBU: why the RSU is closing; the socket closes after it. */
export type CloseFrame = { type: "close"; code: string; detail: string };
/** OBU -> RSU: one SPDU; `seq` correlates its ACK. */
export type DataFrame = { type: "data"; seq: number; spdu: Uint8Array };
/** RSU -> OBU: the fate of DATA `seq`. */
export type AckFrame = { type: "ack"; seq: number; status: AckStatusCode; messageHash: Uint8Array };
/** RSU -> OBU: a confirmed event (hazard, accident); positions in 1e-7 degrees, times in Unix ms. */
export type EventFrame = {
  type: "event";
  /** The EventLedger id (bytes32; a CBOR byte string on the wire). */
  eventId: Hex;
  causeCode: number;
  subCauseCode: number;
  latitude: number;
  longitude: number;
  firstSeen: number;
  confirmedAt: number;
  reporters: number;
  /** The H3 cell of the RSU that confirmed it. */
  cell: string;
};
/** The event an EVENT frame carries. */
export type EdgeEvent = Omit<EventFrame, "type">;

export type Frame = ChallengeFrame | AdmitFrame | AdmittedFrame | CloseFrame | DataFrame | AckFrame | EventFrame;

// ---------------------------------------------------------------------------------------------------------------
// Errors

export type FrameErrorCode =
  | "empty"
  | "oversize"
  | "unknown_type"
  | "truncated"
  | "trailing_bytes"
  | "cbor"
  | "non_deterministic"
  | "schema";

/** A frame could not be encoded or decoded; `code` says which check refused it. */
export class FrameError extends BaseError {
  override name = "FrameError";
  readonly code: FrameErrorCode;
  readonly frameType: FrameTypeName | undefined;
  constructor(
    code: FrameErrorCode,
    message: string,
    parameters: { frameType?: FrameTypeName | undefined; details?: string; cause?: unknown } = {},
  ) {
    super(message, {
      details: parameters.details,
      cause: parameters.cause,
      fix: "frames must follow the wire protocol of docs/edge.md",
    });
    this.code = code;
    this.frameType = parameters.frameType;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CBOR bodies

const bytesOf = (length: number) =>
  z.instanceof(Uint8Array).refine((b) => b.length === length, { message: `must be exactly ${length} bytes` });
const someBytes = z.instanceof(Uint8Array).refine((b) => b.length > 0, { message: "must not be empty" });
const uint = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A DID: method and method-specific id, as did:amc:<network>:<64 hex> or any other method. */
export const didString = z
  .string()
  .max(256)
  .regex(/^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/, { message: "must be a DID (did:<method>:<id>)" });
/** An H3 cell index as h3-js prints it: 15 lower-case hex digits. */
export const h3Cell = z.string().regex(/^[0-9a-f]{15}$/, { message: "must be an H3 cell index (15 hex digits)" });

const ChallengeBody = z.strictObject({
  v: z.literal(EDGE_PROTOCOL_VERSION),
  nonce: bytesOf(NONCE_BYTES),
  rsu: didString,
  cell: h3Cell,
  time: uint,
});
const AdmitBody = z.strictObject({ ticket: someBytes, sig: bytesOf(SIGNATURE_BYTES), previous: someBytes.optional() });
const AdmittedBody = z.strictObject({ admission: someBytes });
const CloseBody = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: "must be 1 to 64 of A-Z a-z 0-9 _ . -" }),
  detail: z.string().max(1024),
});
const EventBody = z.strictObject({
  eventId: bytesOf(32),
  causeCode: z.int().min(0).max(65535),
  subCauseCode: z.int().min(0).max(65535),
  latitude: z.int().min(-900000000).max(900000001),
  longitude: z.int().min(-1800000000).max(1800000001),
  firstSeen: uint,
  confirmedAt: uint,
  reporters: z.int().min(1).max(65535),
  cell: h3Cell,
});

function schemaError(frameType: FrameTypeName, error: z.ZodError, what: string): FrameError {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : "body";
  return new FrameError("schema", `${what} ${frameType.toUpperCase()} frame: ${where} ${issue?.message ?? "invalid"}`, {
    frameType,
    cause: error,
  });
}

function checkSize(length: number, frameType: FrameTypeName | undefined): void {
  if (length > MAX_FRAME_BYTES)
    throw new FrameError("oversize", `frame is ${length} bytes, over the ${MAX_FRAME_BYTES}-byte limit`, {
      frameType,
    });
}

function encodeCbor<T>(frameType: FrameTypeName, schema: z.ZodType<T>, body: unknown): Uint8Array {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw schemaError(frameType, parsed.error, "cannot encode the");
  const encoded = encodeDeterministic(parsed.data);
  checkSize(encoded.length + 1, frameType);
  const out = new Uint8Array(encoded.length + 1);
  out[0] = FrameType[frameType];
  out.set(encoded, 1);
  return out;
}

/** Decodes a deterministic-CBOR map and validates it; `bytes` excludes the type byte. */
function decodeCborBody<T>(frameType: FrameTypeName, schema: z.ZodType<T>, bytes: Uint8Array): T {
  if (bytes.length === 0)
    throw new FrameError("truncated", `${frameType.toUpperCase()} frame has no body`, { frameType });
  const decoded = decodeDeterministic(bytes);
  if (!decoded.ok)
    throw new FrameError(
      decoded.code,
      decoded.code === "cbor"
        ? `${frameType.toUpperCase()} frame body is not valid CBOR`
        : `${frameType.toUpperCase()} frame body is not deterministic CBOR`,
      { frameType, details: decoded.detail, cause: decoded.cause },
    );
  const parsed = schema.safeParse(decoded.value);
  if (!parsed.success) throw schemaError(frameType, parsed.error, "invalid");
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------------------------
// Hot path: DATA and ACK

function checkSeq(seq: number, frameType: FrameTypeName): void {
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffffffff)
    throw new FrameError("schema", `cannot encode the ${frameType.toUpperCase()} frame: seq ${seq} is not a u32`, {
      frameType,
    });
}

const readU32 = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** DATA frame: 0x10, seq (u32 BE), the SPDU bytes. */
export function encodeData(seq: number, spdu: Uint8Array): Buffer {
  checkSeq(seq, "data");
  if (spdu.length === 0)
    throw new FrameError("schema", "cannot encode the DATA frame: the SPDU is empty", { frameType: "data" });
  checkSize(DATA_HEADER_BYTES + spdu.length, "data");
  const out = Buffer.allocUnsafe(DATA_HEADER_BYTES + spdu.length);
  out[0] = FrameType.data;
  out.writeUInt32BE(seq, 1);
  out.set(spdu, DATA_HEADER_BYTES);
  return out;
}

/** Decodes a DATA frame; `spdu` is a view into `frame`, not a copy. */
export function decodeData(frame: Uint8Array): DataFrame {
  expectType(frame, "data");
  if (frame.length <= DATA_HEADER_BYTES)
    throw new FrameError(
      "truncated",
      `DATA frame is ${frame.length} bytes; it needs ${DATA_HEADER_BYTES} header bytes and at least one SPDU byte`,
      { frameType: "data" },
    );
  return { type: "data", seq: readU32(frame, 1), spdu: frame.subarray(DATA_HEADER_BYTES) };
}

/** ACK frame: 0x11, seq (u32 BE), status (u8), messageHash (32 bytes). */
export function encodeAck(seq: number, status: number, messageHash: Uint8Array): Buffer {
  checkSeq(seq, "ack");
  if (!isAckStatusCode(status))
    throw new FrameError("schema", `cannot encode the ACK frame: status ${status} is not an ACK status code`, {
      frameType: "ack",
    });
  if (messageHash.length !== MESSAGE_HASH_BYTES)
    throw new FrameError("schema", `cannot encode the ACK frame: messageHash is ${messageHash.length} bytes, not 32`, {
      frameType: "ack",
    });
  const out = Buffer.allocUnsafe(ACK_FRAME_BYTES);
  out[0] = FrameType.ack;
  out.writeUInt32BE(seq, 1);
  out[5] = status;
  out.set(messageHash, 6);
  return out;
}

/** Decodes an ACK frame; `messageHash` is a view into `frame`. */
export function decodeAck(frame: Uint8Array): AckFrame {
  expectType(frame, "ack");
  if (frame.length < ACK_FRAME_BYTES)
    throw new FrameError("truncated", `ACK frame is ${frame.length} bytes, not ${ACK_FRAME_BYTES}`, {
      frameType: "ack",
    });
  if (frame.length > ACK_FRAME_BYTES)
    throw new FrameError("trailing_bytes", `ACK frame is ${frame.length} bytes, not ${ACK_FRAME_BYTES}`, {
      frameType: "ack",
    });
  const status = frame[5]!;
  if (!isAckStatusCode(status))
    throw new FrameError("schema", `ACK status ${status} is not defined (0..${ACK_STATUS_NAMES.length - 1})`, {
      frameType: "ack",
    });
  return { type: "ack", seq: readU32(frame, 1), status, messageHash: frame.subarray(6) };
}

// ---------------------------------------------------------------------------------------------------------------
// Any frame

const FRAME_TYPE_NAMES: readonly FrameTypeName[] = ["challenge", "admit", "admitted", "close", "data", "ack", "event"];
const TYPE_NAMES = new Map<number, FrameTypeName>(FRAME_TYPE_NAMES.map((name) => [FrameType[name], name]));

/** The type of a frame from its first byte; throws FrameError for an empty, oversize or unknown frame. */
export function frameTypeOf(frame: Uint8Array): FrameTypeName {
  if (frame.length === 0) throw new FrameError("empty", "frame is empty; byte 0 must be its type");
  checkSize(frame.length, undefined);
  const name = TYPE_NAMES.get(frame[0]!);
  if (name === undefined)
    throw new FrameError("unknown_type", `frame type 0x${frame[0]!.toString(16).padStart(2, "0")} is not defined`, {
      details: `defined types: ${[...TYPE_NAMES].map(([b, n]) => `0x${b.toString(16).padStart(2, "0")} ${n}`).join(", ")}`,
    });
  return name;
}

function expectType(frame: Uint8Array, expected: FrameTypeName): void {
  const actual = frameTypeOf(frame);
  if (actual !== expected)
    throw new FrameError("unknown_type", `expected a ${expected.toUpperCase()} frame, got ${actual.toUpperCase()}`, {
      frameType: actual,
    });
}

/** Encodes any frame; validates it exactly as `decodeFrame` would. */
export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.type) {
    case "challenge":
      return encodeCbor("challenge", ChallengeBody, {
        v: EDGE_PROTOCOL_VERSION,
        nonce: frame.nonce,
        rsu: frame.rsu,
        cell: frame.cell,
        time: frame.time,
      });
    case "admit":
      return encodeCbor("admit", AdmitBody, {
        ticket: frame.ticket,
        sig: frame.sig,
        ...(frame.previous === undefined ? {} : { previous: frame.previous }),
      });
    case "admitted":
      return encodeCbor("admitted", AdmittedBody, { admission: frame.admission });
    case "close":
      return encodeCbor("close", CloseBody, { code: frame.code, detail: frame.detail });
    case "data":
      return encodeData(frame.seq, frame.spdu);
    case "ack":
      return encodeAck(frame.seq, frame.status, frame.messageHash);
    case "event": {
      const { type: _, eventId, ...rest } = frame;
      if (!isHex(eventId) || eventId.length !== 66)
        throw new FrameError("schema", "cannot encode the EVENT frame: eventId must be 32 bytes of hex", {
          frameType: "event",
        });
      return encodeCbor("event", EventBody, { ...rest, eventId: hexToBytes(eventId) });
    }
  }
}

/**
 * Decodes and validates any frame. Throws FrameError (with `code`) for an empty, oversize, unknown, truncated or
 * over-long frame, a body that is not deterministic CBOR, or a body of the wrong shape.
 *
 * @example
 * socket.on("message", (data) => {
 *   const frame = decodeFrame(data);
 *   if (frame.type === "ack") settle(frame.seq, frame.status);
 * });
 */
export function decodeFrame(frame: Uint8Array): Frame {
  const type = frameTypeOf(frame);
  const body = frame.subarray(1);
  switch (type) {
    case "data":
      return decodeData(frame);
    case "ack":
      return decodeAck(frame);
    case "challenge": {
      const { nonce, rsu, cell, time } = decodeCborBody(type, ChallengeBody, body);
      return { type, v: EDGE_PROTOCOL_VERSION, nonce, rsu, cell, time };
    }
    case "admit": {
      const { ticket, sig, previous } = decodeCborBody(type, AdmitBody, body);
      return previous === undefined ? { type, ticket, sig } : { type, ticket, sig, previous };
    }
    case "admitted":
      return { type, admission: decodeCborBody(type, AdmittedBody, body).admission };
    case "close": {
      const { code, detail } = decodeCborBody(type, CloseBody, body);
      return { type, code, detail };
    }
    case "event": {
      const { eventId, ...rest } = decodeCborBody(type, EventBody, body);
      return { type, ...rest, eventId: bytesToHex(eventId) };
    }
  }
}
