// Platform messages: what AutoMobile Chain vehicles and RSUs send besides CAM and DENM (map observations, model
// updates, task results), carried as the payload of the same IEEE 1609.2 signed envelope (DESIGN.md section 5).
// Encoding: deterministic CBOR (RFC 8949 section 4.2.1: shortest integers and lengths, map keys in bytewise
// lexicographic order of their encodings, no indefinite lengths), so that a message has exactly one byte form and
// its hash can go into a Merkle batch. The decoder enforces that: bytes that are valid CBOR but not the
// deterministic encoding of what they decode to are refused. Every message is a map with a version field `v` and
// a `type`, validated by a strict zod schema (unknown keys are refused, integers only: no float appears on the
// wire, so NaN, -0 and float width never make two encodings of one value).
//
// PSIDs (IEEE 1609.12; values from the IEEE Registration Authority's public PSID listing):
//   CAM  36 (0x24) "CA Basic Service", EN 302 637-2;  DENM 37 (0x25) "DEN Basic Service", EN 302 637-3.
//   Platform payloads use the two single-octet values the listing marks "reserved for private use" (0x1D and
//   0x1E, ISO 15628): 0x1D for map observations (sensing), 0x1E for compute results (model updates and task
//   results, told apart by `type`). Two PSIDs, not three, because only two private-use values are listed; the
//   split still lets an authorization ticket allow sensing without compute. IEEE 1609.12-2019 clause 4.1 also
//   provides pre-allocated testing PSIDs and a 64-value unregistered range; before any public trial, these
//   values must be replaced by PSIDs registered with the IEEE RA (one constant each, here).
import { BaseError } from "@amc/utils";
import { decode, encode, rfc8949EncodeOptions } from "cborg";
import { z } from "zod";

/** PSID (ITS-AID) of each payload we sign. */
export const PSID = {
  cam: 0x24,
  denm: 0x25,
  mapObservation: 0x1d,
  modelUpdate: 0x1e,
  taskResult: 0x1e,
} as const;

/** Version of the platform message schemas; a decoder refuses any other. */
export const PLATFORM_MESSAGE_VERSION = 1;

/** Largest platform message accepted, before any decoding (a model update chunk fits in 64 KiB). */
export const MAX_PLATFORM_MESSAGE_BYTES = 65536;

export type PlatformMessageErrorCode = "tooLarge" | "cbor" | "nonDeterministic" | "schema" | "psidMismatch";

/** A platform message failed to encode or decode; `code` says which check refused it. */
export class PlatformMessageError extends BaseError {
  override name = "PlatformMessageError";
  readonly code: PlatformMessageErrorCode;
  constructor(code: PlatformMessageErrorCode, message: string, parameters: { details?: string; cause?: unknown } = {}) {
    super(message, { ...parameters, fix: "send a platform message that matches docs/v2x-formats.md, version 1" });
    this.code = code;
  }
}

const bytes = (max: number) =>
  z.instanceof(Uint8Array).refine((b) => b.length <= max, { message: `at most ${max} bytes` });
const hash32 = z.instanceof(Uint8Array).refine((b) => b.length === 32, { message: "exactly 32 bytes" });
const uint = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const id = z.string().min(1).max(64);

/** A change to the map seen by a vehicle or RSU (feeds the "consensus on information" of DESIGN.md 5). */
export const MapObservationSchema = z.strictObject({
  v: z.literal(PLATFORM_MESSAGE_VERSION),
  type: z.literal("mapObservation"),
  /** Unix milliseconds when observed. */
  observedAt: uint,
  /** 0.1 microdegree, as the CDD's Latitude. */
  latitude: z.int().min(-900000000).max(900000000),
  /** 0.1 microdegree, as the CDD's Longitude. */
  longitude: z.int().min(-1800000000).max(1800000000),
  /** 0.1 degree from north, clockwise, as the CDD's HeadingValue (0..3599). */
  heading: z.int().min(0).max(3599).optional(),
  feature: z.enum(["speedLimit", "laneClosure", "roadGeometry", "trafficSign", "surface", "hazard"]),
  /** Feature-specific value, e.g. "80" for a speed limit in km/h. */
  value: z.string().max(256),
  /** 0..100 percent. */
  confidence: z.int().min(0).max(100),
  /** Hash of the sensor evidence kept by the sender. */
  evidenceHash: hash32.optional(),
});

/** One participant's contribution to a federated training round. */
export const ModelUpdateSchema = z.strictObject({
  v: z.literal(PLATFORM_MESSAGE_VERSION),
  type: z.literal("modelUpdate"),
  taskId: id,
  round: uint,
  /** Hash of the global model this update starts from. */
  baseModelHash: hash32,
  /** Number of local samples behind the update (its weight in aggregation). */
  sampleCount: uint,
  encoding: z.enum(["float32", "int8", "masked"]),
  update: bytes(60000),
});

/** The outcome of a task the platform handed to a vehicle. */
export const TaskResultSchema = z.strictObject({
  v: z.literal(PLATFORM_MESSAGE_VERSION),
  type: z.literal("taskResult"),
  taskId: id,
  /** Unix milliseconds when the task finished. */
  completedAt: uint,
  status: z.enum(["ok", "failed", "rejected"]),
  result: bytes(60000),
});

export const PlatformMessageSchema = z.discriminatedUnion("type", [
  MapObservationSchema,
  ModelUpdateSchema,
  TaskResultSchema,
]);

export type MapObservation = z.infer<typeof MapObservationSchema>;
export type ModelUpdate = z.infer<typeof ModelUpdateSchema>;
export type TaskResult = z.infer<typeof TaskResultSchema>;
export type PlatformMessage = z.infer<typeof PlatformMessageSchema>;

/** The PSID a platform message is signed under. */
export function psidOf(message: Pick<PlatformMessage, "type">): number {
  return PSID[message.type];
}

function parse(value: unknown, what: string): PlatformMessage {
  const result = PlatformMessageSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "message";
    throw new PlatformMessageError("schema", `${what}: ${where}: ${issue?.message ?? "invalid"}`, {
      cause: result.error,
    });
  }
  return result.data;
}

function toCbor(value: unknown): Uint8Array {
  return encode(value, rfc8949EncodeOptions);
}

/**
 * Encodes a platform message as deterministic CBOR, after validating it.
 *
 * @example
 * const bytes = encodePlatformMessage({ v: 1, type: "taskResult", taskId: "t1", completedAt: Date.now(),
 *   status: "ok", result: new Uint8Array() });
 * sign(bytes, { psid: PSID.taskResult });
 */
export function encodePlatformMessage(message: PlatformMessage): Uint8Array {
  const valid = parse(message, "cannot encode the platform message");
  const out = toCbor(valid);
  if (out.length > MAX_PLATFORM_MESSAGE_BYTES) {
    throw new PlatformMessageError("tooLarge", `the platform message is ${out.length} bytes, over the 64 KiB limit`);
  }
  return out;
}

/**
 * Decodes and validates a platform message. With `psid` (the PSID of the envelope it came in), the message type
 * must belong to that PSID. Throws PlatformMessageError with a `code` for every refusal.
 */
export function decodePlatformMessage(bytes: Uint8Array, options: { psid?: number } = {}): PlatformMessage {
  if (bytes.length > MAX_PLATFORM_MESSAGE_BYTES) {
    throw new PlatformMessageError("tooLarge", `the platform message is ${bytes.length} bytes, over the 64 KiB limit`);
  }
  let value: unknown;
  try {
    value = decode(bytes, { strict: true, rejectDuplicateMapKeys: true, allowUndefined: false, useMaps: false });
  } catch (error) {
    throw new PlatformMessageError("cbor", "the platform message is not valid CBOR", { cause: error });
  }
  // Re-encoding gives the one deterministic form; any other form of the same value is refused, so the bytes a
  // vehicle signed are the only bytes that hash to this message.
  const canonical = toCbor(value);
  if (!equalBytes(canonical, bytes)) {
    throw new PlatformMessageError("nonDeterministic", "the platform message is not in deterministic CBOR", {
      details: "map keys must be sorted bytewise and integers and lengths shortest (RFC 8949 section 4.2.1)",
    });
  }
  const message = parse(value, "invalid platform message");
  if (options.psid !== undefined && psidOf(message) !== options.psid) {
    throw new PlatformMessageError(
      "psidMismatch",
      `a ${message.type} belongs to PSID ${psidOf(message)}, not ${options.psid}`,
    );
  }
  return message;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
