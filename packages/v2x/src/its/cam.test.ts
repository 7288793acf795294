import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Cam, decodeCam, encodeCam } from "./cam.js";
import { decodeItsPduHeader, ItsUnsupportedError, Unavailable } from "./cdd.js";
import { camArbitrary, sampleCam, toHex } from "./testing.js";
import { UperDecodeError, UperEncodeError } from "./uper.js";

// Our encoding of sampleCam, read field by field by Wireshark 4.0's `its` dissector (see its.tshark.test.ts).
const SAMPLE_CAM_HEX =
  "0202075bcd153039405a56bd962e47841d40c80647084a3806604d2122b6e302c08a6c540b61fe18a0182081c0012fff5b19c00020";

describe("CAM (EN 302 637-2 v1.4.1) codec", () => {
  it("encodes the sample CAM to the bytes Wireshark reads back, and decodes them", () => {
    const bytes = encodeCam(sampleCam);
    expect(toHex(bytes)).toBe(SAMPLE_CAM_HEX);
    expect(decodeCam(bytes)).toEqual(sampleCam);
    expect(decodeItsPduHeader(bytes)).toEqual({ protocolVersion: 2, messageID: 2, stationID: 123456789 });
  });

  it("round-trips any CAM, extensions included, and re-encodes bit-exactly", () => {
    fc.assert(
      fc.property(camArbitrary(), (cam) => {
        const bytes = encodeCam(cam);
        const decoded = decodeCam(bytes);
        expect(decoded).toEqual(cam);
        expect(encodeCam(decoded)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it("a minimal RSU CAM with unavailable position is 26 bytes", () => {
    const cam: Cam = {
      header: { protocolVersion: 2, messageID: 2, stationID: 1 },
      cam: {
        generationDeltaTime: 0,
        camParameters: {
          basicContainer: {
            stationType: 15,
            referencePosition: {
              latitude: Unavailable.latitude,
              longitude: Unavailable.longitude,
              positionConfidenceEllipse: {
                semiMajorConfidence: 4095,
                semiMinorConfidence: 4095,
                semiMajorOrientation: 3601,
              },
              altitude: { altitudeValue: Unavailable.altitude, altitudeConfidence: 15 },
            },
          },
          highFrequencyContainer: { type: "rsuContainerHighFrequency" },
        },
      },
    };
    const bytes = encodeCam(cam);
    expect(bytes.length).toBe(26);
    expect(decodeCam(bytes)).toEqual(cam);
  });

  it("refuses out-of-range values on encode with the field name", () => {
    const hf = sampleCam.cam.camParameters.highFrequencyContainer;
    if (hf.type !== "basicVehicleContainerHighFrequency") throw new Error("sample is a vehicle");
    const tooFast: Cam = structuredClone(sampleCam);
    tooFast.cam.camParameters.highFrequencyContainer = { ...hf, speed: { speedValue: 16384, speedConfidence: 1 } };
    expect(() => encodeCam(tooFast)).toThrow(UperEncodeError);
    expect(() => encodeCam(tooFast)).toThrow(
      "cannot encode basicVehicleContainerHighFrequency.speed.speedValue: 16384 is outside 0..16383",
    );
    expect(() => encodeCam({ ...sampleCam, header: { ...sampleCam.header, messageID: 1 } })).toThrow("1 is not cam(2)");
  });

  it("refuses a DENM, a truncated CAM and a special vehicle container with typed errors", () => {
    const bytes = encodeCam(sampleCam);
    const asDenm = Uint8Array.from(bytes);
    asDenm[1] = 1;
    expect(() => decodeCam(asDenm)).toThrow("messageID is 1, not cam(2)");
    expect(() => decodeCam(bytes.subarray(0, 20))).toThrow(UperDecodeError);
    // Set the specialVehicleContainer presence bit (bit 66: after 48 header bits, 16 delta time, ext, low).
    const special = Uint8Array.from(bytes);
    special[8]! |= 0x20;
    expect(() => decodeCam(special)).toThrow(ItsUnsupportedError);
    expect(() => decodeCam(special)).toThrow("specialVehicleContainer");
  });
});
