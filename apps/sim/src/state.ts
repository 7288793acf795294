// What the simulator created on the platform, kept in <home>/sim/state.json so that a restart resumes with the same
// citizens (OEM DID, owner and insurer DIDs, vehicles with their VINs, DIDs, keys, consents and pseudonym tickets)
// instead of producing new vehicles each time. The file holds private keys: it is written with mode 0600 and
// atomically (temporary file, fsync, rename), so a crash leaves the old or the new state, never a torn one. Every
// step of a vehicle's creation is recorded as it completes, so an interrupted creation resumes where it stopped.
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { BaseError, stringify } from "@amc/utils";
import type { Hex } from "viem";
import { z } from "zod";

const privateJwk = z
  .object({ kty: z.string(), crv: z.string(), x: z.string().min(1), y: z.string().min(1), d: z.string().min(1) })
  .refine((j) => j.kty === "EC" && (j.crv === "P-256" || j.crv === "secp256k1"), "an EC P-256 or secp256k1 JWK");
const hex = z.custom<Hex>((v) => typeof v === "string" && /^0x(?:[0-9a-fA-F]{2})*$/.test(v), "0x-prefixed hex");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address");

const ticketSchema = z.object({
  period: z.number().int().min(0),
  slot: z.number().int().min(0),
  /** The ticket's COER bytes. */
  certificate: hex,
  /** The ticket's P-256 private key. */
  privateKey: privateJwk,
  /** The pseudonymous ITS StationID used with this ticket (changes with it). */
  stationId: z.number().int().min(0).max(0xffffffff),
});

const vehicleSchema = z.object({
  vin: z.string().regex(/^[A-HJ-NPR-Z0-9]{17}$/),
  did: z.string().min(1),
  id: hex,
  /** Sold to the demo owner: its data is uploaded, consented to the insurer and read. */
  owned: z.boolean(),
  /** The OBU's long-term key, enrolled with the PKI. */
  obuKey: privateJwk,
  /** The vehicle's authentication key on its DID (signs data uploads); owned vehicles only. */
  authKey: privateJwk.optional(),
  credential: z.string().optional(),
  produced: z.boolean().default(false),
  authPublished: z.boolean().default(false),
  transferred: z.boolean().default(false),
  dataKeyPublished: z.boolean().default(false),
  enrolled: z.boolean().default(false),
  consent: z.object({ consentId: hex, credential: z.string().min(1), purpose: z.string() }).optional(),
  tickets: z.array(ticketSchema).default([]),
});

const actorSchema = z.object({ did: z.string().min(1), key: privateJwk });

export const simStateSchema = z.object({
  version: z.literal(1),
  /** The platform this state belongs to: a state of another deployment is not reused. */
  network: z.string(),
  chainId: z.number().int(),
  registry: address,
  oem: actorSchema.optional(),
  owner: actorSchema.extend({ address, umbralSk: hex }).optional(),
  insurer: actorSchema.extend({ umbralSk: hex }).optional(),
  vehicles: z.array(vehicleSchema).default([]),
});

export type SimState = z.infer<typeof simStateSchema>;
export type VehicleRecord = SimState["vehicles"][number];
export type TicketRecord = VehicleRecord["tickets"][number];

/** The state file exists but cannot be used (not JSON, or not the expected shape). */
export class SimStateError extends BaseError {
  override name = "SimStateError";
}

export const simStatePath = (home: string) => join(home, "sim", "state.json");

/** The saved state, or undefined when there is none yet. Throws SimStateError for a corrupt file. */
export function loadSimState(path: string): SimState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return undefined;
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new SimStateError(`the simulator state ${path} is not JSON`, {
      fix: `move it away (the simulator then creates new vehicles): mv ${path} ${path}.bad`,
      cause,
    });
  }
  const parsed = simStateSchema.safeParse(raw);
  if (!parsed.success)
    throw new SimStateError(`the simulator state ${path} is not a simulator state`, {
      details: parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; "),
      fix: `move it away (the simulator then creates new vehicles): mv ${path} ${path}.bad`,
    });
  return parsed.data;
}

/** Writes the state atomically with mode 0600 (it holds private keys). */
export function saveSimState(path: string, state: SimState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, stringify(simStateSchema.parse(state), 2), { mode: 0o600 });
  const fd = openSync(temporary, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  chmodSync(path, 0o600);
}
