// The pseudonym PKI's separation of duties: tickets are issued one per vehicle and slot, a misbehaving ticket can
// be revoked (PCA + both LAs) and traced to its vehicle only with all four authorities; no single authority's
// records say which vehicle holds a ticket. Each authority's snapshot restores it exactly (a restarted PKI keeps
// enrolments, chains and PCA records).
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  EnrolmentAuthority,
  LinkageAuthority,
  PseudonymCa,
  periodOf,
  revocationSeeds,
  type Schedule,
  slotsPerPeriod,
  TicketAlreadyIssuedError,
  type TicketContent,
  traceTicket,
} from "./authorities.js";
import { revokedLinkageValues } from "./linkage.js";
import { open } from "./sealed.js";

const schedule: Schedule = { periodSeconds: 7 * 24 * 3600, slotSeconds: 3600, epoch: 1_790_000_000 };
const credentialOk = "valid-identity-credential";

function setup() {
  const la1 = new LinkageAuthority(0x0101);
  const la2 = new LinkageAuthority(0x0202);
  const issued: TicketContent[] = [];
  const pca = new PseudonymCa(schedule, la1.laId, la2.laId, (content) => {
    issued.push(content);
    return new Uint8Array(Buffer.concat([Buffer.from("ticket:"), content.linkageValue]));
  });
  const ea = new EnrolmentAuthority(
    async (did, credential) =>
      did.startsWith("did:amc:test:") && credential === credentialOk
        ? { ok: true }
        : { ok: false, reason: "no valid vehicle identity credential" },
    la1,
    la2,
  );
  return { la1, la2, pca, ea, issued };
}

/** A stable stand-in OBU key per vehicle (the EA stores the bytes; it does not parse them). */
const obuKeyOf = (did: string) =>
  new Uint8Array(Buffer.concat([Buffer.of(2), createHash("sha256").update(did).digest()]));

async function ticketsFor(env: ReturnType<typeof setup>, did: string, period: number, slots: number[]) {
  expect(await env.ea.enrol(did, credentialOk, obuKeyOf(did))).toMatchObject({ ok: true });
  return env.pca.issueBatch(
    env.ea.ticketRequest(
      did,
      period,
      slots,
      slots.map(() => randomBytes(33)),
      env.pca.keys.publicRaw,
    ),
  );
}

describe("pseudonym PKI", () => {
  const carA = `did:amc:test:${"aa".repeat(32)}`;
  const carB = `did:amc:test:${"bb".repeat(32)}`;

  it("enrols only against a vehicle DID with a valid identity credential", async () => {
    const env = setup();
    expect(await env.ea.enrol(carA, "forged", randomBytes(33))).toEqual({
      ok: false,
      code: "vehicle_refused",
      reason: "no valid vehicle identity credential",
    });
    expect(() => env.ea.ticketRequest(carA, 0, [0], [randomBytes(33)], env.pca.keys.publicRaw)).toThrow(
      "is not enrolled",
    );
  });

  it("issues exactly one ticket per vehicle per slot, each valid for its slot only", async () => {
    const env = setup();
    const period = periodOf(schedule, schedule.epoch + 10);
    const tickets = await ticketsFor(env, carA, period, [0, 1, 2]);
    expect(new Set(tickets.map((t) => Buffer.from(t.linkageValue).toString("hex"))).size).toBe(3);
    expect(env.issued.map((c) => c.validTo - c.validFrom)).toEqual([3600, 3600, 3600]);
    expect(env.issued[1]?.validFrom).toBe(env.issued[0]!.validTo);
    expect(() =>
      env.pca.issueBatch(env.ea.ticketRequest(carA, period, [1], [randomBytes(33)], env.pca.keys.publicRaw)),
    ).toThrow("a ticket for period 0 slot 1 was already issued to this vehicle");
    expect(slotsPerPeriod(schedule)).toBe(168);
  });

  it("revocation by published seeds catches all of a vehicle's later tickets and none of another's", async () => {
    const env = setup();
    const a = await ticketsFor(env, carA, 0, [0, 5, 9]);
    const b = await ticketsFor(env, carB, 0, [0, 5, 9]);
    const seeds = revocationSeeds(env, a[1]!.linkageValue, 0);
    const revoked = revokedLinkageValues(seeds, 1, slotsPerPeriod(schedule));
    for (const t of a) expect(revoked.has(Buffer.from(t.linkageValue).toString("hex"))).toBe(true);
    for (const t of b) expect(revoked.has(Buffer.from(t.linkageValue).toString("hex"))).toBe(false);
    const next = await ticketsFor(env, carA, 1, [3]);
    expect(revoked.has(Buffer.from(next[0]!.linkageValue).toString("hex"))).toBe(true);
  });

  it("traces a ticket to its vehicle with all four authorities, and with no fewer", async () => {
    const env = setup();
    await ticketsFor(env, carB, 0, [0, 1]);
    const [ticket] = await ticketsFor(env, carA, 0, [7]);
    const lv = ticket!.linkageValue;
    expect(traceTicket(env, lv)).toBe(carA);

    const refuse = () => {
      throw new Error("this authority does not cooperate");
    };
    expect(() => traceTicket({ ...env, pca: { lookup: refuse } }, lv)).toThrow("does not cooperate");
    expect(() =>
      traceTicket({ ...env, la1: { laId: env.la1.laId, revealSeed: refuse, handleOf: refuse } }, lv),
    ).toThrow("does not cooperate");
    expect(() =>
      traceTicket({ ...env, la2: { laId: env.la2.laId, revealSeed: refuse, handleOf: refuse } }, lv),
    ).toThrow("does not cooperate");
    expect(traceTicket({ ...env, ea: { vehicleOf: () => undefined } }, lv)).toBeUndefined();
  });

  it("no single authority's own records link a ticket to a vehicle", async () => {
    const env = setup();
    const [ticket] = await ticketsFor(env, carA, 0, [4]);
    const lv = ticket!.linkageValue;
    const record = env.pca.lookup(lv)!;
    // The PCA holds the ticket's chains only sealed to the LAs: its own key opens neither.
    expect(() => open(env.pca.keys, record.lci1, "lci")).toThrow("does not open");
    expect(() => open(env.pca.keys, record.lci2, "lci")).toThrow("does not open");
    // An LA alone can open its own half, but its handle maps to no vehicle without the other LA's handle.
    const h1 = env.la1.handleOf(record.lci1);
    expect(env.ea.vehicleOf(h1, h1)).toBeUndefined();
    expect(() => env.la1.handleOf(record.lci2)).toThrow("does not open");
    // The EA holds identities but no linkage values: nothing in its answers is keyed by lv.
    expect(env.ea.vehicleOf(lv, lv)).toBeUndefined();
    // Only the combination answers.
    expect(env.ea.vehicleOf(h1, env.la2.handleOf(record.lci2))).toBe(carA);
  });

  it("refuses a second OBU key for an enrolled vehicle and re-enrols the same key idempotently", async () => {
    const env = setup();
    const first = await env.ea.enrol(carA, credentialOk, obuKeyOf(carA));
    expect(first.ok).toBe(true);
    expect(await env.ea.enrol(carA, credentialOk, obuKeyOf(carA))).toEqual(first);
    expect(await env.ea.enrol(carA, credentialOk, obuKeyOf(carB))).toEqual({
      ok: false,
      code: "obu_key_conflict",
      reason: `${carA} is already enrolled with another OBU key`,
    });
    expect(env.ea.obuKeyOf(carA)).toEqual(obuKeyOf(carA));
    expect(env.ea.obuKeyOf(carB)).toBeUndefined();
  });

  it("issues a batch all or none: a refused slot uses up none of the others", async () => {
    const env = setup();
    await ticketsFor(env, carA, 0, [2]);
    const request = (slots: number[]) =>
      env.ea.ticketRequest(
        carA,
        0,
        slots,
        slots.map(() => randomBytes(33)),
        env.pca.keys.publicRaw,
      );
    expect(() => env.pca.issueBatch(request([1, 2]))).toThrow(TicketAlreadyIssuedError);
    expect(() => env.pca.issueBatch(request([3, 3]))).toThrow("slot 3 is asked twice");
    expect(() => env.pca.issueBatch(request([4, 168]))).toThrow("slot 168 is not one of the period's slots 0..167");
    // None of slots 1, 3, 4 was used up by the refused batches.
    expect(env.pca.issueBatch(request([1, 3, 4])).map((t) => t.slot)).toEqual([1, 3, 4]);
    expect(env.issued.map((c) => c.slot)).toEqual([2, 1, 3, 4]);
  });

  it("restores every authority from its snapshot: enrolments, chains, PCA records and used slots survive", async () => {
    const env = setup();
    const [before] = await ticketsFor(env, carA, 0, [7]);
    await env.ea.enrol(carB, credentialOk, obuKeyOf(carB)); // enrolled, no chains yet
    // Through JSON text, as the service persists them.
    const la1 = LinkageAuthority.fromJSON(JSON.parse(JSON.stringify(env.la1)));
    const la2 = LinkageAuthority.fromJSON(JSON.parse(JSON.stringify(env.la2)));
    const issued: TicketContent[] = [];
    const pca = PseudonymCa.fromJSON(JSON.parse(JSON.stringify(env.pca)), (content) => {
      issued.push(content);
      return content.linkageValue;
    });
    const ea = EnrolmentAuthority.fromJSON(
      JSON.parse(JSON.stringify(env.ea)),
      async () => ({ ok: false, reason: "not asked" }),
      la1,
      la2,
    );
    expect(la1.toJSON()).toEqual(env.la1.toJSON());
    expect(pca.toJSON()).toEqual(env.pca.toJSON());
    expect(ea.toJSON()).toEqual(env.ea.toJSON());
    expect(Buffer.from(la1.keys.publicRaw)).toEqual(Buffer.from(env.la1.keys.publicRaw));
    expect(Buffer.from(pca.keys.publicRaw)).toEqual(Buffer.from(env.pca.keys.publicRaw));

    // The restored authorities trace and revoke the ticket issued before the restart.
    const lv = before!.linkageValue;
    const restored = { pca, la1, la2, ea };
    expect(traceTicket(restored, lv)).toBe(carA);
    const seedsHex = (a: Parameters<typeof revocationSeeds>[0]) => {
      const seeds = revocationSeeds(a, lv, 0);
      return {
        ...seeds,
        seed1: Buffer.from(seeds.seed1).toString("hex"),
        seed2: Buffer.from(seeds.seed2).toString("hex"),
      };
    };
    expect(seedsHex(restored)).toEqual(seedsHex(env));
    // The used slot stays used; the vehicle gets a new slot without enrolling again, on the same chains.
    expect(() => pca.issueBatch(ea.ticketRequest(carA, 0, [7], [randomBytes(33)], pca.keys.publicRaw))).toThrow(
      "a ticket for period 0 slot 7 was already issued to this vehicle",
    );
    const [after] = pca.issueBatch(ea.ticketRequest(carA, 0, [8], [randomBytes(33)], pca.keys.publicRaw));
    const revoked = revokedLinkageValues(revocationSeeds(restored, lv, 0), 0, slotsPerPeriod(schedule));
    expect(revoked.has(Buffer.from(after!.linkageValue).toString("hex"))).toBe(true);
    expect(issued.map((c) => c.slot)).toEqual([8]);
    // The vehicle enrolled without chains opens them on its first request after the restart.
    const [b] = pca.issueBatch(ea.ticketRequest(carB, 0, [1], [randomBytes(33)], pca.keys.publicRaw));
    expect(traceTicket(restored, b!.linkageValue)).toBe(carB);
    expect(ea.obuKeyOf(carB)).toEqual(obuKeyOf(carB));
  });

  it("refuses a snapshot that does not validate, saying where", () => {
    const snapshot = new LinkageAuthority(1).toJSON();
    expect(() =>
      LinkageAuthority.fromJSON({ ...snapshot, chains: [{ lci: "zz", seed: "00", firstPeriod: 0 }] }),
    ).toThrow("invalid linkage authority snapshot");
    expect(() =>
      LinkageAuthority.fromJSON({ ...snapshot, privateKey: Buffer.from("nope").toString("base64") }),
    ).toThrow("malformed private key");
    expect(() =>
      EnrolmentAuthority.fromJSON(
        { version: 2, enrolments: [] },
        async () => ({ ok: true }),
        new LinkageAuthority(1),
        new LinkageAuthority(2),
      ),
    ).toThrow("invalid enrolment authority snapshot");
  });
});
