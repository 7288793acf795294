// The pseudonym PKI's authorities and what each one records (SCMS / ETSI C-ITS model; see docs/v2x-pki.md):
//
//   EA  (enrolment authority, also the SCMS registration authority): enrols an OBU against its vehicle DID and
//       vehicle identity credential; forwards ticket requests WITHOUT the vehicle's identity. Knows: vehicle <->
//       chain key K = H(h1 || h2), where h_k = H(lci_k) is the handle LA_k gave for the vehicle's linkage chain.
//   LA1, LA2 (linkage authorities): one seed chain per vehicle, id lci_k. Give the PCA pre-linkage values sealed
//       to it, and everyone else lci_k only sealed to themselves. Know: lci_k <-> seeds, nothing about vehicles.
//   PCA (pseudonym CA): issues authorization tickets with lv = plv1 XOR plv2, exactly one per chain and slot.
//       Knows: lv <-> (sealed lci_1, sealed lci_2), nothing about vehicles or seeds.
//   MA  (misbehaviour authority): revokes (PCA + LA1 + LA2: seeds of the chain are published) and traces
//       (PCA + LA1 + LA2 + EA: the vehicle), each step a separate authority's answer.
//
// Each authority's state is its own (keys and tables no other authority holds): `toJSON()` gives a snapshot of
// exactly that state and `fromJSON()` rebuilds the authority from it, so a service can persist each one on its own
// (and a deployment can run each in its own process with its own store).
import { createHash, createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import { z } from "zod";
import { LINKAGE_SEED_BYTES, linkageValue, nextSeed, type PublishedSeeds, preLinkageValue, seedAt } from "./linkage.js";
import { type BoxKeyPair, boxKeyPair, open, seal } from "./sealed.js";

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

// ---- snapshots: what each authority persists (validated when read back: they come from disk) ----

const hexString = z.string().regex(/^(?:[0-9a-f]{2})*$/, "lowercase hex");
const uint = z.number().int().min(0);
/** An X25519 private key as base64 PKCS#8 DER. */
const boxPrivateKey = z.string().min(1);

function boxKeyPairFromPkcs8(base64: string): BoxKeyPair {
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(base64, "base64"), format: "der", type: "pkcs8" });
  } catch (cause) {
    throw new InvalidInputError("a PKI authority snapshot holds a malformed private key", { cause });
  }
  if (privateKey.asymmetricKeyType !== "x25519")
    throw new InvalidInputError(`a PKI authority key must be X25519, not ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  const publicRaw = new Uint8Array(publicKey.export({ format: "der", type: "spki" }).subarray(-32));
  return { publicKey, privateKey, publicRaw };
}

const exportBoxKey = (keys: BoxKeyPair) => keys.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");

function parseSnapshot<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new InvalidInputError(`invalid ${what} snapshot`, {
    details: issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : undefined,
    fix: "restore the file from a backup, or delete the PKI state to start a new PKI",
  });
}

export const linkageAuthoritySnapshotSchema = z.strictObject({
  version: z.literal(1),
  laId: z.number().int().min(0).max(0xffff),
  privateKey: boxPrivateKey,
  chains: z.array(
    z.strictObject({
      lci: hexString,
      seed: hexString.refine((s) => s.length === LINKAGE_SEED_BYTES * 2, "a 16-byte seed"),
      firstPeriod: uint,
    }),
  ),
});
export type LinkageAuthoritySnapshot = z.infer<typeof linkageAuthoritySnapshotSchema>;

const scheduleSchema = z.strictObject({
  periodSeconds: z.number().int().min(1),
  slotSeconds: z.number().int().min(1),
  epoch: z.number().int(),
});

export const pseudonymCaSnapshotSchema = z.strictObject({
  version: z.literal(1),
  schedule: scheduleSchema,
  la1Id: z.number().int().min(0).max(0xffff),
  la2Id: z.number().int().min(0).max(0xffff),
  privateKey: boxPrivateKey,
  records: z.array(
    z.strictObject({ linkageValue: hexString, lci1: hexString, lci2: hexString, period: uint, slot: uint }),
  ),
  issued: z.array(z.string()),
});
export type PseudonymCaSnapshot = z.infer<typeof pseudonymCaSnapshotSchema>;

export const enrolmentAuthoritySnapshotSchema = z.strictObject({
  version: z.literal(1),
  enrolments: z.array(
    z.strictObject({
      vehicleDid: z.string().min(1),
      token: hexString,
      obuKey: hexString,
      chains: z.strictObject({ la1: hexString, la2: hexString, key: hexString }).optional(),
    }),
  ),
});
export type EnrolmentAuthoritySnapshot = z.infer<typeof enrolmentAuthoritySnapshotSchema>;

export type Schedule = {
  /** Seconds of one linkage period i (SCMS: a week). */
  periodSeconds: number;
  /** Seconds of one ticket slot j inside a period (one valid ticket per vehicle per slot). */
  slotSeconds: number;
  /** Unix time of period 0. */
  epoch: number;
};

export const slotsPerPeriod = (s: Schedule) => Math.floor(s.periodSeconds / s.slotSeconds);
export const periodOf = (s: Schedule, unix: number) => Math.floor((unix - s.epoch) / s.periodSeconds);
export function slotWindow(s: Schedule, i: number, j: number): { start: number; end: number } {
  const start = s.epoch + i * s.periodSeconds + j * s.slotSeconds;
  return { start, end: start + s.slotSeconds };
}

// ---- linkage authority ----

export class LinkageAuthority {
  /** lci (hex) -> the chain's seed at its first period. */
  private readonly chains = new Map<string, { seed: Uint8Array; firstPeriod: number }>();

  constructor(
    readonly laId: number,
    readonly keys: BoxKeyPair = boxKeyPair(),
  ) {}

  /** Everything this LA knows (its key and seed chains): secret, persist it only where the LA runs. */
  toJSON(): LinkageAuthoritySnapshot {
    return {
      version: 1,
      laId: this.laId,
      privateKey: exportBoxKey(this.keys),
      chains: [...this.chains].map(([lci, c]) => ({ lci, seed: hex(c.seed), firstPeriod: c.firstPeriod })),
    };
  }

  static fromJSON(snapshot: unknown): LinkageAuthority {
    const s = parseSnapshot(linkageAuthoritySnapshotSchema, snapshot, "linkage authority");
    const la = new LinkageAuthority(s.laId, boxKeyPairFromPkcs8(s.privateKey));
    for (const c of s.chains) la.chains.set(c.lci, { seed: fromHex(c.seed), firstPeriod: c.firstPeriod });
    return la;
  }

  /** Opens a chain for a new vehicle: returns the chain id sealed to this LA, and the handle h = H(lci). */
  createChain(firstPeriod: number): { sealedLci: Uint8Array; handle: Uint8Array } {
    const lci = randomBytes(16);
    this.chains.set(hex(lci), { seed: randomBytes(LINKAGE_SEED_BYTES), firstPeriod });
    return { sealedLci: seal(this.keys.publicRaw, lci, "lci"), handle: sha256(lci) };
  }

  private chain(sealedLci: Uint8Array) {
    const lci = open(this.keys, sealedLci, "lci");
    const chain = this.chains.get(hex(lci));
    if (!chain) throw new InvalidInputError(`LA ${this.laId} has no such linkage chain`);
    return { lci, chain };
  }

  /** Pre-linkage values plv(i, j) for the slots asked, each sealed to the PCA; a fresh sealed lci for the PCA's record. */
  preLinkageValues(sealedLci: Uint8Array, period: number, slots: number[], pca: Uint8Array) {
    const { lci, chain } = this.chain(sealedLci);
    const seed = seedAt(this.laId, chain.seed, chain.firstPeriod, period);
    return {
      resealedLci: seal(this.keys.publicRaw, lci, "lci"),
      plvs: slots.map((j) => ({
        j,
        sealed: seal(pca, preLinkageValue(this.laId, seed, j), `plv/${this.laId}/${period}/${j}`),
      })),
    };
  }

  /** For revocation (on the MA's request): the chain's seed at `period`. */
  revealSeed(sealedLci: Uint8Array, period: number): Uint8Array {
    const { chain } = this.chain(sealedLci);
    return seedAt(this.laId, chain.seed, chain.firstPeriod, period);
  }

  /** For tracing (on the MA's request): the chain's handle H(lci), which only the EA can map to a vehicle. */
  handleOf(sealedLci: Uint8Array): Uint8Array {
    return sha256(this.chain(sealedLci).lci);
  }
}

// ---- pseudonym CA ----

export type TicketRequest = {
  /** Opaque per-vehicle token from the EA: lets the PCA enforce one ticket per slot without knowing the vehicle. */
  token: string;
  period: number;
  slots: number[];
  /** The OBU's verification key for each slot's ticket (SEC1 compressed P-256 point). */
  publicKeys: Uint8Array[];
  la1: { resealedLci: Uint8Array; plvs: { j: number; sealed: Uint8Array }[] };
  la2: { resealedLci: Uint8Array; plvs: { j: number; sealed: Uint8Array }[] };
};

export type TicketContent = {
  linkageValue: Uint8Array;
  period: number;
  slot: number;
  validFrom: number;
  validTo: number;
  publicKey: Uint8Array;
};

/** The PCA refused a slot because it already issued this vehicle's ticket for it (one ticket per vehicle and slot). */
export class TicketAlreadyIssuedError extends InvalidInputError {
  override name = "TicketAlreadyIssuedError";
  constructor(
    readonly period: number,
    readonly slot: number,
  ) {
    super(`a ticket for period ${period} slot ${slot} was already issued to this vehicle`, {
      fix: "request tickets only for slots not asked before; each slot has one ticket per vehicle",
    });
  }
}

type PcaRecord = { lci1: Uint8Array; lci2: Uint8Array; period: number; slot: number };

export class PseudonymCa<T = Uint8Array> {
  /** lv hex -> sealed lci of each LA (the PCA cannot open them). */
  private readonly records = new Map<string, PcaRecord>();
  private readonly issued = new Set<string>();

  constructor(
    readonly schedule: Schedule,
    readonly la1Id: number,
    readonly la2Id: number,
    /** Turns ticket content into a signed certificate (IEEE 1609.2 authorization ticket). */
    private readonly sign: (content: TicketContent) => T,
    readonly keys: BoxKeyPair = boxKeyPair(),
  ) {}

  /** Whether the vehicle with this EA token already has its ticket for (period, slot). */
  hasIssued(token: string, period: number, slot: number): boolean {
    return this.issued.has(`${token}/${period}/${slot}`);
  }

  /**
   * Issues one ticket per slot asked, all or none: every slot is checked (in range, not repeated, not issued
   * before) and every ticket signed before any is recorded, so a refused batch leaves no slot used up.
   */
  issueBatch(request: TicketRequest): { slot: number; ticket: T; linkageValue: Uint8Array }[] {
    if (request.publicKeys.length !== request.slots.length) throw new InvalidInputError("one public key per slot");
    if (!Number.isInteger(request.period) || request.period < 0)
      throw new InvalidInputError(`period ${request.period} is not a non-negative integer`);
    const perPeriod = slotsPerPeriod(this.schedule);
    const seen = new Set<number>();
    for (const j of request.slots) {
      if (!Number.isInteger(j) || j < 0 || j >= perPeriod)
        throw new InvalidInputError(`slot ${j} is not one of the period's slots 0..${perPeriod - 1}`);
      if (seen.has(j)) throw new InvalidInputError(`slot ${j} is asked twice`);
      seen.add(j);
      if (this.hasIssued(request.token, request.period, j)) throw new TicketAlreadyIssuedError(request.period, j);
    }
    const out = request.slots.map((j, n) => {
      const p1 = request.la1.plvs.find((p) => p.j === j);
      const p2 = request.la2.plvs.find((p) => p.j === j);
      if (!p1 || !p2) throw new InvalidInputError(`missing pre-linkage values for slot ${j}`);
      const lv = linkageValue(
        open(this.keys, p1.sealed, `plv/${this.la1Id}/${request.period}/${j}`),
        open(this.keys, p2.sealed, `plv/${this.la2Id}/${request.period}/${j}`),
      );
      const window = slotWindow(this.schedule, request.period, j);
      const ticket = this.sign({
        linkageValue: lv,
        period: request.period,
        slot: j,
        validFrom: window.start,
        validTo: window.end,
        publicKey: request.publicKeys[n] ?? new Uint8Array(),
      });
      return { slot: j, ticket, linkageValue: lv };
    });
    for (const { slot, linkageValue: lv } of out) {
      this.issued.add(`${request.token}/${request.period}/${slot}`);
      this.records.set(hex(lv), {
        lci1: request.la1.resealedLci,
        lci2: request.la2.resealedLci,
        period: request.period,
        slot,
      });
    }
    return out;
  }

  /** The MA's question to the PCA: which (sealed) linkage chains produced this ticket's linkage value? */
  lookup(lv: Uint8Array): PcaRecord | undefined {
    return this.records.get(hex(lv));
  }

  /** The PCA's own records (its box key, sealed chain ids per linkage value, used slots per vehicle token). */
  toJSON(): PseudonymCaSnapshot {
    return {
      version: 1,
      schedule: { ...this.schedule },
      la1Id: this.la1Id,
      la2Id: this.la2Id,
      privateKey: exportBoxKey(this.keys),
      records: [...this.records].map(([lv, r]) => ({
        linkageValue: lv,
        lci1: hex(r.lci1),
        lci2: hex(r.lci2),
        period: r.period,
        slot: r.slot,
      })),
      issued: [...this.issued],
    };
  }

  /** Rebuilds a PCA from its snapshot; the signer (its certificate and key) is not part of it. */
  static fromJSON<T>(snapshot: unknown, sign: (content: TicketContent) => T): PseudonymCa<T> {
    const s = parseSnapshot(pseudonymCaSnapshotSchema, snapshot, "pseudonym CA");
    const pca = new PseudonymCa(s.schedule, s.la1Id, s.la2Id, sign, boxKeyPairFromPkcs8(s.privateKey));
    for (const r of s.records)
      pca.records.set(r.linkageValue, { lci1: fromHex(r.lci1), lci2: fromHex(r.lci2), period: r.period, slot: r.slot });
    for (const key of s.issued) pca.issued.add(key);
    return pca;
  }
}

// ---- enrolment authority ----

export type VehicleCheck = (
  vehicleDid: string,
  credential: string,
) => Promise<{ ok: true } | { ok: false; reason: string }>;

/** Why the EA refused an enrolment. */
export type EnrolmentRefusal =
  /** The vehicle check failed: no live vehicle DID, or no valid identity credential about it. */
  | "vehicle_refused"
  /** The vehicle is already enrolled with another OBU key (an OBU swap is an operator's decision, not a request's). */
  | "obu_key_conflict";

export type EnrolResult = { ok: true; token: string } | { ok: false; code: EnrolmentRefusal; reason: string };

type Enrolment = { token: string; obuKey: Uint8Array; chains?: { la1: Uint8Array; la2: Uint8Array; key: string } };

const bytesEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

export class EnrolmentAuthority {
  /** vehicle DID -> its enrolment. */
  private readonly enrolments = new Map<string, Enrolment>();
  /** H(h1 || h2) -> vehicle DID: the only place a linkage chain meets an identity. */
  private readonly byChainKey = new Map<string, string>();

  constructor(
    private readonly checkVehicle: VehicleCheck,
    private readonly la1: LinkageAuthority,
    private readonly la2: LinkageAuthority,
  ) {}

  /**
   * Enrols the OBU of `vehicleDid`: the DID must be a live vehicle and `credential` its valid identity credential.
   * Enrolling again with the same OBU key returns the same token; another key is refused.
   */
  async enrol(vehicleDid: string, credential: string, obuKey: Uint8Array): Promise<EnrolResult> {
    const check = await this.checkVehicle(vehicleDid, credential);
    if (!check.ok) return { ok: false, code: "vehicle_refused", reason: check.reason };
    const existing = this.enrolments.get(vehicleDid);
    if (existing) {
      if (bytesEqual(existing.obuKey, obuKey)) return { ok: true, token: existing.token };
      return { ok: false, code: "obu_key_conflict", reason: `${vehicleDid} is already enrolled with another OBU key` };
    }
    const token = hex(randomBytes(16));
    this.enrolments.set(vehicleDid, { token, obuKey: new Uint8Array(obuKey) });
    return { ok: true, token };
  }

  /** The OBU key the vehicle enrolled with (to check its signed ticket requests), or undefined when not enrolled. */
  obuKeyOf(vehicleDid: string): Uint8Array | undefined {
    const key = this.enrolments.get(vehicleDid)?.obuKey;
    return key === undefined ? undefined : new Uint8Array(key);
  }

  /** Builds the PCA request for `slots` of `period`; the request names no vehicle. */
  ticketRequest(
    vehicleDid: string,
    period: number,
    slots: number[],
    publicKeys: Uint8Array[],
    pca: Uint8Array,
  ): TicketRequest {
    const enrolment = this.enrolments.get(vehicleDid);
    if (!enrolment) throw new InvalidInputError(`${vehicleDid} is not enrolled`);
    if (!enrolment.chains) {
      const c1 = this.la1.createChain(period);
      const c2 = this.la2.createChain(period);
      const key = hex(sha256(c1.handle, c2.handle));
      enrolment.chains = { la1: c1.sealedLci, la2: c2.sealedLci, key };
      this.byChainKey.set(key, vehicleDid);
    }
    return {
      token: enrolment.token,
      period,
      slots,
      publicKeys,
      la1: this.la1.preLinkageValues(enrolment.chains.la1, period, slots, pca),
      la2: this.la2.preLinkageValues(enrolment.chains.la2, period, slots, pca),
    };
  }

  /** The MA's last question in a trace: whose chains have these two handles? */
  vehicleOf(handle1: Uint8Array, handle2: Uint8Array): string | undefined {
    return this.byChainKey.get(hex(sha256(handle1, handle2)));
  }

  /** The EA's records: vehicle DID, token, OBU key and the vehicle's chains (sealed to the LAs) with their key K. */
  toJSON(): EnrolmentAuthoritySnapshot {
    return {
      version: 1,
      enrolments: [...this.enrolments].map(([vehicleDid, e]) => ({
        vehicleDid,
        token: e.token,
        obuKey: hex(e.obuKey),
        ...(e.chains ? { chains: { la1: hex(e.chains.la1), la2: hex(e.chains.la2), key: e.chains.key } } : {}),
      })),
    };
  }

  /** Rebuilds an EA from its snapshot; the vehicle check and the LAs it talks to are not part of it. */
  static fromJSON(
    snapshot: unknown,
    checkVehicle: VehicleCheck,
    la1: LinkageAuthority,
    la2: LinkageAuthority,
  ): EnrolmentAuthority {
    const s = parseSnapshot(enrolmentAuthoritySnapshotSchema, snapshot, "enrolment authority");
    const ea = new EnrolmentAuthority(checkVehicle, la1, la2);
    for (const e of s.enrolments) {
      const enrolment: Enrolment = { token: e.token, obuKey: fromHex(e.obuKey) };
      if (e.chains) {
        enrolment.chains = { la1: fromHex(e.chains.la1), la2: fromHex(e.chains.la2), key: e.chains.key };
        ea.byChainKey.set(e.chains.key, e.vehicleDid);
      }
      ea.enrolments.set(e.vehicleDid, enrolment);
    }
    return ea;
  }
}

// ---- misbehaviour authority ----

/** What the MA needs each authority to answer; a trace fails if any of them does not. */
export type Authorities = {
  pca: Pick<PseudonymCa<unknown>, "lookup">;
  la1: Pick<LinkageAuthority, "revealSeed" | "handleOf" | "laId">;
  la2: Pick<LinkageAuthority, "revealSeed" | "handleOf" | "laId">;
  ea: Pick<EnrolmentAuthority, "vehicleOf">;
};

/** Revocation: PCA + LA1 + LA2 (the EA is not asked: revoking reveals no identity). */
export function revocationSeeds(a: Omit<Authorities, "ea">, lv: Uint8Array, fromPeriod: number): PublishedSeeds {
  const record = a.pca.lookup(lv);
  if (!record) throw new InvalidInputError("the PCA issued no ticket with this linkage value");
  const period = Math.max(fromPeriod, record.period);
  return {
    period,
    laId1: a.la1.laId,
    seed1: a.la1.revealSeed(record.lci1, period),
    laId2: a.la2.laId,
    seed2: a.la2.revealSeed(record.lci2, period),
  };
}

/** Tracing a ticket to its vehicle: needs the PCA, both LAs and the EA. */
export function traceTicket(a: Authorities, lv: Uint8Array): string | undefined {
  const record = a.pca.lookup(lv);
  if (!record) return undefined;
  return a.ea.vehicleOf(a.la1.handleOf(record.lci1), a.la2.handleOf(record.lci2));
}

export { nextSeed };
