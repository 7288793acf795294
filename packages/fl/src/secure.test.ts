// Secure cell aggregation: both modes give the plain sum of clipped updates (within fixed-point rounding), the RSU's
// aggregate opens only with the model owner's key (Paillier), dropouts are recovered (masking), and the federated
// experiment gives the same model through either mode as through plain summation.
import { paillier } from "@amc/crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { clipL2 } from "./robust.js";
import { aggregateCell, encodeUpdate, openCellAggregate, type SecureConfig, type SecureKeys } from "./secure.js";

let keys: SecureKeys;
beforeAll(async () => {
  const pair = paillier.generateKeyPair(1024);
  const pool = new paillier.RandomnessPool(pair.publicKey);
  await pool.refill(64);
  keys = { publicKey: pair.publicKey, privateKey: pair.privateKey, pool };
});

const config = (mode: "paillier" | "masking"): SecureConfig => ({ mode, scale: 2 ** 16, maxAbs: 1, maxSummands: 64 });

describe("secure cell aggregation", () => {
  for (const mode of ["paillier", "masking"] as const)
    it(`${mode}: the opened aggregate is the sum of the clipped updates`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 3, max: 8 }),
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 0, max: 2 ** 31 }),
          (vehicles, length, seed) => {
            let x = seed;
            const rand = () => {
              x = (x * 1103515245 + 12345) % 2 ** 31;
              return x / 2 ** 31;
            };
            const updates = Array.from(
              { length: vehicles },
              () =>
                clipL2(
                  Float64Array.from({ length }, () => (rand() - 0.5) * 3),
                  1,
                ).vector,
            );
            const encoded = updates.map((u, i) => encodeUpdate(config(mode), keys, `veh-${i}`, u));
            const aggregate = aggregateCell(config(mode), keys, "cell-a", encoded, { roundId: "r0", seed: "s" });
            expect(aggregate.contributors).toHaveLength(vehicles);
            const opened = openCellAggregate(config(mode), keys, aggregate, length);
            for (let j = 0; j < length; j++) {
              const plain = updates.reduce((sum, u) => sum + u[j]!, 0);
              expect(Math.abs(opened[j]! - plain)).toBeLessThanOrEqual(vehicles / 2 ** 16);
            }
          },
        ),
        { seed: 20261125, numRuns: mode === "paillier" ? 6 : 10 },
      );
    });

  it("paillier: the RSU's aggregate is ciphertext; its commitment changes with any contribution", () => {
    const u = [0.5, -0.25, 0.125].map((v) => Float64Array.of(v, -v));
    const encoded = u.map((v, i) => encodeUpdate(config("paillier"), keys, `veh-${i}`, v));
    const a = aggregateCell(config("paillier"), keys, "cell-a", encoded);
    expect(a.sum).toBeUndefined();
    const other = encodeUpdate(config("paillier"), keys, "veh-2", Float64Array.of(0.126, -0.126));
    const b = aggregateCell(config("paillier"), keys, "cell-a", [encoded[0]!, encoded[1]!, other]);
    expect(b.commitment).not.toBe(a.commitment);
    expect(b.contributorsRoot).toBe(a.contributorsRoot);
    // Without the private key nothing opens.
    expect(() => openCellAggregate(config("paillier"), { publicKey: keys.publicKey }, a, 2)).toThrow(/private key/);
  });

  it("masking: a vehicle that drops after masking is still in the sum (its masks recovered from shares)", () => {
    const updates = [0.1, 0.2, 0.3, 0.4, 0.5].map((v) => Float64Array.of(v, -v, v / 2));
    const encoded = updates.map((u, i) => encodeUpdate(config("masking"), keys, `veh-${i}`, u));
    const aggregate = aggregateCell(config("masking"), keys, "cell-b", encoded, {
      roundId: "r1",
      dropAfterMask: [1],
      seed: "drop",
    });
    const opened = openCellAggregate(config("masking"), keys, aggregate, 3);
    expect(opened[0]).toBeCloseTo(1.5, 4);
    expect(opened[1]).toBeCloseTo(-1.5, 4);
  });

  it("refuses what it cannot aggregate safely", () => {
    expect(() => encodeUpdate(config("masking"), keys, "v", Float64Array.of(1.5))).toThrow(/clip the update/);
    expect(() => encodeUpdate(config("paillier"), {}, "v", Float64Array.of(0.5))).toThrow(/public key/);
    const one = encodeUpdate(config("masking"), keys, "v", Float64Array.of(0.5));
    expect(() => aggregateCell(config("masking"), keys, "c", [one, one, one])).toThrow(/contributed twice/);
    expect(() => aggregateCell({ ...config("masking"), maxSummands: 2 ** 20 }, keys, "c", [one])).toThrow(
      /does not fit/,
    );
  });
});
