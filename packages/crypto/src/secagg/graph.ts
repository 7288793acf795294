// The communication graph of SecAgg+ (Bell, Bonawitz, Gascón, Lepoint, Raykova, CCS 2020, §3): each client masks
// with, and shares its secrets among, its k neighbours only, instead of all n − 1 other clients as in SecAgg
// (Bonawitz et al., CCS 2017), which cuts client work from O(n) to O(k) with k = O(log n). The paper samples a
// random k-regular (Harary-like) graph; ours is deterministic from a public seed so that the server and every
// client compute the same graph without a round: the ids are shuffled by a seeded Fisher–Yates permutation, placed
// on a ring, and each client is linked to the ⌊k/2⌋ nearest on each side, plus the diametrically opposite client
// when k is odd (then n must be even: no k-regular graph on an odd number of vertices has odd k). The graph is
// symmetric and k-regular; k ≥ n − 1 gives the complete graph, i.e. the original SecAgg.

import { InvalidInputError } from "@amc/utils";
import { seededRandom, uniformBelow } from "./random.js";

/**
 * The neighbours of every client of `ids` (distinct) in the k-regular ring graph drawn from `graphSeed` (public,
 * e.g. from the round id or a beacon), each list sorted by id. The same inputs give the same graph everywhere; the
 * order of `ids` does not matter.
 */
export function neighbourGraph(ids: readonly number[], k: number, graphSeed: Uint8Array): Map<number, number[]> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  if (sorted.length !== ids.length) throw new InvalidInputError("neighbourGraph: client ids must be distinct");
  if (!Number.isSafeInteger(k) || k < 1) throw new InvalidInputError(`neighbourGraph: k must be ≥ 1, got ${k}`);
  const n = sorted.length;
  const graph = new Map<number, number[]>();
  if (k >= n - 1) {
    for (const id of sorted)
      graph.set(
        id,
        sorted.filter((other) => other !== id),
      );
    return graph;
  }
  if (k % 2 === 1 && n % 2 === 1) {
    throw new InvalidInputError(`neighbourGraph: no ${k}-regular graph on ${n} clients (k and n both odd)`, {
      fix: "choose an even number of neighbours",
    });
  }
  const random = seededRandom(new Uint8Array([...new TextEncoder().encode("amc/secagg/v1/graph\0"), ...graphSeed]));
  const ring = [...sorted];
  for (let i = n - 1; i > 0; i--) {
    const j = uniformBelow(random, i + 1);
    [ring[i], ring[j]] = [ring[j] as number, ring[i] as number];
  }
  const half = Math.floor(k / 2);
  for (let position = 0; position < n; position++) {
    const neighbours: number[] = [];
    for (let d = 1; d <= half; d++) {
      neighbours.push(ring[(position + d) % n] as number, ring[(position - d + n) % n] as number);
    }
    if (k % 2 === 1) neighbours.push(ring[(position + n / 2) % n] as number);
    graph.set(
      ring[position] as number,
      neighbours.sort((a, b) => a - b),
    );
  }
  return graph;
}
