import { readFileSync } from "node:fs";
import { join } from "node:path";
import { areNeighborCells, getResolution } from "h3-js";
import { describe, expect, it } from "vitest";
import { contractsOf } from "./deploy.js";
import { loadTopology, parseTopology } from "./topology.js";

const root = join(import.meta.dirname, "../../..");
const defaultConfig = () => JSON.parse(readFileSync(join(root, "amc.config.json"), "utf8"));

describe("topology", () => {
  it("the default topology has main, a side chain and two adjacent resolution-7 edge cells", () => {
    const topology = loadTopology(join(root, "amc.config.json"));
    expect(topology.chains.map((c) => c.role)).toEqual(["main", "side", "edge", "edge"]);
    const cells = topology.chains.filter((c) => c.role === "edge").map((c) => c.h3Cell ?? "");
    expect(cells.map(getResolution)).toEqual([7, 7]);
    expect(areNeighborCells(cells[0] ?? "", cells[1] ?? "")).toBe(true);
    expect(topology.chains.find((c) => c.role === "main")?.modules).toContain("governance");
  });

  it("reports every problem with its path", () => {
    const config = defaultConfig();
    config.chains[0].threshold = 9;
    config.chains[2].h3Cell = "8a1f18803ffffff";
    config.chains[3].chainId = config.chains[1].chainId;
    let message = "";
    try {
      parseTopology(config, "amc.config.json");
    } catch (error) {
      message = error instanceof Error ? error.message : "";
    }
    expect(message).toContain("amc.config.json is invalid");
    expect(message).toContain("chains.0: threshold 9 exceeds 3 validators");
    expect(message).toContain("chains.2: an edge chain needs h3Cell, a valid H3 index");
    expect(message).toContain("chain ids must be unique");
  });

  it("rejects governance on a non-main chain and a second main chain", () => {
    const config = defaultConfig();
    config.chains[1].modules = ["xchain", "governance"];
    expect(() => parseTopology(config)).toThrow("only the main chain carries governance");
    const two = defaultConfig();
    two.chains[1].role = "main";
    two.chains[1].modules = ["xchain", "governance"];
    expect(() => parseTopology(two)).toThrow("need exactly one main chain, found 2");
  });

  it("the default topology deploys the edge module: checkpoints on main, anchors and events on each cell", () => {
    const topology = loadTopology(join(root, "amc.config.json"));
    const byName = Object.fromEntries(topology.chains.map((c) => [c.name, contractsOf(c)]));
    expect(byName.main).toContain("AnchorCheckpoints");
    expect(byName.main).not.toContain("DataAnchor");
    expect(byName.services).not.toContain("AnchorCheckpoints");
    expect(byName.services).not.toContain("DataAnchor");
    for (const cell of topology.chains.filter((c) => c.role === "edge")) {
      expect(contractsOf(cell)).toEqual(expect.arrayContaining(["DataAnchor", "EventLedger"]));
      expect(contractsOf(cell)).not.toContain("AnchorCheckpoints");
    }
  });

  it("allows the edge module on main and edge chains only, and on a cell only when main has it", () => {
    const side = defaultConfig();
    side.chains[1].modules = ["xchain", "identity", "edge"];
    expect(() => parseTopology(side)).toThrow(
      "chains.1: the edge module goes on the main chain and edge chains, not side chains",
    );
    const noMain = defaultConfig();
    noMain.chains[0].modules = ["xchain", "governance", "identity"];
    expect(() => parseTopology(noMain)).toThrow(
      "chain cell-871f18a0cffffff carries the edge module but the main chain does not",
    );
    const none = defaultConfig();
    for (const chain of none.chains) chain.modules = chain.modules.filter((m: string) => m !== "edge");
    expect(parseTopology(none).chains.every((c) => !c.modules.includes("edge"))).toBe(true);
    const mainOnly = defaultConfig();
    mainOnly.chains[2].modules = ["xchain", "identity"];
    mainOnly.chains[3].modules = ["xchain", "identity"];
    expect(parseTopology(mainOnly).chains[0]?.modules).toContain("edge");
  });

  it("says how to fix a missing file", () => {
    expect(() => loadTopology("/nonexistent/amc.config.json")).toThrow("cannot read topology file");
  });
});
