// Admission: the challenge signature binds nonce, cell and RSU to the ticket's key; an ADMISSION verifies only
// under its RSU's key, for its ticket, cell and RSU, within its validity window.
import { randomBytes } from "node:crypto";
import { certificateDigest, toHex } from "@amc/v2x";
import { encode } from "cborg";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ADMIT_TAG,
  type AdmissionClaimsInput,
  AdmissionError,
  admitMessage,
  createAdmission,
  decodeAdmission,
  signChallenge,
  ticketDigestHex,
  ticketPublicKey,
  verifyAdmission,
  verifyChallenge,
} from "./admission.js";
import { createTestTicket, generateP256, type TestTicket } from "./testing.js";

const RSU = `did:amc:test:${"a1".repeat(32)}`;
const OTHER_RSU = `did:amc:test:${"b2".repeat(32)}`;
const KID = `${RSU}#key-1`;
const CELL = "871f18803ffffff";
const NEIGHBOUR = "871f18801ffffff";

let obu: TestTicket;
let other: TestTicket;
const rsuKey = generateP256();
const otherRsuKey = generateP256();
beforeAll(() => {
  obu = createTestTicket();
  other = createTestTicket();
});

describe("challenge signature", () => {
  it("signs AMC-admit-v1 || nonce || cell || rsuDid", () => {
    const nonce = new Uint8Array(16).fill(9);
    const message = admitMessage({ nonce, cell: CELL, rsu: RSU });
    expect(Buffer.from(message).toString()).toBe(`${ADMIT_TAG}${"\t".repeat(16)}${CELL}${RSU}`);
    expect(() => admitMessage({ nonce: new Uint8Array(15), cell: CELL, rsu: RSU })).toThrow(
      "the challenge nonce is 15 bytes, not 16",
    );
  });

  it("verifies under the ticket's key and only for the challenge it answered", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (nonce, otherNonce) => {
          const challenge = { nonce, cell: CELL, rsu: RSU };
          const sig = signChallenge(challenge, obu.privateKey);
          expect(sig).toHaveLength(64);
          expect(verifyChallenge(obu.ticket, sig, challenge)).toBe(true);
          if (!Buffer.from(nonce).equals(otherNonce))
            expect(verifyChallenge(obu.ticket, sig, { ...challenge, nonce: otherNonce })).toBe(false);
        },
      ),
      { numRuns: 20 },
    );
    const challenge = { nonce: randomBytes(16), cell: CELL, rsu: RSU };
    const sig = signChallenge(challenge, obu.privateKey);
    expect(verifyChallenge(obu.ticket, sig, { ...challenge, cell: NEIGHBOUR })).toBe(false);
    expect(verifyChallenge(obu.ticket, sig, { ...challenge, rsu: OTHER_RSU })).toBe(false);
    expect(verifyChallenge(other.ticket, sig, challenge)).toBe(false); // another ticket's key
    expect(verifyChallenge(obu.ticket, signChallenge(challenge, other.privateKey), challenge)).toBe(false);
    expect(verifyChallenge(obu.ticket, sig.subarray(0, 63), challenge)).toBe(false);
  });

  it("names a ticket by its HashedId8 and reads its key", () => {
    expect(ticketDigestHex(obu.ticket)).toMatch(/^[0-9a-f]{16}$/);
    expect(ticketDigestHex(obu.ticket)).toBe(toHex(certificateDigest(obu.ticket)));
    expect(ticketDigestHex(obu.ticket)).not.toBe(ticketDigestHex(other.ticket));
    expect(ticketPublicKey(obu.ticket).export({ format: "jwk" })).toEqual(obu.publicKey.export({ format: "jwk" }));
    const implicit = { ...obu.ticket, type: "implicit" as const };
    expect(() => ticketPublicKey(implicit)).toThrow(AdmissionError);
    expect(verifyChallenge(implicit, new Uint8Array(64), { nonce: new Uint8Array(16), cell: CELL, rsu: RSU })).toBe(
      false,
    );
  });
});

describe("ADMISSION", () => {
  const now = 1_750_000_000_000;
  const claims = (): AdmissionClaimsInput => ({
    ticket: ticketDigestHex(obu.ticket),
    cell: CELL,
    rsu: RSU,
    kid: KID,
    at: now,
    exp: now + 600_000,
    pos: [312_304_000, 1_214_737_000],
  });
  const keyFor = (kid: string) => (kid === KID ? rsuKey.publicKey : undefined);

  it("verifies under the RSU's key and returns its claims", async () => {
    const admission = createAdmission(claims(), rsuKey.privateKey);
    expect(decodeAdmission(admission).claims).toEqual({ ...claims(), v: 1 });
    const result = await verifyAdmission(admission, keyFor, {
      now: now + 1000,
      ticket: ticketDigestHex(obu.ticket),
      cells: [CELL, NEIGHBOUR],
      rsu: RSU,
    });
    expect(result).toEqual({ ok: true, v: 1, ...claims() });
    // An async lookup (a DID resolution) works the same.
    expect((await verifyAdmission(admission, async (kid) => keyFor(kid), { now })).ok).toBe(true);
  });

  it("refuses an admission signed by another key, or whose key is unknown or not the RSU's", async () => {
    const forged = createAdmission(claims(), otherRsuKey.privateKey);
    expect(await verifyAdmission(forged, keyFor, { now })).toMatchObject({ ok: false, reason: "bad_signature" });
    const unknownKid = createAdmission({ ...claims(), kid: `${RSU}#key-2` }, rsuKey.privateKey);
    expect(await verifyAdmission(unknownKid, keyFor, { now })).toMatchObject({ ok: false, reason: "unknown_key" });
    // RSU B's key vouching for RSU A's cell: refused before the lookup, which goes by kid alone.
    const borrowed = createAdmission({ ...claims(), kid: `${OTHER_RSU}#key-1` }, otherRsuKey.privateKey);
    const lookup = (kid: string) => (kid === `${OTHER_RSU}#key-1` ? otherRsuKey.publicKey : undefined);
    expect(await verifyAdmission(borrowed, lookup, { now })).toEqual({
      ok: false,
      reason: "unknown_key",
      detail: `key ${OTHER_RSU}#key-1 is not a key of ${RSU}`,
    });
  });

  it("refuses an expired or future admission", async () => {
    const admission = createAdmission(claims(), rsuKey.privateKey);
    expect(await verifyAdmission(admission, keyFor, { now: now + 600_000 })).toEqual({
      ok: false,
      reason: "expired",
      detail: `the admission expired at ${now + 600_000} (now ${now + 600_000})`,
    });
    expect(await verifyAdmission(admission, keyFor, { now: now + 599_999 })).toMatchObject({ ok: true });
    expect(await verifyAdmission(admission, keyFor, { now: now - 10_000 })).toMatchObject({ reason: "not_yet_valid" });
    expect(await verifyAdmission(admission, keyFor, { now: now - 4_000 })).toMatchObject({ ok: true }); // skew
  });

  it("refuses an admission for another ticket, cell or RSU", async () => {
    const admission = createAdmission(claims(), rsuKey.privateKey);
    expect(await verifyAdmission(admission, keyFor, { now, ticket: ticketDigestHex(other.ticket) })).toMatchObject({
      reason: "wrong_ticket",
    });
    expect(await verifyAdmission(admission, keyFor, { now, cells: [NEIGHBOUR] })).toMatchObject({
      reason: "wrong_cell",
    });
    expect(await verifyAdmission(admission, keyFor, { now, rsu: OTHER_RSU })).toMatchObject({ reason: "wrong_rsu" });
  });

  it("refuses tampered or malformed bytes as values, never throwing", async () => {
    const admission = createAdmission(claims(), rsuKey.privateKey);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: admission.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
        const tampered = Uint8Array.from(admission);
        tampered[at]! ^= flip;
        const result = await verifyAdmission(tampered, keyFor, { now });
        expect(result.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), async (bytes) => {
        expect(await verifyAdmission(bytes, keyFor, { now })).toMatchObject({ ok: false, reason: "malformed" });
      }),
    );
    const noSig = encode({ body: encode({ v: 1 }) });
    expect(await verifyAdmission(noSig, keyFor, { now })).toMatchObject({ reason: "malformed" });
    expect(() => decodeAdmission(noSig)).toThrow("the admission is not a CBOR map {body, sig}");
  });

  it("refuses to create an admission with invalid claims", () => {
    expect(() => createAdmission({ ...claims(), exp: now }, rsuKey.privateKey)).toThrow(
      "cannot create the admission: exp must be after at",
    );
    expect(() => createAdmission({ ...claims(), ticket: "XYZ" }, rsuKey.privateKey)).toThrow(
      /ticket must be a HashedId8/,
    );
    expect(() => createAdmission({ ...claims(), cell: "nowhere" }, rsuKey.privateKey)).toThrow(AdmissionError);
  });
});
