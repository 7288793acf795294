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
import { createHash, randomBytes } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import { LINKAGE_SEED_BYTES, linkageValue, nextSeed, type PublishedSeeds, preLinkageValue, seedAt } from "./linkage.js";
import { type BoxKeyPair, boxKeyPair, open, seal } from "./sealed.js";

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

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
  readonly keys: BoxKeyPair = boxKeyPair();
  /** lci (hex) -> the chain's seed at its first period. */
  private readonly chains = new Map<string, { seed: Uint8Array; firstPeriod: number }>();

  constructor(readonly laId: number) {}

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

export class PseudonymCa<T = Uint8Array> {
  readonly keys: BoxKeyPair = boxKeyPair();
  /** lv hex -> sealed lci of each LA (the PCA cannot open them). */
  private readonly records = new Map<string, { lci1: Uint8Array; lci2: Uint8Array; period: number; slot: number }>();
  private readonly issued = new Set<string>();

  constructor(
    readonly schedule: Schedule,
    readonly la1Id: number,
    readonly la2Id: number,
    /** Turns ticket content into a signed certificate (IEEE 1609.2 authorization ticket). */
    private readonly sign: (content: TicketContent) => T,
  ) {}

  issueBatch(request: TicketRequest): { slot: number; ticket: T; linkageValue: Uint8Array }[] {
    if (request.publicKeys.length !== request.slots.length) throw new InvalidInputError("one public key per slot");
    const out: { slot: number; ticket: T; linkageValue: Uint8Array }[] = [];
    request.slots.forEach((j, n) => {
      const key = `${request.token}/${request.period}/${j}`;
      if (this.issued.has(key))
        throw new InvalidInputError(
          `a ticket for period ${request.period} slot ${j} was already issued to this vehicle`,
        );
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
      this.issued.add(key);
      this.records.set(hex(lv), {
        lci1: request.la1.resealedLci,
        lci2: request.la2.resealedLci,
        period: request.period,
        slot: j,
      });
      out.push({ slot: j, ticket, linkageValue: lv });
    });
    return out;
  }

  /** The MA's question to the PCA: which (sealed) linkage chains produced this ticket's linkage value? */
  lookup(lv: Uint8Array): { lci1: Uint8Array; lci2: Uint8Array; period: number; slot: number } | undefined {
    return this.records.get(hex(lv));
  }
}

// ---- enrolment authority ----

export type VehicleCheck = (
  vehicleDid: string,
  credential: string,
) => Promise<{ ok: true } | { ok: false; reason: string }>;

export class EnrolmentAuthority {
  /** vehicle DID -> its enrolment. */
  private readonly enrolments = new Map<
    string,
    { token: string; obuKey: Uint8Array; chains?: { la1: Uint8Array; la2: Uint8Array; key: string } }
  >();
  /** H(h1 || h2) -> vehicle DID: the only place a linkage chain meets an identity. */
  private readonly byChainKey = new Map<string, string>();

  constructor(
    private readonly checkVehicle: VehicleCheck,
    private readonly la1: LinkageAuthority,
    private readonly la2: LinkageAuthority,
  ) {}

  /** Enrols the OBU of `vehicleDid`: the DID must be a live vehicle and `credential` its valid identity credential. */
  async enrol(
    vehicleDid: string,
    credential: string,
    obuKey: Uint8Array,
  ): Promise<{ ok: true; token: string } | { ok: false; reason: string }> {
    const check = await this.checkVehicle(vehicleDid, credential);
    if (!check.ok) return check;
    const existing = this.enrolments.get(vehicleDid);
    if (existing) return { ok: true, token: existing.token };
    const token = hex(randomBytes(16));
    this.enrolments.set(vehicleDid, { token, obuKey });
    return { ok: true, token };
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
