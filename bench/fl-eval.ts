// Federated abnormal-driving evaluation (docs/federated-learning.md). Run: npx tsx bench/fl-eval.ts [--quick]
// Prints the generator fit, the split, the flagged windows and a markdown table of detection F1.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type AttackConfig,
  type CloudRule,
  FEATURE_DIM,
  fitGeneratorParams,
  loadKitRecordings,
  type Mode,
  type ModelSpec,
  prepareData,
  resampleTrace,
  runExperiment,
} from "../packages/fl/src/index.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = join(repoRoot, "../shared/vectors/driving-obd2");
const quick = process.argv.includes("--quick");
const t0 = Date.now();
const recs = loadKitRecordings(dataDir);
console.log("generator fit:", JSON.stringify(fitGeneratorParams(recs.map((r) => resampleTrace(r)))));
const data = prepareData(recs);
const count = (y: Uint8Array) => y.reduce((a, v) => a + v, 0);
console.log("split:", JSON.stringify(data.split));
console.log(
  `train windows ${data.clients.reduce((a, c) => a + c.n, 0)} (${data.clients.reduce((a, c) => a + count(c.y), 0)} abnormal) in ${data.clients.length} vehicles; ` +
    `test real ${data.testReal.n} (${count(data.testReal.y)} abnormal); test generated ${data.testGen.n} (${count(data.testGen.y)} abnormal)`,
);
const byReason = new Map<string, number>();
for (const f of data.flagged) {
  const k = `${f.source.replace(/^kit_obd2_/, "")}: ${f.reason.split(":")[0]}`;
  byReason.set(k, (byReason.get(k) ?? 0) + 1);
}
console.log("flagged (excluded) windows:", JSON.stringify(Object.fromEntries(byReason)));

const CELLS = 10;
const robustRules: [string, CloudRule][] = [
  ["Multi-Krum", { kind: "multikrum", f: 3 }],
  ["trimmed mean", { kind: "trimmed", beta: 0.3 }],
];
const rows: string[] = [];
const header = "| model | method | attack | level | malicious | F1 real | F1 generated | dropped (last round) |";
rows.push(header, "|---|---|---|---|---|---|---|---|");
const models: [string, ModelSpec][] = [
  ["LR", { kind: "logreg", d: FEATURE_DIM }],
  ["MLP-16", { kind: "mlp", d: FEATURE_DIM, hidden: 16 }],
];
const attacks: [AttackConfig["kind"], AttackConfig["level"], number][] = [["none", "vehicle", 0]];
for (const level of ["cell", "vehicle"] as const)
  for (const kind of ["scale", "labelflip"] as const) for (const fr of [0.1, 0.3]) attacks.push([kind, level, fr]);
for (const [mname, model] of models) {
  if (quick && mname !== "LR") continue;
  const methods: [string, Mode, CloudRule | undefined][] = [
    ["centralised", "centralised", undefined],
    ["FedAvg", "fedavg", undefined],
    ...robustRules.map(([n, r]) => [`clip + ${n}`, "robust", r] as [string, Mode, CloudRule]),
  ];
  for (const [aname, level, fr] of attacks)
    for (const [label, mode, rule] of methods) {
      if (mode === "centralised" && aname === "scale") continue; // no updates to scale
      const res = runExperiment(data, {
        model,
        mode,
        cells: CELLS,
        seed: 1,
        ...(rule ? { cloudRule: rule } : {}),
        attack: { kind: aname, level, fraction: fr },
      });
      const last = res.rounds.at(-1)?.dropped ?? [];
      const dropped = mode === "robust" ? `cells ${last.map((d) => d.cell).join(",") || "–"}` : "";
      const line = `| ${mname} | ${label} | ${aname} | ${aname === "none" ? "–" : level} | ${Math.round(fr * 100)} % | ${res.real.f1.toFixed(3)} | ${res.gen.f1.toFixed(3)} | ${dropped} |`;
      rows.push(line);
      console.log(line);
    }
}
console.log(`\n${rows.join("\n")}\n\nelapsed ${((Date.now() - t0) / 1000).toFixed(0)} s`);
