// Secure aggregation (SecAgg+, packages/crypto/src/secagg) in one RSU cell, each figure beside plain summation of
// the same vectors measured in the same run (what the RSU would do if it could see the updates):
// - client masking: one client's `maskInput` (opening its k sealed shares, k X25519 + HKDF mask seeds, k + 1
//   AES-256-CTR expansions of 10,000 words and their mod-2^32 additions), per client, against adding one vector;
// - server unmasking: `finish` (rebuilding every survivor's b_j from t shares, the dropped clients' mask keys and
//   their pairwise masks, and the sum) with 0 % and 10 % of the clients dropping after sharing keys, against the
//   plain sum of the survivors' vectors.
// Cells: 100 clients with k = 99 (the original SecAgg, t = 51) and, unless --quick, 1,000 clients with
// k = 20 ≈ 2·log2(1000) neighbours (SecAgg+, t = 11). Vectors of 10,000 uint32 values. Each run's output is
// checked against the plain sum first, so a faster but wrong aggregation fails the benchmark.
// Run alone with `npx tsx bench/secagg.bench.ts [--quick]`.
import { pathToFileURL } from "node:url";
import { secagg } from "../packages/crypto/src/index.js";
import type { BenchRow } from "./xchain.bench.js";

const LENGTH = 10_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const ms = (value: number) => (value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(2)} ms`);

/** Median time (ms) of the plain mod-2^32 sum of `vectors`, over `rounds` runs. */
function plainSumMs(vectors: readonly Uint32Array[], rounds: number): number {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    secagg.sumMod32(vectors, LENGTH);
    times.push(performance.now() - started);
  }
  return median(times);
}

function sameVector(a: Uint32Array, b: Uint32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Client masking and server unmasking (0 % and 10 % dropouts) for each cell, beside plain summation. */
export async function secureAggregation(opts: { quick: boolean }): Promise<BenchRow[]> {
  const cells = opts.quick
    ? [{ n: 100, k: 99, t: 51 }]
    : [
        { n: 100, k: 99, t: 51 },
        { n: 1000, k: 20, t: 11 },
      ];
  const rows: BenchRow[] = [];
  for (const { n, k, t } of cells) {
    const random = secagg.seededRandom(`bench inputs ${n}`);
    const inputs = Array.from({ length: n }, () => new Uint32Array(random(4 * LENGTH).buffer));
    const runs = [0, 0.1].map((fraction) => {
      const dropAfterShare = Array.from({ length: Math.round(n * fraction) }, (_, i) => Math.floor(i / fraction) + 3);
      const result = secagg.simulateSecAgg({
        inputs,
        threshold: t,
        neighbours: k,
        dropAfterShare,
        roundId: `bench-${n}-${fraction}`,
        seed: `bench ${n} ${fraction}`,
      });
      const survivors = result.survivors.map((i) => inputs[i] as Uint32Array);
      if (result.dropped.length !== dropAfterShare.length || !sameVector(result.sum, secagg.sumMod32(survivors))) {
        throw new Error("secure aggregation does not output the plain sum: the benchmark would time wrong code");
      }
      return { fraction, result, plainMs: plainSumMs(survivors, 15) };
    });
    const full = runs[0] as (typeof runs)[number];
    const perClient = full.result.timings.maskInputMs / full.result.timings.maskingClients;
    const perVector = full.plainMs / n;
    const label = k >= n - 1 ? `SecAgg, k = ${k}` : `SecAgg+, k = ${k}`;
    rows.push({
      name: `SecAgg client masking (${n} clients, ${label}, t = ${t}, 10,000 uint32 values)`,
      ours: `${ms(perClient)} per client`,
      reference: `${ms(perVector)} per vector (plain mod-2^32 addition of one update)`,
      ratio: `${(perClient / perVector).toFixed(0)}x`,
      note: `masking time / plain addition; key sharing took ${ms(full.result.timings.shareKeysMs / n)} per client`,
    });
    for (const run of runs) {
      const survivors = run.result.survivors.length;
      rows.push({
        name: `SecAgg server unmasking (${n} clients, ${label}, ${run.fraction * 100} % dropped after sharing keys)`,
        ours: `${ms(run.result.timings.serverFinishMs)} for ${survivors} survivors`,
        reference: `${ms(run.plainMs)} plain sum of the same ${survivors} vectors`,
        ratio: `${(run.result.timings.serverFinishMs / run.plainMs).toFixed(0)}x`,
        note: `unmasking time / plain sum; survivors' unmasking replies took ${ms(run.result.timings.clientUnmaskMs / survivors)} each`,
      });
    }
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const row of await secureAggregation({ quick: process.argv.includes("--quick") })) {
    console.log(
      `\n${row.name}\n  ours:      ${row.ours}\n  reference: ${row.reference}\n  ratio:     ${row.ratio} (${row.note})`,
    );
  }
}
