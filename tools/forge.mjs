#!/usr/bin/env node
// Runs forge and exits with ITS exit status. The npm wrapper behind `npx forge` (@foundry-rs/forge 1.7.1, bin.mjs)
// spawns the platform binary but never forwards its exit code, so `npx forge test`, `npx forge snapshot --check` and
// `npx forge fmt --check` exit 0 even when they fail. The project calls `node tools/forge.mjs <args>` instead.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const arch = { x64: "amd64", arm64: "arm64" }[process.arch];
const exe = process.platform === "win32" ? "forge.exe" : "forge";
const binary = require.resolve(`@foundry-rs/forge-${process.platform}-${arch}/bin/${exe}`);
const result = spawnSync(binary, process.argv.slice(2), { stdio: "inherit" });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
