// Byte fixtures below are derived by hand from the TraCI protocol description
// (https://sumo.dlr.de/docs/TraCI/Protocol.html), not captured from SUMO; the live test in sumo.test.ts checks
// the same client against a real sumo.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addRouteCommand,
  addVehicleCommand,
  closeCommand,
  decodeResponses,
  decodeVariableResponse,
  encodeCommand,
  encodeMessage,
  getVehicleVariableCommand,
  getVersionCommand,
  RESPONSE_GET_VEHICLE_VARIABLE,
  Reader,
  readCommand,
  simStepCommand,
  type TraciValue,
  VAR_ID_LIST,
  VAR_SPEED,
  Writer,
} from "./traci.js";

const bytes = (...b: number[]) => Uint8Array.from(b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe("TraCI encoding", () => {
  it("frames GET vehicle speed and a message", () => {
    const cmd = getVehicleVariableCommand(VAR_SPEED, "veh0");
    // [len 11][0xa4][var 0x40][string len 4]["veh0"]
    expect(cmd).toEqual(bytes(0x0b, 0xa4, 0x40, 0, 0, 0, 4, ...ascii("veh0")));
    expect(encodeMessage([cmd])).toEqual(bytes(0, 0, 0, 0x0f, 0x0b, 0xa4, 0x40, 0, 0, 0, 4, ...ascii("veh0")));
  });

  it("encodes version, simulation step and close", () => {
    expect(getVersionCommand()).toEqual(bytes(0x02, 0x00));
    expect(closeCommand()).toEqual(bytes(0x02, 0x7f));
    expect(simStepCommand()).toEqual(bytes(0x0a, 0x02, 0, 0, 0, 0, 0, 0, 0, 0));
    // 1.5 as an IEEE 754 double, big-endian: 3f f8 00 …
    expect(simStepCommand(1.5)).toEqual(bytes(0x0a, 0x02, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0));
  });

  it("uses the extended length form above 255 bytes", () => {
    const content = new Uint8Array(300).fill(7);
    const cmd = encodeCommand(0xc4, content);
    // [0][int 306 = 1 + 4 + 1 + 300][id]
    expect([...cmd.subarray(0, 6)]).toEqual([0, 0, 0, 0x01, 0x32, 0xc4]);
    expect(cmd.length).toBe(306);
    const back = readCommand(new Reader(cmd));
    expect(back.id).toBe(0xc4);
    expect(back.content).toEqual(content);
    expect(encodeCommand(0x01, new Uint8Array(253))[0]).toBe(255);
    expect(encodeCommand(0x01, new Uint8Array(254))[0]).toBe(0);
  });

  it("encodes route.add with a string list", () => {
    expect(addRouteCommand("r", ["a", "bc"])).toEqual(
      bytes(
        0x18,
        0xc6,
        0x80,
        0,
        0,
        0,
        1,
        ...ascii("r"),
        0x0e,
        0,
        0,
        0,
        2,
        0,
        0,
        0,
        1,
        ...ascii("a"),
        0,
        0,
        0,
        2,
        ...ascii("bc"),
      ),
    );
  });

  it("encodes vehicle.add as a compound of 12 strings and 2 ints", () => {
    const cmd = addVehicleCommand("v", { routeId: "r", typeId: "car" });
    const c = readCommand(new Reader(cmd));
    expect(c.id).toBe(0xc4);
    const r = new Reader(c.content);
    expect(r.ubyte()).toBe(0x85);
    expect(r.string()).toBe("v");
    const v = r.typed();
    expect(v.type).toBe("compound");
    if (v.type !== "compound") return;
    expect(v.value.map((x) => x.type)).toEqual([...Array(12).fill("string"), "int", "int"]);
    expect(v.value.slice(0, 3).map((x) => x.value)).toEqual(["r", "car", "now"]);
    expect(r.remaining).toBe(0);
  });

  it("round-trips typed values (property)", () => {
    const value: fc.Arbitrary<TraciValue> = fc.letrec<{ v: TraciValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        fc.integer({ min: 0, max: 255 }).map((value) => ({ type: "ubyte" as const, value })),
        fc.integer({ min: -128, max: 127 }).map((value) => ({ type: "byte" as const, value })),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((value) => ({ type: "int" as const, value })),
        fc.double({ noNaN: true }).map((value) => ({ type: "double" as const, value })),
        fc.string().map((value) => ({ type: "string" as const, value })),
        fc.array(fc.string(), { maxLength: 5 }).map((value) => ({ type: "stringList" as const, value })),
        fc
          .tuple(fc.double({ noNaN: true }), fc.double({ noNaN: true }))
          .map((value) => ({ type: "position2D" as const, value })),
        fc.array(tie("v"), { maxLength: 4 }).map((value) => ({ type: "compound" as const, value })),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const r = new Reader(new Writer().typed(v).toBytes());
        expect(r.typed()).toEqual(v);
        expect(r.remaining).toBe(0);
      }),
      { seed: 1, numRuns: 300 },
    );
  });
});

describe("TraCI decoding", () => {
  const okStatus = (id: number) => [0x07, id, 0x00, 0, 0, 0, 0];

  it("decodes a GET speed answer: status, then response 0xb4 with a double", () => {
    const body = bytes(
      ...okStatus(0xa4),
      0x14,
      0xb4,
      0x40,
      0,
      0,
      0,
      4,
      ...ascii("veh0"),
      0x0b,
      0x40,
      0x2b,
      0,
      0,
      0,
      0,
      0,
      0, // 13.5
    );
    const [res] = decodeResponses(body, [0xa4]);
    const v = decodeVariableResponse(res!.results[0]!, RESPONSE_GET_VEHICLE_VARIABLE);
    expect(v).toEqual({ variable: VAR_SPEED, objectId: "veh0", value: { type: "double", value: 13.5 } });
  });

  it("decodes an ID list and a simulation step without subscriptions", () => {
    const list = [0x0e, 0, 0, 0, 2, 0, 0, 0, 1, ...ascii("a"), 0, 0, 0, 1, ...ascii("b")];
    const body = bytes(
      ...okStatus(0x02),
      0,
      0,
      0,
      0,
      ...okStatus(0xa4),
      2 + 1 + 4 + list.length,
      0xb4,
      VAR_ID_LIST,
      0,
      0,
      0,
      0,
      ...list,
    );
    const [step, ids] = decodeResponses(body, [0x02, 0xa4]);
    expect(step!.results).toEqual([]);
    expect(decodeVariableResponse(ids!.results[0]!, 0xb4).value).toEqual({ type: "stringList", value: ["a", "b"] });
  });

  it("turns an error status into a TraciError carrying SUMO's description", () => {
    const msg = ascii("Vehicle 'x' is not known");
    const body = bytes(3 + 4 + msg.length, 0xa4, 0xff, 0, 0, 0, msg.length, ...msg);
    expect(() => decodeResponses(body, [0xa4])).toThrow(/SUMO rejected TraCI command 0xa4: Vehicle 'x' is not known/);
  });

  it("rejects truncated data, wrong answers and unknown types", () => {
    expect(() => decodeResponses(bytes(0x07, 0xa4, 0x00, 0, 0), [0xa4])).toThrow(/truncated TraCI data/);
    expect(() => decodeResponses(bytes(...okStatus(0x02)), [0xa4])).toThrow(
      /status for command 0x2 where 0xa4 was sent/,
    );
    expect(() => new Reader(bytes(0x42)).typed()).toThrow(/unsupported TraCI data type 0x42/);
    expect(() => readCommand(new Reader(bytes(0x01, 0x00)))).toThrow(/bad TraCI command length 1/);
  });
});
