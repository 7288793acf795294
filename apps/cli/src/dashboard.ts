// The dashboard's build (apps/web, React + Vite): `amc up` makes sure apps/web/dist is there and newer than every
// source file before the gateway starts, so `npm install && npm start` serves the current dashboard with no extra
// step. The build takes a few seconds and runs only when a source changed.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EnvironmentError, type Logger } from "@amc/utils";

export const webRoot = fileURLToPath(new URL("../../web", import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
    if (time > newest) newest = time;
  }
  return newest;
}

/** Whether apps/web/dist is missing or older than a source of the dashboard. */
export function dashboardStale(root = webRoot): boolean {
  const index = join(root, "dist", "index.html");
  if (!existsSync(index)) return true;
  return newestSource(root) > statSync(index).mtimeMs;
}

/** Builds the dashboard when it is stale; a failed build is an error (a stale dashboard would mislead). */
export async function ensureDashboard(logger: Logger, root = webRoot): Promise<void> {
  if (!existsSync(join(root, "index.html"))) return;
  if (!dashboardStale(root)) return;
  let vite: string;
  try {
    // vite's exports do not include its bin: find the package, then its "bin" entry.
    const manifest = createRequire(join(root, "package.json")).resolve("vite/package.json");
    const bin = (JSON.parse(readFileSync(manifest, "utf8")) as { bin?: { vite?: string } }).bin?.vite ?? "bin/vite.js";
    vite = join(dirname(manifest), bin);
  } catch {
    if (existsSync(join(root, "dist", "index.html"))) {
      logger.warn("the dashboard's sources changed but vite is not installed; serving the previous build");
      return;
    }
    throw new EnvironmentError("the dashboard is not built and vite is not installed", {
      fix: "npm install (it installs vite), then start again",
    });
  }
  const started = Date.now();
  console.log("building the dashboard (apps/web)...");
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [vite, "build", root, "--logLevel", "warn"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.once("exit", resolve);
  });
  if (code !== 0)
    throw new EnvironmentError(
      `building the dashboard failed: ${output.join("").trim().split("\n").slice(-8).join("\n")}`,
      {
        fix: "npm run web:build shows the whole error",
      },
    );
  console.log(`dashboard built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
