import { createCipheriv, createHash, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { linkageValue, nextSeed, preLinkageValue, revokedLinkageValues, seedAt } from "./linkage.js";

// An independent, direct transcription of the formulas (bigint arithmetic on the 128-bit words), to cross-check
// the byte-level implementation.
function plvByWords(laId: number, seed: Uint8Array, j: number): bigint {
  const input = (BigInt(laId) << 32n) | BigInt(j);
  const block = Buffer.from(input.toString(16).padStart(32, "0"), "hex");
  const c = createCipheriv("aes-128-ecb", seed, null);
  c.setAutoPadding(false);
  const out = BigInt(`0x${Buffer.concat([c.update(block), c.final()]).toString("hex")}`);
  return out ^ input;
}
function seedByWords(laId: number, seed: Uint8Array): Uint8Array {
  const input = (BigInt(laId) << 128n) | BigInt(`0x${Buffer.from(seed).toString("hex")}`);
  const digest = createHash("sha256")
    .update(Buffer.from(input.toString(16).padStart(40, "0"), "hex"))
    .digest("hex");
  return Buffer.from((BigInt(`0x${digest}`) >> 128n).toString(16).padStart(32, "0"), "hex");
}

const seedArb = fc.uint8Array({ minLength: 16, maxLength: 16 });
const laArb = fc.integer({ min: 0, max: 0xffff });

describe("linkage values", () => {
  it("match an independent word-level transcription of the formulas", () => {
    fc.assert(
      fc.property(laArb, seedArb, fc.nat({ max: 0xffffffff }), (laId, seed, j) => {
        expect(BigInt(`0x${Buffer.from(preLinkageValue(laId, seed, j)).toString("hex")}`)).toBe(
          plvByWords(laId, seed, j),
        );
        expect(Buffer.from(nextSeed(laId, seed))).toEqual(Buffer.from(seedByWords(laId, seed)));
      }),
    );
  });

  it("publishing the seeds of period i revokes every ticket from i on, and none of another vehicle or of earlier periods", () => {
    const [la1, la2] = [0x1a2b, 0x3c4d];
    const car = { s1: randomBytes(16), s2: randomBytes(16) };
    const other = { s1: randomBytes(16), s2: randomBytes(16) };
    const lvOf = (v: typeof car, i: number, j: number) =>
      Buffer.from(
        linkageValue(
          preLinkageValue(la1, seedAt(la1, v.s1, 0, i), j),
          preLinkageValue(la2, seedAt(la2, v.s2, 0, i), j),
        ),
      ).toString("hex");
    const revoked = revokedLinkageValues(
      { period: 3, laId1: la1, seed1: seedAt(la1, car.s1, 0, 3), laId2: la2, seed2: seedAt(la2, car.s2, 0, 3) },
      5,
      24,
    );
    expect(revoked.size).toBe(3 * 24);
    for (let i = 3; i <= 5; i++) for (let j = 0; j < 24; j++) expect(revoked.has(lvOf(car, i, j))).toBe(true);
    for (let j = 0; j < 24; j++) {
      expect(revoked.has(lvOf(car, 2, j))).toBe(false); // the past stays unlinkable
      for (let i = 3; i <= 5; i++) expect(revoked.has(lvOf(other, i, j))).toBe(false);
    }
  });

  it("rejects malformed inputs with clear errors", () => {
    expect(() => nextSeed(70000, randomBytes(16))).toThrow("la_id 70000 is not a 16-bit value");
    expect(() => preLinkageValue(1, randomBytes(15), 0)).toThrow("a linkage seed has 16 bytes, got 15");
    expect(() => seedAt(1, randomBytes(16), 5, 4)).toThrow("seeds only go forward");
  });
});
