import { describe, expect, it } from "vitest";
import { encodeCam } from "./cam.js";
import { ItsUnsupportedError } from "./cdd.js";
import { encodeDenm } from "./denm.js";
import { decodeItsMessage } from "./message.js";
import { PSID } from "./platform.js";
import { sampleCam, sampleDenm } from "./testing.js";
import { UperDecodeError } from "./uper.js";

describe("decodeItsMessage", () => {
  it("dispatches on messageID and checks the envelope's PSID", () => {
    expect(decodeItsMessage(encodeCam(sampleCam), { psid: PSID.cam })).toEqual({ type: "cam", cam: sampleCam });
    expect(decodeItsMessage(encodeDenm(sampleDenm))).toEqual({ type: "denm", denm: sampleDenm });
    expect(() => decodeItsMessage(encodeDenm(sampleDenm), { psid: PSID.cam })).toThrow(
      "messageID 1 arrived under PSID 36, not 37",
    );
  });

  it("refuses other ITS messages and short input with typed errors", () => {
    const spatem = encodeCam(sampleCam);
    spatem[1] = 4;
    expect(() => decodeItsMessage(spatem)).toThrow(ItsUnsupportedError);
    expect(() => decodeItsMessage(Uint8Array.of(2, 2, 0))).toThrow(UperDecodeError);
  });
});
