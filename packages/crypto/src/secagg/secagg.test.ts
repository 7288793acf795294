import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { neighbourGraph } from "./graph.js";
import { applyMask, expandMask, sumMod32 } from "./prg.js";
import { seededRandom } from "./random.js";
import {
  type EncryptedShare,
  SecAggAbortError,
  SecAggClient,
  type SecAggConfig,
  SecAggServer,
  simulateSecAgg,
} from "./secagg.js";

const SEED = 20_170_1030;

/** n random vectors of `length` uint32 values (seeded). */
function vectors(n: number, length: number, seed: string): Uint32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => new Uint32Array(random(4 * length).buffer));
}

const plainSum = (inputs: readonly Uint32Array[], indices: readonly number[]) =>
  sumMod32(
    indices.map((i) => inputs[i] as Uint32Array),
    inputs[0]?.length,
  );

/** Runs rounds 0–2 by hand with every client alive; returns the parties and the routed shares. */
function throughMasking(n: number, k: number, t: number, inputs: readonly Uint32Array[]) {
  const config: SecAggConfig = {
    roundId: "cell-42/round-7",
    vectorLength: inputs[0]?.length ?? 0,
    threshold: t,
    neighbours: k,
    graphSeed: new Uint8Array(32).fill(7),
  };
  const clients = Array.from(
    { length: n },
    (_, i) => new SecAggClient({ id: i + 1, config, random: seededRandom(`client ${i}`) }),
  );
  const server = new SecAggServer(config);
  for (const client of clients) server.receiveAdvertisement(client.advertiseKeys());
  const roster = server.closeAdvertisements();
  for (const client of clients) server.receiveShares(client.id, client.shareKeys(roster));
  const routed = server.closeShares();
  return { config, clients, server, routed };
}

describe("neighbourGraph (SecAgg+ communication graph)", () => {
  const ids = Array.from({ length: 30 }, (_, i) => 3 * i + 1);
  const seed = new Uint8Array([1, 2, 3]);

  it("is symmetric, k-regular, loop-free and deterministic", () => {
    for (const k of [2, 4, 5, 10]) {
      const graph = neighbourGraph(ids, k, seed);
      expect(neighbourGraph([...ids].reverse(), k, seed)).toEqual(graph);
      for (const [id, neighbours] of graph) {
        expect(neighbours).toHaveLength(k);
        expect(new Set(neighbours).size).toBe(k);
        expect(neighbours).not.toContain(id);
        for (const j of neighbours) expect(graph.get(j)).toContain(id);
      }
    }
    expect(neighbourGraph(ids, 4, new Uint8Array([9]))).not.toEqual(neighbourGraph(ids, 4, seed));
  });

  it("is complete for k ≥ n − 1 (the original SecAgg) and rejects odd k on odd n", () => {
    const graph = neighbourGraph([1, 2, 3, 4], 3, seed);
    expect(graph.get(2)).toEqual([1, 3, 4]);
    expect(neighbourGraph([1, 2, 3, 4], 10, seed)).toEqual(graph);
    expect(() => neighbourGraph([1, 2, 3, 4, 5], 3, seed)).toThrow(InvalidInputError);
    expect(() => neighbourGraph([1, 1, 2], 1, seed)).toThrow(InvalidInputError);
  });
});

describe("mask generator", () => {
  it("is deterministic AES-256-CTR words, and +mask then −mask is the identity mod 2^32", () => {
    const seed = new Uint8Array(32).fill(3);
    expect(expandMask(seed, 100)).toEqual(expandMask(seed, 100));
    expect(expandMask(seed, 100).subarray(0, 50)).toEqual(expandMask(seed, 50));
    const x = vectors(1, 1000, "x")[0] as Uint32Array;
    const y = applyMask(applyMask(new Uint32Array(x), seed, 1), seed, -1);
    expect(y).toEqual(x);
  });
});

describe("SecAgg+ aggregation", () => {
  it("sums the inputs mod 2^32 with no dropouts (complete graph and k-regular graph)", () => {
    const inputs = vectors(10, 257, "no dropouts");
    inputs[0]?.fill(0xffffffff); // wraps around 2^32
    for (const [k, t] of [
      [9, 5],
      [4, 3],
    ] as const) {
      const result = simulateSecAgg({ inputs, threshold: t, neighbours: k, roundId: "r", seed: "a" });
      expect(result.sum).toEqual(plainSum(inputs, [...inputs.keys()]));
      expect(result.survivors).toEqual([...inputs.keys()]);
      expect(result.dropped).toEqual([]);
    }
  });

  it("removes the pairwise masks of clients that drop after sharing keys", () => {
    const inputs = vectors(12, 100, "after share");
    for (const [k, t] of [
      [11, 6],
      [6, 3],
    ] as const) {
      const result = simulateSecAgg({
        inputs,
        threshold: t,
        neighbours: k,
        dropAfterShare: [2, 7],
        roundId: "r",
        seed: "b",
      });
      expect(result.dropped).toEqual([2, 7]);
      expect(result.survivors).toEqual([0, 1, 3, 4, 5, 6, 8, 9, 10, 11]);
      expect(result.sum).toEqual(plainSum(inputs, result.survivors));
    }
  });

  it("keeps the inputs of clients that drop after masking, and ignores those gone after advertising", () => {
    const inputs = vectors(9, 64, "after mask");
    const result = simulateSecAgg({
      inputs,
      threshold: 3,
      neighbours: 8,
      dropAfterAdvertise: [0],
      dropAfterShare: [4],
      dropAfterMask: [5, 8],
      roundId: "r",
      seed: "c",
    });
    expect(result.survivors).toEqual([1, 2, 3, 5, 6, 7, 8]);
    expect(result.dropped).toEqual([0, 4]);
    expect(result.sum).toEqual(plainSum(inputs, result.survivors));
  });

  it("sends a masked input that looks uniformly random", () => {
    const length = 10_000;
    const zeros = Array.from({ length: 5 }, () => new Uint32Array(length));
    const { clients, routed } = throughMasking(5, 4, 3, zeros);
    const client = clients[2] as SecAggClient;
    const { masked } = client.maskInput(zeros[2] as Uint32Array, routed.get(client.id) ?? []);
    expect(masked.filter((v) => v === 0).length).toBeLessThan(3);
    const bytes = new Uint8Array(masked.buffer);
    const counts = new Array<number>(256).fill(0);
    for (const b of bytes) counts[b] = (counts[b] as number) + 1;
    const expected = bytes.length / 256;
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    // 255 degrees of freedom: P(χ² > 340) ≈ 3·10⁻⁴ for uniform bytes; all-zero input would give ~10⁷.
    expect(chi2).toBeLessThan(340);
  });

  it("a client refuses to reveal both the self-mask and the mask-key share of one neighbour", () => {
    const inputs = vectors(6, 8, "refuse");
    const { clients, server, routed } = throughMasking(6, 5, 3, inputs);
    for (const client of clients)
      server.receiveMaskedInput(client.maskInput(inputs[client.id - 1] as Uint32Array, routed.get(client.id) ?? []));
    const survivors = server.closeMaskedInputs();
    const client = clients[0] as SecAggClient;
    const first = client.unmask(survivors);
    expect(first.selfMaskShares.map((s) => s.of)).toEqual([2, 3, 4, 5, 6]);
    expect(first.maskKeyShares).toEqual([]);
    // Asking again with the same survivors is harmless; claiming 4 dropped would unmask client 4's input.
    expect(client.unmask(survivors).selfMaskShares).toHaveLength(5);
    expect(() => client.unmask(survivors.filter((id) => id !== 4))).toThrow(
      /refusing to reveal the mask-key share of client 4/,
    );
    // Other clients answer the honest request normally and the server finishes.
    for (const c of clients) server.receiveUnmaskShares(c.unmask(survivors));
    expect(server.finish().sum).toEqual(plainSum(inputs, [0, 1, 2, 3, 4, 5]));
  });

  it("rejects a tampered or re-addressed encrypted share", () => {
    const inputs = vectors(5, 8, "tamper");
    const { clients, routed } = throughMasking(5, 4, 3, inputs);
    const mine = routed.get(3) ?? [];
    const tampered: EncryptedShare[] = mine.map((share, index) => {
      if (index !== 1) return share;
      const ciphertext = new Uint8Array(share.ciphertext);
      ciphertext[40] = (ciphertext[40] as number) ^ 1;
      return { ...share, ciphertext };
    });
    const client = clients[2] as SecAggClient;
    expect(() => client.maskInput(inputs[2] as Uint32Array, tampered)).toThrow(/failed authentication/);
    // The AAD binds (round, i, j): claiming another sender for a valid ciphertext also fails.
    const other = clients[3] as SecAggClient;
    const theirs = routed.get(4) ?? [];
    const swapped = theirs.map((share, index) =>
      index === 0 ? { ...share, ciphertext: (theirs[1] as EncryptedShare).ciphertext } : share,
    );
    expect(() => other.maskInput(inputs[3] as Uint32Array, swapped)).toThrow(/failed authentication/);
  });

  it("fails clearly when too many clients drop out", () => {
    const inputs = vectors(8, 16, "too many");
    // Complete graph, t = 4: each survivor keeps n − 1 − d live neighbours: 4 for d = 3, 3 < t for d = 4.
    expect(
      simulateSecAgg({ inputs, threshold: 4, neighbours: 7, dropAfterShare: [0, 1, 2], roundId: "r", seed: "d" }).sum,
    ).toEqual(plainSum(inputs, [3, 4, 5, 6, 7]));
    expect(() =>
      simulateSecAgg({ inputs, threshold: 4, neighbours: 7, dropAfterShare: [0, 1, 2, 3], roundId: "r", seed: "d" }),
    ).toThrow(SecAggAbortError);
    // Dropping after masking: the inputs are there but the shares to unmask them are not.
    expect(() =>
      simulateSecAgg({ inputs, threshold: 4, neighbours: 7, dropAfterMask: [0, 1, 2, 3], roundId: "r", seed: "d" }),
    ).toThrow(/shares of the self-mask seed of client \d+ arrived, 4 needed: too many dropouts/);
    // k-regular graph: a client whose neighbours (k = 4, t = 3) mostly vanish cannot be unmasked.
    const graphSeedRun = () =>
      simulateSecAgg({ inputs, threshold: 3, neighbours: 4, dropAfterShare: [0, 1, 2, 3, 4], roundId: "r", seed: "e" });
    expect(graphSeedRun).toThrow(/fewer than the threshold 3: too many dropouts/);
    // Not enough clients at all.
    expect(() => simulateSecAgg({ inputs: inputs.slice(0, 3), threshold: 3, neighbours: 4, roundId: "r" })).toThrow(
      SecAggAbortError,
    );
  });

  it("detects a wrong revealed mask-key share", () => {
    const inputs = vectors(6, 8, "wrong share");
    const { clients, server, routed } = throughMasking(6, 5, 3, inputs);
    for (const client of clients.slice(1)) {
      server.receiveMaskedInput(client.maskInput(inputs[client.id - 1] as Uint32Array, routed.get(client.id) ?? []));
    }
    const survivors = server.closeMaskedInputs();
    for (const client of clients.slice(1)) {
      const message = client.unmask(survivors);
      const maskKeyShares = message.maskKeyShares.map((r) => ({
        of: r.of,
        share: { x: r.share.x, y: r.share.y ^ 1n },
      }));
      server.receiveUnmaskShares({ ...message, maskKeyShares });
    }
    expect(() => server.finish()).toThrow(/rebuilt mask key of client 1 does not match/);
  });

  it("equals the plain sum of the survivors for random sizes, graphs and dropouts (property)", () => {
    let succeeded = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 12 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.tuple(fc.nat(11), fc.integer({ min: 0, max: 2 })), { maxLength: 4 }),
        (n, length, salt, drops) => {
          const k = n <= 5 ? n - 1 : 2 * (1 + (salt % Math.floor((n - 1) / 2))); // even, or complete
          const t = 1 + (salt % Math.max(1, Math.ceil(k / 2)));
          const stages: number[][] = [[], [], []];
          const seen = new Set<number>();
          for (const [index, stage] of drops) {
            if (index < n && !seen.has(index)) {
              seen.add(index);
              stages[stage]?.push(index);
            }
          }
          const inputs = vectors(n, length, `prop ${salt}`);
          try {
            const result = simulateSecAgg({
              inputs,
              threshold: t,
              neighbours: k,
              dropAfterAdvertise: stages[0],
              dropAfterShare: stages[1],
              dropAfterMask: stages[2],
              roundId: `p${salt}`,
              seed: `p${salt}`,
            });
            const expected = [...inputs.keys()].filter((i) => !stages[0]?.includes(i) && !stages[1]?.includes(i));
            expect(result.survivors).toEqual(expected);
            expect(result.sum).toEqual(plainSum(inputs, expected));
            succeeded++;
          } catch (error) {
            if (!(error instanceof SecAggAbortError)) throw error;
          }
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
    expect(succeeded).toBeGreaterThanOrEqual(30);
  });
});
