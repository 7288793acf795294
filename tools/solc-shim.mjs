#!/usr/bin/env node
// forge cannot download a compiler here, so it runs this script as its `solc`: it answers the two calls forge
// makes (`--version` and `--standard-json`) with the pinned npm `solc` package (soljson, no download).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solc = require("solc");
const args = process.argv.slice(2);

if (args.includes("--version")) {
  // forge parses the semver out of this line, e.g. "Version: 0.8.30+commit.73712a01.Emscripten.clang".
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (args.includes("--standard-json")) {
  const chunks = [];
  process.stdin.on("data", (c) => chunks.push(c));
  process.stdin.on("end", () => {
    process.stdout.write(solc.compile(Buffer.concat(chunks).toString("utf8")));
  });
} else {
  process.stderr.write(`solc-shim: unsupported arguments: ${args.join(" ")}\n`);
  process.exit(1);
}
