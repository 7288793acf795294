// Paillier benchmarks (2048-bit key), each beside paillier-bigint 3.4.3 (MIT; our test oracle) in the same run, on
// the same key (their PublicKey(n, n + 1) and PrivateKey(λ, μ, p, q) built from ours):
// - online encryptions per second with a warm RandomnessPool (one multiplication mod n²) against their `encrypt`
//   (two exponentiations mod n²: g^m and r^n), and our plain `encrypt` (one exponentiation, r^n);
// - decryptions per second, our CRT decryption (Paillier 1999 §7) against theirs;
// - homomorphic additions per second;
// - a federated-learning round, estimated from the per-ciphertext figures: 1,000 updates of 10,000 parameters
//   packed at scale 2^16, maxAbs 1, N = 1,000 (73 values per ciphertext) against one value per ciphertext with
//   paillier-bigint.
// Batches of ours and theirs alternate and the median batch counts. Each side decrypts the other's ciphertexts before
// anything is timed. Run alone with `npx tsx bench/paillier.bench.ts [--quick]`.
import { pathToFileURL } from "node:url";
import { PrivateKey, PublicKey } from "paillier-bigint";
import { paillier } from "../packages/crypto/src/index.js";
import type { BenchRow } from "./xchain.bench.js";

/** Median time per call (µs) of `ours` and `theirs`, in `rounds` alternating batches of `batch` calls each. */
function interleaved(batch: [number, number], rounds: number, ours: () => void, theirs: () => void): [number, number] {
  const time = (count: number, run: () => void) => {
    const started = performance.now();
    for (let i = 0; i < count; i++) run();
    return ((performance.now() - started) * 1000) / count;
  };
  ours();
  theirs();
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round++) {
    a.push(time(batch[0], ours));
    b.push(time(batch[1], theirs));
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? Number.NaN;
  return [median(a), median(b)];
}

const rate = (us: number, unit: string) =>
  `${(1e6 / us).toLocaleString("en-US", { maximumFractionDigits: 1e6 / us < 100 ? 1 : 0 })} ${unit}/s`;
const each = (us: number) =>
  `${us < 1000 ? `${us.toFixed(1)} µs` : us < 1e6 ? `${(us / 1000).toFixed(2)} ms` : `${(us / 1e6).toFixed(1)} s`}`;
const duration = (us: number) =>
  us < 1e6 ? each(us) : us < 600e6 ? `${(us / 1e6).toFixed(1)} s` : `${(us / 3.6e9).toFixed(2)} h`;

/** Paillier encryption, decryption, addition and a packed FL round, ours against paillier-bigint's. */
export async function paillierAggregate(opts: { quick: boolean }): Promise<BenchRow[]> {
  const rounds = opts.quick ? 3 : 7;
  const { publicKey: pk, privateKey: sk } = paillier.generateKeyPair(2048);
  const theirPk = new PublicKey(pk.n, pk.n + 1n);
  const theirSk = new PrivateKey(sk.lambda, sk.mu, theirPk, sk.p, sk.q);

  const messages = Array.from({ length: 16 }, () => paillier.randomUnit(pk));
  const pool = new paillier.RandomnessPool(pk, { batchSize: 8 });
  await pool.refill(16);
  const rns = Array.from({ length: 16 }, () => pool.take());
  if (pool.stats().misses !== 0) throw new Error("the warm pool missed");

  // Each side opens the other's ciphertexts before anything is timed.
  const ours = paillier.encryptWithPrecomputed(pk, messages[0]!, rns[0]!);
  const theirs = theirPk.encrypt(messages[1]!);
  if (theirSk.decrypt(ours) !== messages[0] || paillier.decrypt(sk, theirs) !== messages[1]) {
    throw new Error("paillier and paillier-bigint do not decrypt each other: the benchmark would compare wrong code");
  }

  let i = 0;
  const next = () => i++ % 16;
  // Results go to a sink that is checked afterwards, so that the optimiser cannot drop the arithmetic.
  const sink: bigint[] = new Array<bigint>(16).fill(1n);
  const keep = (value: bigint) => {
    sink[i % 16] = value;
  };
  // Online: the rn values are cycled for timing only (the cost of the product does not depend on which one).
  const [onlineOurs, encTheirs] = interleaved(
    [opts.quick ? 500 : 2000, 2],
    rounds,
    () => keep(paillier.encryptWithPrecomputed(pk, messages[next()]!, rns[next()]!)),
    () => void theirPk.encrypt(messages[next()]!),
  );
  const [encOurs] = interleaved(
    [2, 1],
    rounds,
    () => void paillier.encrypt(pk, messages[next()]!),
    () => undefined,
  );
  // One value per plaintext (unpacked): their g^m is cheap for a small m, r^n remains.
  const [, encTheirsSmall] = interleaved(
    [1, 2],
    rounds,
    () => undefined,
    () => void theirPk.encrypt(65536n),
  );

  const cts = messages.map((m, k) => paillier.encryptWithPrecomputed(pk, m, rns[k]!));
  const [decOurs, decTheirs] = interleaved(
    [opts.quick ? 4 : 10, opts.quick ? 2 : 5],
    rounds,
    () => void paillier.decrypt(sk, cts[next()]!),
    () => void theirSk.decrypt(cts[next()]!),
  );
  const [addOurs, addTheirs] = interleaved(
    [2000, 2000],
    rounds,
    () => keep(paillier.add(pk, cts[next()]!, cts[next()]!)),
    () => keep(theirPk.addition(cts[next()]!, cts[next()]!)),
  );

  if (sink.some((value) => value < 1n || value >= pk.nSquared) || sink.every((value) => value === 1n)) {
    throw new Error("a timed result is out of range");
  }

  // A packed FL round, estimated from the per-ciphertext figures above (and a timed packVector).
  const packing = { scale: 2 ** 16, maxAbs: 1, maxSummands: 1000 };
  const layout = paillier.packingLayout(packing, pk);
  const parameters = 10_000;
  const updates = 1000;
  const perUpdate = paillier.packedLength(layout, parameters);
  const update = Float64Array.from({ length: parameters }, (_, k) => Math.sin(k));
  const [packUs] = interleaved(
    [3, 1],
    rounds,
    () => void paillier.packVector(packing, pk, update),
    () => undefined,
  );
  const oursRound = {
    offline: perUpdate * encOurs,
    online: packUs + perUpdate * onlineOurs,
    sum: (updates - 1) * perUpdate * addOurs,
    decrypt: perUpdate * decOurs,
  };
  const theirsRound = {
    encrypt: parameters * encTheirsSmall,
    sum: (updates - 1) * parameters * addTheirs,
    decrypt: parameters * decTheirs,
  };
  const oursTotal = oursRound.online + oursRound.sum + oursRound.decrypt;
  const theirsTotal = theirsRound.encrypt + theirsRound.sum + theirsRound.decrypt;

  return [
    {
      name: "Paillier online encryption, 2048-bit key (warm RandomnessPool: one multiplication mod n²)",
      ours: `${rate(onlineOurs, "encryptions")} (${each(onlineOurs)} each)`,
      reference: `${rate(encTheirs, "encryptions")} (${each(encTheirs)} each) paillier-bigint 3.4.3 encrypt, 2046-bit m`,
      ratio: `${(encTheirs / onlineOurs).toFixed(0)}x`,
      note: `paillier-bigint time / ours; the r^n mod n² each online encryption consumes costs ${each(encOurs)} offline`,
    },
    {
      name: "Paillier encrypt with the exponentiation, 2048-bit key ((1 + m·n)·r^n mod n²)",
      ours: `${rate(encOurs, "encryptions")} (${each(encOurs)} each)`,
      reference: `${rate(encTheirs, "encryptions")} (${each(encTheirs)} each) paillier-bigint 3.4.3 encrypt (g^m·r^n)`,
      ratio: `${(encTheirs / encOurs).toFixed(2)}x`,
      note: `paillier-bigint time / ours; theirs with a 17-bit m (one FL value per ciphertext): ${each(encTheirsSmall)}`,
    },
    {
      name: "Paillier decryption, 2048-bit key (CRT, Paillier 1999 §7)",
      ours: `${rate(decOurs, "decryptions")} (${each(decOurs)} each)`,
      reference: `${rate(decTheirs, "decryptions")} (${each(decTheirs)} each) paillier-bigint 3.4.3 decrypt (with p, q)`,
      ratio: `${(decTheirs / decOurs).toFixed(2)}x`,
      note: "paillier-bigint time / ours, same ciphertexts",
    },
    {
      name: "Paillier homomorphic addition, 2048-bit key (product mod n²)",
      ours: `${rate(addOurs, "additions")} (${each(addOurs)} each)`,
      reference: `${rate(addTheirs, "additions")} (${each(addTheirs)} each) paillier-bigint 3.4.3 addition`,
      ratio: `${(addTheirs / addOurs).toFixed(2)}x`,
      note: "paillier-bigint time / ours (the same arithmetic: parity expected)",
    },
    {
      name: `Paillier FL round, estimated: ${updates.toLocaleString("en-US")} updates × ${parameters.toLocaleString("en-US")} parameters (scale 2^16, maxAbs 1, N 1,000)`,
      ours: `${layout.slotsPerPlaintext} values/ciphertext (${layout.slotBits}-bit slots), ${perUpdate} ciphertexts/update: encrypt ${duration(oursRound.online)}/update online (+${duration(oursRound.offline)} pool refill offline), sum ${duration(oursRound.sum)}, decrypt ${duration(oursRound.decrypt)}`,
      reference: `paillier-bigint, 1 value/ciphertext, ${parameters.toLocaleString("en-US")} ciphertexts/update: encrypt ${duration(theirsRound.encrypt)}/update, sum ${duration(theirsRound.sum)}, decrypt ${duration(theirsRound.decrypt)}`,
      ratio: `${(theirsTotal / oursTotal).toFixed(0)}x`,
      note: `reference / ours for one client's online encryption + the aggregator's sum + decryption (${duration(oursTotal)} vs ${duration(theirsTotal)}); packVector of one update ${each(packUs)}`,
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const row of await paillierAggregate({ quick: process.argv.includes("--quick") })) {
    console.log(
      `\n${row.name}\n  ours:      ${row.ours}\n  reference: ${row.reference}\n  ratio:     ${row.ratio} (${row.note})`,
    );
  }
}
