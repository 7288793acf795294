// `npm run bench`: every benchmark prints our figure beside its reference measured in the same run, and the
// ratio. Nothing here asserts a wall-clock time; the figures go into issue notes and reviews.
import { consentedReads } from "./data.bench.js";
import { didResolution } from "./did.bench.js";
import { edgeRsu } from "./edge.bench.js";
import { itsCodec } from "./its.bench.js";
import { merkleBuild } from "./merkle.bench.js";
import { paillierAggregate } from "./paillier.bench.js";
import { secureAggregation } from "./secagg.bench.js";
import { trafficEngines } from "./traffic.bench.js";
import { umbralReencrypt } from "./umbral.bench.js";
import { v2xVerify } from "./v2x.bench.js";
import { credentialVerify } from "./vc.bench.js";
import { type BenchRow, latency, throughput } from "./xchain.bench.js";

const quick = process.argv.includes("--quick");
const rows: BenchRow[] = [];
const print = (row: BenchRow) => {
  rows.push(row);
  console.log(
    `\n${row.name}\n  ours:      ${row.ours}\n  reference: ${row.reference}\n  ratio:     ${row.ratio} (${row.note})`,
  );
};

console.log(
  `AutoMobile Chain benchmarks (${quick ? "quick" : "full"}) on ${process.platform}/${process.arch}, Node ${process.version}`,
);
print(await latency(0, quick ? 5 : 20));
print(await latency(1, quick ? 3 : 10));
for (const row of await throughput(quick ? 100 : 300)) print(row);
print(await didResolution(quick ? 5 : 20, quick ? 50 : 300));
for (const row of await credentialVerify()) print(row);
for (const row of await itsCodec()) print(row);
for (const row of await v2xVerify()) print(row);
for (const row of await merkleBuild(quick ? [10_000] : [10_000, 100_000])) print(row);
for (const row of await edgeRsu({ quick })) print(row);
for (const row of await umbralReencrypt({ quick })) print(row);
for (const row of await consentedReads({ quick })) print(row);
for (const row of await secureAggregation({ quick })) print(row);
for (const row of await paillierAggregate({ quick })) print(row);
for (const row of await trafficEngines({ quick })) print(row);
console.log(`\n${rows.length} benchmarks done`);
