// Umbral benchmarks, each beside @nucypher/umbral-pre 0.10 (rust-umbral compiled to WebAssembly, the reference
// implementation and our test oracle) in the same run, on the same keys and objects:
// - re-encryptions per second (one proxy re-encrypting a capsule with its kfrag, proof included);
// - encapsulations per second, as `encrypt` of an empty plaintext on both sides (umbral-pre exposes no bare
//   encapsulation; the empty DEM adds an HKDF and a tag), with our bare `encapsulate` in the note;
// - a receiver's full decryption from t = 2 of 3 cfrags (`decryptReencrypted`: key derivation from the cfrags,
//   the capsule check and a 32-byte DEM decryption), with our bare `decapsulateReencrypted` in the note.
// Batches of ours and theirs alternate and the median batch counts, so load on the machine hits both alike.
// Before timing, each side's output is opened by the other, so a faster but wrong implementation fails the
// benchmark instead of winning it. umbral-pre is GPL-3.0: it may be imported by tests and benchmarks only.
// Run alone with `npx tsx bench/umbral.bench.ts [--quick]`.
import { pathToFileURL } from "node:url";
import * as oracle from "@nucypher/umbral-pre";
import { umbral } from "../packages/crypto/src/index.js";
import type { BenchRow } from "./xchain.bench.js";

const PLAINTEXT = new TextEncoder().encode("VIN 1HGCM82633A004352: odometer 48211 km");

/** Median time per call (µs) of `run`, in `rounds` batches of `batch` calls, interleaved with `other`. */
function interleaved(batch: number, rounds: number, ours: () => void, theirs: () => void): [number, number] {
  const time = (run: () => void) => {
    const started = performance.now();
    for (let i = 0; i < batch; i++) run();
    return ((performance.now() - started) * 1000) / batch;
  };
  for (let i = 0; i < Math.max(10, batch); i++) {
    ours();
    theirs();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round++) {
    a.push(time(ours));
    b.push(time(theirs));
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? Number.NaN;
  return [median(a), median(b)];
}

const rate = (us: number, unit: string) => `${Math.round(1e6 / us).toLocaleString("en-US")} ${unit}/s`;
const each = (us: number) => `${us < 1000 ? `${us.toFixed(0)} µs` : `${(us / 1000).toFixed(2)} ms`} each`;

function party() {
  const sk = umbral.generateSecretKey();
  const oracleSk = oracle.SecretKey.fromBEBytes(sk);
  return { sk, pk: umbral.publicKeyOf(sk), oracleSk, oraclePk: oracleSk.publicKey() };
}

/**
 * Re-encryption, encapsulation and t-of-n decryption throughput, ours against umbral-pre's.
 * `quick` runs fewer and shorter batches.
 */
export async function umbralReencrypt(opts: { quick: boolean }): Promise<BenchRow[]> {
  const rounds = opts.quick ? 5 : 15;
  const scale = opts.quick ? 1 : 4;
  const alice = party();
  const bob = party();
  const signer = party();

  // One capsule and one 2-of-3 kfrag set, shared: the oracle works on the bytes of ours.
  const { capsule, ciphertext } = umbral.encrypt(alice.pk, PLAINTEXT);
  const theirCapsule = oracle.Capsule.fromBytes(umbral.capsuleToBytes(capsule));
  const kfrags = umbral.generateKFrags({
    delegatingSk: alice.sk,
    receivingPk: bob.pk,
    signerSk: signer.sk,
    threshold: 2,
    shares: 3,
  });
  const theirKfrags = kfrags.map((kfrag) =>
    oracle.KeyFrag.fromBytes(umbral.kfragToBytes(kfrag)).verify(signer.oraclePk, alice.oraclePk, bob.oraclePk),
  );
  const cfrags = [umbral.reencrypt(capsule, kfrags[0]!), umbral.reencrypt(capsule, kfrags[2]!)];
  const theirCfrags = [
    oracle.reencrypt(theirCapsule, theirKfrags[0]!),
    oracle.reencrypt(theirCapsule, theirKfrags[2]!),
  ];

  // Each side opens the other's work before anything is timed.
  const crossed = oracle.decryptReencrypted(
    bob.oracleSk,
    alice.oraclePk,
    theirCapsule,
    cfrags.map((cfrag) =>
      oracle.CapsuleFrag.fromBytes(umbral.cfragToBytes(cfrag)).verify(
        theirCapsule,
        signer.oraclePk,
        alice.oraclePk,
        bob.oraclePk,
      ),
    ),
    ciphertext,
  );
  const ourCfragsOfTheirs = theirCfrags.map((cfrag) => umbral.cfragFromBytes(cfrag.toBytes()));
  const back = umbral.decryptReencrypted({
    receivingSk: bob.sk,
    delegatingPk: alice.pk,
    capsule,
    cfrags: ourCfragsOfTheirs,
    ciphertext,
  });
  if (Buffer.compare(crossed, PLAINTEXT) !== 0 || Buffer.compare(back, PLAINTEXT) !== 0) {
    throw new Error("umbral and umbral-pre do not open each other's cfrags: the benchmark would compare wrong code");
  }

  const [reencryptOurs, reencryptTheirs] = interleaved(
    25 * scale,
    rounds,
    () => void umbral.reencrypt(capsule, kfrags[1]!),
    () => oracle.reencrypt(theirCapsule, theirKfrags[1]!).free(),
  );

  const empty = new Uint8Array(0);
  const [encryptOurs, encryptTheirs] = interleaved(
    25 * scale,
    rounds,
    () => void umbral.encrypt(alice.pk, empty),
    () => oracle.encrypt(alice.oraclePk, empty)[0].free(),
  );
  const [encapsulateOurs] = interleaved(
    25 * scale,
    rounds,
    () => void umbral.encapsulate(alice.pk),
    () => undefined,
  );

  const receiving = { receivingSk: bob.sk, delegatingPk: alice.pk, capsule, cfrags };
  const [decryptOurs, decryptTheirs] = interleaved(
    10 * scale,
    rounds,
    () => void umbral.decryptReencrypted({ ...receiving, ciphertext }),
    () => void oracle.decryptReencrypted(bob.oracleSk, alice.oraclePk, theirCapsule, theirCfrags, ciphertext),
  );
  const [decapsulateOurs] = interleaved(
    10 * scale,
    rounds,
    () => void umbral.decapsulateReencrypted(receiving),
    () => undefined,
  );

  return [
    {
      name: "Umbral re-encryption (one proxy: cfrag and its proof from a capsule and a kfrag)",
      ours: `${rate(reencryptOurs, "re-encryptions")} (${each(reencryptOurs)})`,
      reference: `${rate(reencryptTheirs, "re-encryptions")} (${each(reencryptTheirs)}) @nucypher/umbral-pre 0.10`,
      ratio: `${(reencryptTheirs / reencryptOurs).toFixed(2)}x`,
      note: "umbral-pre time / ours, same capsule and kfrag bytes; each side's cfrags open with the other",
    },
    {
      name: "Umbral encapsulation (encrypt of an empty plaintext: capsule + key + empty DEM)",
      ours: `${rate(encryptOurs, "encapsulations")} (${each(encryptOurs)})`,
      reference: `${rate(encryptTheirs, "encapsulations")} (${each(encryptTheirs)}) @nucypher/umbral-pre 0.10`,
      ratio: `${(encryptTheirs / encryptOurs).toFixed(2)}x`,
      note: `umbral-pre time / ours; our bare encapsulate(): ${rate(encapsulateOurs, "encapsulations")}`,
    },
    {
      name: "Umbral decryption by the receiver from t = 2 of 3 cfrags (decryptReencrypted, 40-byte message)",
      ours: `${rate(decryptOurs, "decryptions")} (${each(decryptOurs)})`,
      reference: `${rate(decryptTheirs, "decryptions")} (${each(decryptTheirs)}) @nucypher/umbral-pre 0.10`,
      ratio: `${(decryptTheirs / decryptOurs).toFixed(2)}x`,
      note: `umbral-pre time / ours; our bare decapsulateReencrypted(): ${each(decapsulateOurs)}`,
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const row of await umbralReencrypt({ quick: process.argv.includes("--quick") })) {
    console.log(
      `\n${row.name}\n  ours:      ${row.ours}\n  reference: ${row.reference}\n  ratio:     ${row.ratio} (${row.note})`,
    );
  }
}
