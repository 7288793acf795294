// The dependency direction of DESIGN.md section 8, checked on every test run rather than hoped for:
// apps -> sdk -> domain packages -> store -> chain/crypto -> abi -> utils, never back; apps never import apps;
// packages never import apps; crypto does no I/O; only packages/abi reads forge output.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

/** Lower number = lower layer. A workspace may import only strictly lower layers (apps: never each other). */
const layerOf = (kind: "packages" | "apps", name: string): number => {
  if (kind === "apps") return 100;
  switch (name) {
    case "utils":
      return 0;
    case "abi":
      return 1;
    case "chain":
    case "crypto":
      return 2;
    case "store":
      return 3; // infrastructure: off-chain state, built on chain (its indexer) and used by domain packages
    case "sdk":
      return 50;
    default:
      return 10; // a domain package: did, vc, v2x, data, fl, ...
  }
};

type Workspace = { kind: "packages" | "apps"; name: string; dir: string; layer: number };

const workspaces: Workspace[] = (["packages", "apps"] as const).flatMap((kind) =>
  readdirSync(join(root, kind))
    .filter((name) => statSync(join(root, kind, name)).isDirectory())
    .map((name) => ({ kind, name, dir: join(root, kind, name), layer: layerOf(kind, name) })),
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "generated") return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs)$/.test(name) ? [path] : [];
  });
}

const importsOf = (file: string): string[] =>
  [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1] ?? "");

describe("architecture", () => {
  it("has the workspaces the design names", () => {
    const names = workspaces.map((w) => `${w.kind}/${w.name}`);
    for (const required of [
      "packages/utils",
      "packages/abi",
      "packages/chain",
      "apps/cli",
      "apps/gateway",
      "apps/relayer",
    ])
      expect(names).toContain(required);
  });

  for (const workspace of workspaces) {
    it(`${workspace.kind}/${workspace.name} imports only lower layers`, () => {
      const problems: string[] = [];
      const declared = Object.keys(
        (
          JSON.parse(readFileSync(join(workspace.dir, "package.json"), "utf8")) as {
            dependencies?: Record<string, string>;
          }
        ).dependencies ?? {},
      );
      for (const file of sourceFiles(workspace.dir)) {
        const where = relative(root, file);
        for (const specifier of importsOf(file)) {
          const internal = specifier.match(/^@amc\/([^/]+)/);
          if (internal) {
            const target = workspaces.find((w) => w.kind === "packages" && w.name === internal[1]);
            if (!target) problems.push(`${where}: imports unknown workspace ${specifier}`);
            else if (target.layer >= workspace.layer && target.name !== workspace.name)
              problems.push(
                `${where}: ${workspace.name} (layer ${workspace.layer}) must not import ${specifier} (layer ${target.layer})`,
              );
            if (
              !file.includes(".test.") &&
              !declared.includes(`@amc/${internal[1]}`) &&
              target?.name !== workspace.name
            )
              problems.push(`${where}: imports ${specifier} without declaring it in package.json`);
          }
          if (/(^|\/)apps\//.test(specifier) || /^\.\.\/\.\.\/(\.\.\/)?apps\//.test(specifier))
            problems.push(`${where}: imports an app (${specifier})`);
          if (
            workspace.name === "crypto" &&
            workspace.kind === "packages" &&
            /^node:(fs|net|http|https|dgram|child_process)/.test(specifier)
          )
            problems.push(`${where}: packages/crypto must do no I/O (${specifier})`);
        }
        if (workspace.name !== "abi" && /contracts\/out/.test(readFileSync(file, "utf8")))
          problems.push(`${where}: only packages/abi reads forge output`);
      }
      expect(problems).toEqual([]);
    });
  }

  it("detects a violation (the checker is not vacuous)", () => {
    expect(importsOf(join(root, "apps/cli/src/main.ts")).some((s) => s.startsWith("@amc/"))).toBe(true);
    expect(layerOf("packages", "utils")).toBeLessThan(layerOf("packages", "chain"));
    expect(layerOf("apps", "cli")).toBeGreaterThan(layerOf("packages", "sdk"));
  });
});
