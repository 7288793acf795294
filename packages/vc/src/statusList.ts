// W3C Bitstring Status List v1.0: one bit per issued credential (index 0 is the most significant bit of the first
// byte), at least 131072 bits so that a set bit says little about which holder it is, published as
// `encodedList` = multibase base64url ("u" prefix, no padding) of the GZIP of the bitstring. The issuer anchors the
// list's state on the main chain as `statusListStateHash(encodedList)`, so a verifier can tell that the list it was
// served is the one the issuer stands behind, even when the list itself is fetched from an untrusted mirror.
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { InvalidInputError } from "@amc/utils";
import { z } from "zod";
import { dateTimeSchema, issuerSchema, type StatusPurpose, statusPurposes, VC_CONTEXT_V2 } from "./credential.js";
import { base64urlDecode } from "./encoding.js";
import { CredentialError } from "./errors.js";

export type Hex = `0x${string}`;

/** The smallest list the specification allows: 16 KiB of bits. */
export const MIN_STATUS_LIST_BITS = 131_072;
/** The largest list we decode (a GZIP bomb stops here): 16 MiB of bits. */
export const MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024;

export class BitstringStatusList {
  readonly #bytes: Uint8Array;

  /** A list of `lengthBits` zero bits (a multiple of 8, at least 131072). */
  constructor(lengthBits: number = MIN_STATUS_LIST_BITS) {
    if (!Number.isInteger(lengthBits) || lengthBits < MIN_STATUS_LIST_BITS || lengthBits % 8 !== 0)
      throw new InvalidInputError(`a status list has a multiple of 8 bits, at least ${MIN_STATUS_LIST_BITS}`, {
        details: `got ${lengthBits}`,
      });
    if (lengthBits / 8 > MAX_STATUS_LIST_BYTES)
      throw new InvalidInputError(`a status list has at most ${MAX_STATUS_LIST_BYTES * 8} bits`);
    this.#bytes = new Uint8Array(lengthBits / 8);
  }

  /** Decodes an `encodedList`. Throws `status_unverifiable` when it is not multibase base64url GZIP of ≥ 16 KiB. */
  static decode(encodedList: string): BitstringStatusList {
    if (!encodedList.startsWith("u"))
      throw new CredentialError("status_unverifiable", 'encodedList is not multibase base64url (no "u" prefix)');
    const gzipped = base64urlDecode(encodedList.slice(1), "encodedList");
    let bytes: Buffer;
    try {
      bytes = gunzipSync(gzipped, { maxOutputLength: MAX_STATUS_LIST_BYTES });
    } catch (error) {
      throw new CredentialError("status_unverifiable", "encodedList is not GZIP (or decompresses beyond 16 MiB)", {
        cause: error,
      });
    }
    if (bytes.length * 8 < MIN_STATUS_LIST_BITS)
      throw new CredentialError(
        "status_unverifiable",
        `the status list has ${bytes.length * 8} bits, fewer than ${MIN_STATUS_LIST_BITS}`,
      );
    const list = new BitstringStatusList(bytes.length * 8);
    list.#bytes.set(bytes);
    return list;
  }

  get length(): number {
    return this.#bytes.length * 8;
  }

  get(index: number): boolean {
    this.#check(index);
    return ((this.#bytes[index >>> 3] ?? 0) & (0x80 >>> (index & 7))) !== 0;
  }

  set(index: number, value: boolean): void {
    this.#check(index);
    const mask = 0x80 >>> (index & 7);
    const byte = this.#bytes[index >>> 3] ?? 0;
    this.#bytes[index >>> 3] = value ? byte | mask : byte & ~mask;
  }

  /** Multibase base64url of the GZIP of the bits. */
  encode(): string {
    return `u${gzipSync(this.#bytes, { level: 9 }).toString("base64url")}`;
  }

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length)
      throw new InvalidInputError(`status index ${index} is outside the list of ${this.length} entries`);
  }
}

/**
 * The value the issuer anchors on the main chain for a list: SHA-256 of the UTF-8 `encodedList`, 0x-prefixed hex.
 * @example statusListStateHash(list.encode()) // "0x…"
 */
export function statusListStateHash(encodedList: string): Hex {
  return `0x${createHash("sha256").update(encodedList, "utf8").digest("hex")}`;
}

export const bitstringStatusListCredentialSchema = z.looseObject({
  "@context": z.array(z.unknown()).min(1),
  id: z.string().optional(),
  type: z.array(z.string()).refine((t) => t.includes("BitstringStatusListCredential"), {
    message: "type must include BitstringStatusListCredential",
  }),
  issuer: issuerSchema,
  validFrom: dateTimeSchema.optional(),
  validUntil: dateTimeSchema.optional(),
  credentialSubject: z.looseObject({
    id: z.string().optional(),
    type: z.literal("BitstringStatusList"),
    statusPurpose: z.enum(statusPurposes),
    encodedList: z.string().min(2),
    ttl: z.number().optional(),
  }),
});
export type BitstringStatusListCredential = z.infer<typeof bitstringStatusListCredentialSchema>;

export type CreateStatusListCredentialParameters = {
  /** Where the list is published; credentials name it as `statusListCredential`. */
  id: string;
  issuer: string;
  statusPurpose: StatusPurpose;
  list: BitstringStatusList;
  validFrom?: Date;
  validUntil?: Date;
};

/** The (unsigned) BitstringStatusListCredential document for a list; secure it with `issueVcJwt` or anchor it. */
export function createStatusListCredential(parameters: CreateStatusListCredentialParameters) {
  const credential: BitstringStatusListCredential = {
    "@context": [VC_CONTEXT_V2],
    id: parameters.id,
    type: ["VerifiableCredential", "BitstringStatusListCredential"],
    issuer: parameters.issuer,
    credentialSubject: {
      id: `${parameters.id}#list`,
      type: "BitstringStatusList",
      statusPurpose: parameters.statusPurpose,
      encodedList: parameters.list.encode(),
    },
  };
  if (parameters.validFrom) credential.validFrom = isoSeconds(parameters.validFrom);
  if (parameters.validUntil) credential.validUntil = isoSeconds(parameters.validUntil);
  return credential;
}

/** `2026-01-01T00:00:00Z`: ISO 8601 without milliseconds, as credentials conventionally carry it. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
