// The OBU's and the misbehaviour authority's side of the platform PKI service (apps/pki): its wire format (zod
// schemas of every body, shared with the service so the two cannot drift) and a fetch-only client. Requests that
// act for a vehicle are signed by its OBU key: ECDSA P-256 with SHA-256 (IEEE P1363 r || s, hex) over the
// canonical JSON of the request without its `signature` (keys sorted at every level, no whitespace; for the
// strings, integers and arrays of these bodies that is RFC 8785 JCS). Enrolment so proves possession of the key it
// registers, and ticket requests prove they come from the enrolled OBU. See docs/v2x-pki.md.
import { type KeyObject, sign, verify } from "node:crypto";
import { BaseError, EnvironmentError, InvalidInputError } from "@amc/utils";
import { z } from "zod";
import { decodeCertificate } from "../ieee1609/codec.js";
import { bytesEqual, certificateDigest, toHex } from "../ieee1609/hash.js";
import { publicKeyFromPoint } from "../ieee1609/keys.js";
import type { Certificate } from "../ieee1609/types.js";
import type { Schedule } from "./authorities.js";
import { sec1Compressed } from "./ticketing.js";

// ---- wire format ----

const hexOf = (what: string, bytes?: number) =>
  z.string().regex(bytes === undefined ? /^(?:[0-9a-fA-F]{2})+$/ : new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), {
    message: bytes === undefined ? `${what}: hex` : `${what}: ${bytes} bytes as hex`,
  });
/** SEC1 P-256 point, compressed (33 bytes) or uncompressed (65), as hex. */
const sec1Hex = z.string().regex(/^(?:0[23][0-9a-fA-F]{64}|04[0-9a-fA-F]{128})$/, {
  message: "a SEC1 P-256 point (33 or 65 bytes) as hex",
});
const signatureHex = hexOf("an ECDSA P-256 signature (r || s)", 64);
const did = z
  .string()
  .regex(/^did:amc:[a-z][a-z0-9-]{0,31}:[0-9a-f]{64}$/, { message: "a did:amc DID (did:amc:<network>:<64 hex>)" });
/** Most slots in one ticket request (a week of hourly slots). */
export const MAX_SLOTS_PER_REQUEST = 168;

export const pkiEnrolRequestSchema = z.strictObject({
  vehicleDid: did,
  /** The vehicle identity credential (vc+jwt or SD-JWT) issued by an OEM of the consortium. */
  credential: z.string().min(1).max(16_384),
  obuKey: sec1Hex,
  signature: signatureHex,
});
export type PkiEnrolRequest = z.infer<typeof pkiEnrolRequestSchema>;

export const pkiTicketsRequestSchema = z
  .strictObject({
    vehicleDid: did,
    period: z.number().int().min(0).max(0xffff),
    slots: z.array(z.number().int().min(0).max(0xffffffff)).min(1).max(MAX_SLOTS_PER_REQUEST),
    publicKeys: z.array(sec1Hex).min(1).max(MAX_SLOTS_PER_REQUEST),
    signature: signatureHex,
  })
  .refine((r) => r.publicKeys.length === r.slots.length, {
    message: "one public key per slot",
    path: ["publicKeys"],
  })
  .refine((r) => new Set(r.slots).size === r.slots.length, { message: "slots must be distinct", path: ["slots"] });
export type PkiTicketsRequest = z.infer<typeof pkiTicketsRequestSchema>;

export const pkiRevokeRequestSchema = z.strictObject({
  linkageValue: hexOf("a linkage value", 9),
  /** First period whose tickets are revoked (default: the current one; never before the ticket's own). */
  fromPeriod: z.number().int().min(0).max(0xffff).optional(),
  /** Hash of the misbehaviour investigation behind the revocation, kept off chain (default zero). */
  reportHash: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, { message: "a 0x-prefixed 32-byte hash" })
    .optional(),
});
export type PkiRevokeRequest = z.infer<typeof pkiRevokeRequestSchema>;

export const pkiTraceRequestSchema = z.strictObject({ linkageValue: hexOf("a linkage value", 9) });
export type PkiTraceRequest = z.infer<typeof pkiTraceRequestSchema>;

const scheduleSchema = z.strictObject({
  periodSeconds: z.number().int().min(1),
  slotSeconds: z.number().int().min(1),
  epoch: z.number().int(),
});

export const pkiCaResponseSchema = z.object({
  root: hexOf("the root certificate"),
  pca: hexOf("the PCA certificate"),
  rootDigest: hexOf("a HashedId8", 8),
  pcaDigest: hexOf("a HashedId8", 8),
  schedule: scheduleSchema,
});
export type PkiCaResponse = z.infer<typeof pkiCaResponseSchema>;

export const pkiEnrolResponseSchema = z.object({ token: z.string().min(1) });
export const pkiTicketsResponseSchema = z.object({
  period: z.number().int(),
  tickets: z.array(z.object({ slot: z.number().int(), certificate: hexOf("a ticket"), linkageValue: hexOf("lv", 9) })),
});
export const pkiRevokeResponseSchema = z.object({
  txHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  period: z.number().int(),
  seedIndex: z.number().int().optional(),
});
export const pkiTraceResponseSchema = z.object({ vehicleDid: z.string() });

/** RFC 9457 problem details, as the service answers every error. */
export const problemSchema = z.looseObject({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().int().optional(),
  detail: z.string().optional(),
});
export type ProblemDetails = z.infer<typeof problemSchema>;

// ---- request signatures ----

/** The canonical JSON of a value: object keys sorted at every level, no whitespace, undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) throw new InvalidInputError(`${value} has no JSON form`);
  if (value === undefined || typeof value === "function" || typeof value === "bigint" || typeof value === "symbol")
    throw new InvalidInputError(`a ${typeof value} has no canonical JSON form`);
  return JSON.stringify(value);
}

/** The bytes an OBU signs for a request: the canonical JSON of the body without `signature`. */
export function pkiRequestMessage(body: Record<string, unknown>): Uint8Array {
  const { signature: _ignored, ...rest } = body;
  return new TextEncoder().encode(canonicalJson(rest));
}

/** Signs a request body (without `signature`) with the OBU's P-256 private key; hex r || s. */
export function signPkiRequest(body: Record<string, unknown>, privateKey: KeyObject): string {
  return sign("sha256", pkiRequestMessage(body), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("hex");
}

/** Whether `body.signature` is `publicKey`'s signature over the rest of `body`; never throws on bad input. */
export function verifyPkiRequest(body: Record<string, unknown> & { signature: string }, publicKey: KeyObject): boolean {
  const signature = Buffer.from(body.signature, "hex");
  if (signature.length !== 64) return false;
  return verify("sha256", pkiRequestMessage(body), { key: publicKey, dsaEncoding: "ieee-p1363" }, signature);
}

// ---- client ----

/** The PKI service answered with an error; `status` and `problem` are its HTTP status and problem details. */
export class PkiRequestError extends BaseError {
  override name = "PkiRequestError";
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails,
    what: string,
  ) {
    super(`${what} failed: ${status} ${problem.title ?? ""}`.trim(), { details: problem.detail });
  }
}

export type PkiCa = {
  root: Certificate;
  pca: Certificate;
  rootBytes: Uint8Array;
  pcaBytes: Uint8Array;
  /** HashedId8 of the root: what the main chain's V2xTrustStore must list as trusted. */
  rootDigest: Uint8Array;
  schedule: Schedule;
};

export type IssuedTicket = {
  period: number;
  slot: number;
  certificate: Certificate;
  /** The ticket's COER encoding, as issued. */
  bytes: Uint8Array;
  linkageValue: Uint8Array;
};

export type PkiEnrolParameters = {
  vehicleDid: string;
  credential: string;
  /** The OBU's long-term P-256 private key: signs the request, and its public half is what gets enrolled. */
  obuKey: KeyObject;
};

export type PkiTicketsParameters = {
  vehicleDid: string;
  /** The enrolled OBU key (private), which signs the request. */
  obuKey: KeyObject;
  period: number;
  slots: number[];
  /** One verification key per slot: the ticket's public key (a private KeyObject works too; only its public half is sent). */
  keys: KeyObject[];
};

const fromHex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const lvHex = (lv: Uint8Array | string) => (typeof lv === "string" ? lv.toLowerCase() : toHex(lv));

/**
 * A client of the PKI service over HTTP (fetch only).
 *
 * @example
 * const pki = new PkiClient("http://127.0.0.1:8092");
 * await pki.enrol({ vehicleDid, credential, obuKey });
 * const tickets = await pki.tickets({ vehicleDid, obuKey, period: 0, slots: [0, 1], keys: [k0.publicKey, k1.publicKey] });
 */
export class PkiClient {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly options: { timeoutMs?: number } = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  private async call<T>(
    what: string,
    method: "GET" | "POST",
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
    adminToken?: string,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (adminToken !== undefined) headers.authorization = `Bearer ${adminToken}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (cause) {
      throw new EnvironmentError(`the PKI service at ${this.baseUrl} does not answer`, {
        fix: "start it (amc up) or check the URL",
        cause,
      });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch (cause) {
      throw new InvalidInputError(`${what}: the PKI service answered ${response.status} with no JSON`, { cause });
    }
    if (!response.ok) {
      const problem = problemSchema.safeParse(json);
      throw new PkiRequestError(response.status, problem.success ? problem.data : { detail: text }, what);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new InvalidInputError(`${what}: the PKI service's answer does not match its schema`, {
        details: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
      });
    return parsed.data;
  }

  health(): Promise<{ status: string }> {
    return this.call("health", "GET", "/health", z.object({ status: z.string() }));
  }

  /** The root and PCA certificates and the ticket schedule; checks that the root digest names the root. */
  async ca(): Promise<PkiCa> {
    const answer = await this.call("ca", "GET", "/v1/ca", pkiCaResponseSchema);
    const rootBytes = fromHex(answer.root);
    const pcaBytes = fromHex(answer.pca);
    const root = decodeCertificate(rootBytes);
    const pca = decodeCertificate(pcaBytes);
    const rootDigest = fromHex(answer.rootDigest);
    if (!bytesEqual(certificateDigest(root), rootDigest))
      throw new InvalidInputError("the PKI service's rootDigest is not the HashedId8 of its root certificate");
    return { root, pca, rootBytes, pcaBytes, rootDigest, schedule: answer.schedule };
  }

  /** Enrols the OBU key for the vehicle (proof of possession: the request is signed by that key). */
  async enrol(parameters: PkiEnrolParameters): Promise<{ token: string }> {
    const body = {
      vehicleDid: parameters.vehicleDid,
      credential: parameters.credential,
      obuKey: toHex(sec1Compressed(parameters.obuKey)),
    };
    return this.call("enrol", "POST", "/v1/enrol", pkiEnrolResponseSchema, {
      ...body,
      signature: signPkiRequest(body, parameters.obuKey),
    });
  }

  /** Tickets for `slots` of `period`, one per slot, each for the key given for it (checked here). */
  async tickets(parameters: PkiTicketsParameters): Promise<IssuedTicket[]> {
    if (parameters.keys.length !== parameters.slots.length) throw new InvalidInputError("one key per slot");
    const publicKeys = parameters.keys.map((k) => toHex(sec1Compressed(k)));
    const body = { vehicleDid: parameters.vehicleDid, period: parameters.period, slots: parameters.slots, publicKeys };
    const answer = await this.call("tickets", "POST", "/v1/tickets", pkiTicketsResponseSchema, {
      ...body,
      signature: signPkiRequest(body, parameters.obuKey),
    });
    return answer.tickets.map((t) => {
      const bytes = fromHex(t.certificate);
      const certificate = decodeCertificate(bytes);
      const asked = parameters.slots.indexOf(t.slot);
      const vki = certificate.toBeSigned.verifyKeyIndicator;
      const key =
        vki.type === "verificationKey" && vki.key.type === "ecdsaNistP256"
          ? toHex(sec1Compressed(publicKeyFromPoint(vki.key.point)))
          : undefined;
      if (asked < 0 || key !== publicKeys[asked])
        throw new InvalidInputError(`the PKI service returned a ticket for slot ${t.slot} that was not asked for`);
      return { period: answer.period, slot: t.slot, certificate, bytes, linkageValue: fromHex(t.linkageValue) };
    });
  }

  /** Revokes the vehicle holding the ticket with this linkage value: its seeds are published on the main chain. */
  revoke(
    linkageValue: Uint8Array | string,
    adminToken: string,
    options: { fromPeriod?: number; reportHash?: `0x${string}` } = {},
  ): Promise<z.infer<typeof pkiRevokeResponseSchema>> {
    return this.call(
      "revoke",
      "POST",
      "/v1/revoke",
      pkiRevokeResponseSchema,
      { linkageValue: lvHex(linkageValue), ...options },
      adminToken,
    );
  }

  /** The vehicle DID behind a ticket (all four authorities answer; the misbehaviour authority's right only). */
  trace(linkageValue: Uint8Array | string, adminToken: string): Promise<{ vehicleDid: string }> {
    return this.call(
      "trace",
      "POST",
      "/v1/trace",
      pkiTraceResponseSchema,
      { linkageValue: lvHex(linkageValue) },
      adminToken,
    );
  }
}
