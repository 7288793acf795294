import { verifyMerkleProof } from "@amc/crypto";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import fc from "fast-check";
import { type Address, encodeAbiParameters, getAddress, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import {
  type ContributionRecord,
  computeEpoch,
  initialEmission,
  miningEmission,
  recomputeAndCompare,
  verifyRewardProof,
} from "./index.js";

const ALICE = getAddress("0x00000000000000000000000000000000000000a1");
const BOB = getAddress("0x00000000000000000000000000000000000000b2");
const RSU = getAddress("0x00000000000000000000000000000000000000c3");

/** The standard leaf, computed independently of @amc/crypto: keccak256(bytes.concat(keccak256(abi.encode(...)))). */
const independentLeaf = (epoch: bigint, account: Address, amount: bigint) =>
  keccak256(
    keccak256(
      encodeAbiParameters([{ type: "uint64" }, { type: "address" }, { type: "uint256" }], [epoch, account, amount]),
      "bytes",
    ),
  );

const worked: ContributionRecord[] = [
  // Alice's vehicle was read 3 times (30 points) and she reported 2 confirmed events (10 points): 40 points.
  { kind: "data-read", beneficiary: ALICE, units: 1n, evidence: "disclosure:1" },
  { kind: "data-read", beneficiary: ALICE, units: 1n, evidence: "disclosure:2" },
  { kind: "data-read", beneficiary: ALICE, units: 1n, evidence: "disclosure:3" },
  { kind: "event-report", beneficiary: ALICE, units: 2n, evidence: "event:a" },
  // Bob's vehicle was read once: 10 points.
  { kind: "data-read", beneficiary: BOB, units: 1n, evidence: "disclosure:4" },
  // The RSU anchored 12,000 + 7,999 messages: floor(19,999 / 1,000) = 19 points.
  { kind: "v2x-anchor", beneficiary: RSU, units: 12_000n, evidence: "anchor:1" },
  { kind: "v2x-anchor", beneficiary: RSU, units: 7_999n, evidence: "anchor:2" },
];

describe("computeEpoch", () => {
  it("splits a worked example exactly (docs/token-rewards.md)", () => {
    const result = computeEpoch({ epoch: 3, emission: 1_000_000n, records: worked });
    expect(result.totalPoints).toBe(69n);
    expect(result.leaves).toEqual([
      // floor(1,000,000 * 40 / 69), floor(1,000,000 * 10 / 69), floor(1,000,000 * 19 / 69)
      { epoch: 3n, account: ALICE, amount: 579_710n },
      { epoch: 3n, account: BOB, amount: 144_927n },
      { epoch: 3n, account: RSU, amount: 275_362n },
    ]);
    expect(result.total).toBe(999_999n);
    expect(result.unallocated).toBe(1n);
    expect(result.accounts[0]?.contributions).toEqual([
      { kind: "data-read", units: 3n, points: 30n },
      { kind: "event-report", units: 2n, points: 10n },
    ]);
    expect(result.accounts[2]?.evidence).toEqual(["anchor:1", "anchor:2"]);
    expect(result.root).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("splits the platform emission of epoch 0 as the worked example in the docs says", () => {
    const result = computeEpoch({ epoch: 0, emission: miningEmission(0), records: worked });
    expect(result.leaves.map((l) => l.amount)).toEqual([
      359_531_772_575_250_836_120_401n,
      89_882_943_143_812_709_030_100n,
      170_777_591_973_244_147_157_190n,
    ]);
    expect(result.unallocated).toBe(1n);
  });

  it("proves every leaf with the standard leaf encoding", () => {
    const result = computeEpoch({ epoch: 3, emission: 1_000_000n, records: worked });
    const root = result.root ?? "0x";
    for (const account of result.accounts) {
      expect(account.leaf).toBe(independentLeaf(account.epoch, account.account, account.amount));
      expect(verifyMerkleProof(root, account.leaf, account.proof)).toBe(true);
      expect(result.proofs[account.account]).toEqual(account.proof);
      expect(verifyRewardProof(root, account, account.proof)).toBe(true);
      expect(verifyRewardProof(root, { ...account, amount: account.amount + 1n }, account.proof)).toBe(false);
    }
  });

  it("builds the root that OpenZeppelin's StandardMerkleTree builds for the same values", () => {
    const result = computeEpoch({ epoch: 3, emission: 1_000_000n, records: worked });
    const oz = StandardMerkleTree.of(
      result.leaves.map((l) => [l.epoch, l.account, l.amount]),
      ["uint64", "address", "uint256"],
    );
    expect(result.root).toBe(oz.root);
    result.leaves.forEach((l, i) => {
      expect(oz.leafHash([l.epoch, l.account, l.amount])).toBe(result.accounts[i]?.leaf);
      expect(
        StandardMerkleTree.verify(
          oz.root,
          ["uint64", "address", "uint256"],
          [l.epoch, l.account, l.amount],
          result.accounts[i]?.proof ?? [],
        ),
      ).toBe(true);
    });
  });

  it("gives a single account the whole emission with an empty proof", () => {
    const result = computeEpoch({ epoch: 0n, emission: 777n, records: [worked[0] as ContributionRecord] });
    expect(result.total).toBe(777n);
    expect(result.root).toBe(independentLeaf(0n, ALICE, 777n));
    expect(result.accounts[0]?.proof).toEqual([]);
  });

  it("has no root when nothing earns, and leaves out zero shares", () => {
    expect(computeEpoch({ epoch: 1, emission: 10n, records: [] })).toMatchObject({ root: null, total: 0n });
    const below = computeEpoch({
      epoch: 1,
      emission: 10n,
      records: [{ kind: "v2x-anchor", beneficiary: RSU, units: 999n, evidence: "x" }],
    });
    expect(below).toMatchObject({ root: null, total: 0n, unallocated: 10n, totalPoints: 0n });
    const dust = computeEpoch({
      epoch: 1,
      emission: 10n,
      records: [
        { kind: "data-read", beneficiary: ALICE, units: 100n, evidence: "a" },
        { kind: "data-read", beneficiary: BOB, units: 1n, evidence: "b" },
      ],
    });
    expect(dust.leaves).toEqual([{ epoch: 1n, account: ALICE, amount: 9n }]);
    expect(dust.dust).toEqual([BOB]);
  });

  it("honours weight overrides and refuses bad input", () => {
    const result = computeEpoch({
      epoch: 1,
      emission: 100n,
      records: worked,
      weights: { "v2x-anchor": { points: 0n, per: 1n } },
    });
    expect(result.leaves.map((l) => l.account)).toEqual([ALICE, BOB]);
    expect(() => computeEpoch({ epoch: -1, emission: 1n, records: [] })).toThrow(/uint64/);
    expect(() => computeEpoch({ epoch: 1, emission: -1n, records: [] })).toThrow(/emission/);
    expect(() =>
      computeEpoch({
        epoch: 1,
        emission: 1n,
        records: [{ kind: "data-read", beneficiary: "0x00", units: 1n, evidence: "" } as unknown as ContributionRecord],
      }),
    ).toThrow(/beneficiary/);
    expect(() =>
      computeEpoch({ epoch: 1, emission: 1n, records: [{ ...(worked[0] as ContributionRecord), units: -1n }] }),
    ).toThrow(/units/);
    expect(() =>
      computeEpoch({ epoch: 1, emission: 1n, records: [], weights: { "data-read": { points: 1n, per: 0n } } }),
    ).toThrow(/weight/);
  });

  const kinds = ["data-read", "v2x-anchor", "event-report", "model-update"] as const;
  const recordArb = fc.record({
    kind: fc.constantFrom(...kinds),
    beneficiary: fc.integer({ min: 1, max: 12 }).map((n) => getAddress(`0x${n.toString(16).padStart(40, "0")}`)),
    units: fc.bigInt({ min: 0n, max: 5_000n }),
    evidence: fc.string({ maxLength: 6 }),
  });

  it("is deterministic: any order gives the same root; the total never exceeds the emission", () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 30 }),
        fc.bigInt({ min: 0n, max: 10n ** 27n }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.integer(),
        (records, emission, epoch, seed) => {
          const a = computeEpoch({ epoch, emission, records });
          const shuffled = fc.sample(fc.shuffledSubarray(records, { minLength: records.length }), {
            seed,
            numRuns: 1,
          })[0];
          const b = computeEpoch({ epoch, emission, records: shuffled ?? [] });
          expect(b.root).toBe(a.root);
          expect(b.leaves).toEqual(a.leaves);
          expect(a.total).toBeLessThanOrEqual(emission);
          expect(a.total + a.unallocated).toBe(emission);
          const sorted = a.leaves.map((l) => l.account.toLowerCase());
          expect(sorted).toEqual([...sorted].sort());
          for (const acc of a.accounts)
            expect(verifyMerkleProof(a.root ?? "0x", independentLeaf(epoch, acc.account, acc.amount), acc.proof)).toBe(
              true,
            );
        },
      ),
      { seed: 20261125, numRuns: 150 },
    );
  });
});

describe("recomputeAndCompare", () => {
  it("matches the committed root and reports differences", () => {
    const input = { epoch: 3, emission: 1_000_000n, records: worked };
    const { root, leaves, total } = computeEpoch(input);
    expect(recomputeAndCompare(root, input)).toMatchObject({ matches: true, ourRoot: root, differences: [] });
    expect(recomputeAndCompare({ root, total, leaves }, input).matches).toBe(true);

    const tampered = leaves.map((l, i) => (i === 1 ? { ...l, amount: l.amount + 1n } : l));
    const other = computeEpoch({ ...input, records: worked.slice(1) });
    const comparison = recomputeAndCompare({ root: other.root, total: other.total, leaves: tampered }, input);
    expect(comparison.matches).toBe(false);
    expect(comparison.ourRoot).toBe(root);
    expect(comparison.differences).toEqual([
      `root: committed ${other.root}, recomputed ${root}`,
      `total: committed ${other.total}, recomputed ${total}`,
      `leaf ${BOB}: committed 144928, recomputed 144927`,
    ]);
    const empty = { epoch: 4, emission: 5n, records: [] };
    expect(recomputeAndCompare(`0x${"0".repeat(64)}`, empty).matches).toBe(true);
    expect(recomputeAndCompare(root, empty).matches).toBe(false);
  });
});

describe("emission schedule", () => {
  it("mirrors MiningPool.emission with the platform values", () => {
    const e0 = initialEmission();
    expect(e0).toBe(620_192_307_692_307_692_307_692n);
    expect(miningEmission(0)).toBe(e0);
    expect(miningEmission(103)).toBe(e0);
    expect(miningEmission(104)).toBe(e0 >> 1n);
    expect(miningEmission(255n * 104n)).toBe(e0 >> 255n);
    expect(miningEmission(256n * 104n)).toBe(0n);
    // Half the pool in the first 104 epochs, never more than the pool in total.
    expect(104n * e0).toBeLessThanOrEqual((129_000_000n * 10n ** 18n) / 2n);
  });
});
