// The RSU's federated-learning collector: acknowledged contributions survive a restart (fsynced JSONL, a torn last
// line ignored), a vehicle contributes once per round, modes do not mix, and the aggregate is the plain sum.
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aggregateFromJson, encodedToJson, encodeUpdate, openCellAggregate, type SecureConfig } from "@amc/fl";
import { afterAll, describe, expect, it } from "vitest";
import { FlCollector } from "./fl.js";

const dir = mkdtempSync(join(tmpdir(), "amc-fl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const secure: SecureConfig = { mode: "masking", scale: 2 ** 16, maxAbs: 1, maxSummands: 100 };
const taskId = `0x${"ab".repeat(32)}`;
const contribution = (vehicle: string, values: number[]) =>
  encodedToJson(encodeUpdate(secure, {}, vehicle, Float64Array.from(values)));

describe("FlCollector", () => {
  it("keeps acknowledged contributions across a restart and aggregates them to their sum", () => {
    const first = new FlCollector("rsu-a", dir);
    expect(first.contribute({ taskId, round: 0, contribution: contribution("v1", [0.5, -0.5]) })).toEqual({ count: 1 });
    expect(first.contribute({ taskId, round: 0, contribution: contribution("v2", [0.25, 0.25]) })).toEqual({
      count: 2,
    });
    expect(() => first.contribute({ taskId, round: 0, contribution: contribution("v2", [0.1, 0.1]) })).toThrow(
      /already contributed/,
    );
    expect(() =>
      first.contribute({ taskId, round: 0, contribution: { mode: "paillier", vehicle: "v9", ciphertexts: ["0x1"] } }),
    ).toThrow(/collects masking/);
    // A crash while appending leaves a torn line: it was never acknowledged and is ignored.
    const [file] = readdirSync(join(dir, "fl"));
    appendFileSync(join(dir, "fl", file!), '{"mode":"mask');

    const restarted = new FlCollector("rsu-a", dir);
    expect(restarted.contribute({ taskId, round: 0, contribution: contribution("v3", [-0.125, 0]) })).toEqual({
      count: 3,
    });
    const json = restarted.aggregate({ taskId, round: 0, secure });
    expect(json.contributors.sort()).toEqual(["v1", "v2", "v3"]);
    const sum = openCellAggregate(secure, {}, aggregateFromJson(json, {}), 2);
    expect(sum[0]).toBeCloseTo(0.625, 4);
    expect(sum[1]).toBeCloseTo(-0.25, 4);
    // Aggregated rounds are forgotten, on disk too.
    expect(readdirSync(join(dir, "fl"))).toEqual([]);
    expect(() => restarted.aggregate({ taskId, round: 0, secure })).toThrow(/no contribution/);
  });

  it("refuses malformed requests", () => {
    const collector = new FlCollector("rsu-b");
    expect(() => collector.contribute({ taskId: "0x12", round: 0, contribution: {} })).toThrow(/taskId/);
    expect(() => collector.contribute({ taskId, round: -1, contribution: {} })).toThrow(/round/);
    expect(() => collector.contribute({ taskId, round: 0, contribution: { mode: "x", vehicle: "v" } })).toThrow(/mode/);
    expect(() => collector.aggregate({ taskId, round: 0, secure: { mode: "masking" } })).toThrow(/secure\./);
  });
});
