// ETSI ITS codec throughput: our UPER encode + decode of a CAM (and a DENM) per second, beside a naive reference
// measured in the same run on the same object: JSON.stringify + JSON.parse. JSON is the honest "no codec at all"
// baseline (native code in V8, no constraint checks, 3-5x the bytes on the air); it is not a UPER library, since
// none is installed here. Both sides are timed in alternating rounds and the median round is reported.
import { decodeCam, encodeCam } from "../packages/v2x/src/its/cam.js";
import { decodeDenm, encodeDenm } from "../packages/v2x/src/its/denm.js";
import { sampleCam, sampleDenm } from "../packages/v2x/src/its/testing.js";

type BenchRow = { name: string; ours: string; reference: string; ratio: string; note: string };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Operations per second of `run`, over rounds of `perRound` calls. */
function rate(run: () => unknown, perRound: number): number {
  const started = performance.now();
  let sink: unknown;
  for (let i = 0; i < perRound; i++) sink = run();
  const seconds = (performance.now() - started) / 1000;
  if (sink === undefined) throw new Error("benchmark body returned nothing");
  return perRound / seconds;
}

function compare<T>(name: string, value: T, ours: (v: T) => Uint8Array, decode: (b: Uint8Array) => T): BenchRow {
  const uperBytes = ours(value).length;
  const jsonBytes = Buffer.byteLength(JSON.stringify(value));
  const oursRun = () => decode(ours(value));
  const referenceRun = () => JSON.parse(JSON.stringify(value));
  for (let i = 0; i < 20_000; i++) {
    oursRun();
    referenceRun();
  }
  const oursRates: number[] = [];
  const referenceRates: number[] = [];
  for (let round = 0; round < 7; round++) {
    oursRates.push(rate(oursRun, 20_000));
    referenceRates.push(rate(referenceRun, 20_000));
  }
  const o = median(oursRates);
  const r = median(referenceRates);
  const fmt = (v: number) => `${Math.round(v).toLocaleString("en-US")}/s`;
  return {
    name: `${name} encode+decode, one core`,
    ours: `${fmt(o)} (UPER, constraint-checked, ${uperBytes} bytes)`,
    reference: `${fmt(r)} (JSON.stringify+parse of the same object, ${jsonBytes} bytes)`,
    ratio: `${(o / r).toFixed(2)}x`,
    note: "higher is better; JSON is a naive baseline, not a UPER codec",
  };
}

export async function itsCodec(): Promise<BenchRow[]> {
  return [
    compare("ETSI CAM (EN 302 637-2)", sampleCam, encodeCam, decodeCam),
    compare("ETSI DENM (EN 302 637-3)", sampleDenm, encodeDenm, decodeDenm),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await itsCodec()) console.log(row);
}
