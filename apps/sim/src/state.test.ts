import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { generateP256 } from "@amc/did";
import { describe, expect, it } from "vitest";
import { loadSimState, type SimState, SimStateError, saveSimState, simStatePath } from "./state.js";

const home = () => mkdtempSync(join(tmpdir(), "amc-sim-state-"));

function sample(): SimState {
  const key = generateP256();
  return {
    version: 1,
    network: "dev",
    chainId: 71000,
    registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    oem: { did: `did:amc:dev:${"a".repeat(64)}`, key },
    vehicles: [
      {
        vin: "WDB12345678901234",
        did: `did:amc:dev:${"b".repeat(64)}`,
        id: `0x${"b".repeat(64)}`,
        owned: true,
        obuKey: generateP256(),
        authKey: generateP256(),
        produced: true,
        authPublished: true,
        transferred: false,
        dataKeyPublished: false,
        enrolled: false,
        tickets: [{ period: 3, slot: 7, certificate: "0x0102", privateKey: generateP256(), stationId: 4242 }],
      },
    ],
  };
}

describe("simulator state file", () => {
  it("round-trips, with mode 0600", () => {
    const path = simStatePath(home());
    const state = sample();
    saveSimState(path, state);
    expect(loadSimState(path)).toEqual(state);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // Saving again replaces the file atomically (no temporary left behind).
    saveSimState(path, { ...state, vehicles: [] });
    expect(loadSimState(path)?.vehicles).toEqual([]);
    expect(readFileSync(path, "utf8")).toContain('"network": "dev"');
  });

  it("is undefined when there is no state yet", () => {
    expect(loadSimState(simStatePath(home()))).toBeUndefined();
  });

  it("refuses a corrupt file with SimStateError saying how to recover", () => {
    const path = simStatePath(home());
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{"version": 1, "vehicles": [');
    expect(() => loadSimState(path)).toThrow(SimStateError);
    expect(() => loadSimState(path)).toThrow(/is not JSON[\s\S]*mv .*state\.json .*state\.json\.bad/);
  });

  it("refuses a JSON file of the wrong shape, naming the field", () => {
    const path = simStatePath(home());
    const state = sample();
    saveSimState(path, state);
    const raw = JSON.parse(readFileSync(path, "utf8"));
    raw.vehicles[0].vin = "not a vin";
    raw.vehicles[0].tickets[0].privateKey.crv = "Ed25519";
    writeFileSync(path, JSON.stringify(raw));
    expect(() => loadSimState(path)).toThrow(/is not a simulator state[\s\S]*vehicles\.0\.vin/);
  });
});
