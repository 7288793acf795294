// Outside oracle: Wireshark's `its` dissector (tshark 4.0, ASN.1 from the ETSI modules, independent of this
// codec) must read our CAM and DENM bytes as we meant them. Each message becomes one frame of a pcap with user
// DLT 147 (text2pcap -l 147), tshark decodes it as `its` and prints JSON; the test compares the fields.
// Needs tshark and text2pcap (Debian: `apt-get install tshark`); on CI (CI=true) their absence is a failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Cam, encodeCam } from "./cam.js";
import { type Denm, encodeDenm } from "./denm.js";
import { camArbitrary, denmArbitrary, sampleCam, sampleDenm, toHex } from "./testing.js";

const INSTALL_HINT = "apt-get install tshark";

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ["--version"], { stdio: "ignore" });
    return true;
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return false;
    throw error;
  }
}

const available = hasTool("tshark") && hasTool("text2pcap");
const onCi = process.env.CI === "true";

type Layer = { [key: string]: unknown };

/** Decodes each message as one frame and returns the `its` layer of each frame. */
function dissect(messages: Uint8Array[]): Layer[] {
  const text = messages.map((m) => `000000 ${toHex(m).replace(/../g, "$& ")}\n`).join("");
  const workDir = mkdtempSync(join(tmpdir(), "amc-its-tshark-"));
  let json: string;
  try {
    const input = join(workDir, "frames.txt");
    const pcap = join(workDir, "frames.pcap");
    writeFileSync(input, text);
    execFileSync("text2pcap", ["-q", "-l", "147", input, pcap], { stdio: "ignore" });
    json = execFileSync(
      "tshark",
      ["-o", 'uat:user_dlts:"User 0 (DLT=147)","its","0","","0",""', "-T", "json", "--no-duplicate-keys", "-r", pcap],
      { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] },
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const packets: unknown = JSON.parse(json);
  if (!Array.isArray(packets)) throw new Error("tshark did not print a JSON array");
  return packets.map((packet, i) => {
    const layers = find(packet, "layers")[0];
    if (!isLayer(layers)) throw new Error(`frame ${i} has no layers`);
    // A dissector that ran out of bytes or met an impossible value says so in _ws.malformed / _ws.expert.
    expect(find(layers, "_ws.malformed"), `frame ${i} is malformed for Wireshark`).toEqual([]);
    // The one expected note is "Choice no. N in extension": an alternative a later standard may add, which
    // Wireshark (like us) skips by its open type length.
    const experts = find(layers, "_ws.expert").filter((e) => !(isLayer(e) && "per.choice_extension_unknown" in e));
    expect(experts, `frame ${i} has expert warnings`).toEqual([]);
    const its = layers.its;
    if (!isLayer(its)) throw new Error(`frame ${i} was not dissected as its`);
    return its;
  });
}

function isLayer(value: unknown): value is Layer {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every value under `key` anywhere in `tree`, depth first (merged duplicate keys are arrays). */
function find(tree: unknown, key: string): unknown[] {
  const out: unknown[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isLayer(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (k === key) out.push(...(Array.isArray(v) ? v : [v]));
        else walk(v);
      }
    }
  };
  walk(tree);
  return out;
}

/** The single value of `key` in the layer, as a number. */
function one(layer: Layer, key: string): number {
  const values = find(layer, key);
  expect(values, `${key} occurs once`).toHaveLength(1);
  return Number(values[0]);
}

function checkCam(layer: Layer, cam: Cam): void {
  expect(one(layer, "its.protocolVersion")).toBe(cam.header.protocolVersion);
  expect(one(layer, "its.messageID")).toBe(2);
  expect(one(layer, "its.stationID")).toBe(cam.header.stationID);
  expect(one(layer, "cam.generationDeltaTime")).toBe(cam.cam.generationDeltaTime);
  const { basicContainer, highFrequencyContainer: hf } = cam.cam.camParameters;
  expect(one(layer, "cam.stationType")).toBe(basicContainer.stationType);
  expect(Number(find(layer, "its.latitude")[0])).toBe(basicContainer.referencePosition.latitude);
  expect(Number(find(layer, "its.longitude")[0])).toBe(basicContainer.referencePosition.longitude);
  expect(one(layer, "its.altitudeValue")).toBe(basicContainer.referencePosition.altitude.altitudeValue);
  if (hf.type === "basicVehicleContainerHighFrequency") {
    expect(one(layer, "its.speedValue")).toBe(hf.speed.speedValue);
    expect(one(layer, "its.headingValue")).toBe(hf.heading.headingValue);
    expect(one(layer, "its.yawRateValue")).toBe(hf.yawRate.yawRateValue);
    expect(one(layer, "its.curvatureValue")).toBe(hf.curvature.curvatureValue);
    expect(one(layer, "cam.vehicleWidth")).toBe(hf.vehicleWidth);
  }
  const lf = cam.cam.camParameters.lowFrequencyContainer;
  if (lf?.type === "basicVehicleContainerLowFrequency") {
    expect(one(layer, "cam.vehicleRole")).toBe(lf.vehicleRole);
    expect(find(layer, "its.deltaLatitude").map(Number)).toEqual(
      lf.pathHistory.map((p) => p.pathPosition.deltaLatitude),
    );
  }
}

function checkDenm(layer: Layer, denm: Denm): void {
  const { management: m, situation, location } = denm.denm;
  expect(one(layer, "its.messageID")).toBe(1);
  expect(one(layer, "its.stationID")).toBe(denm.header.stationID);
  expect(one(layer, "its.originatingStationID")).toBe(m.actionID.originatingStationID);
  expect(one(layer, "its.sequenceNumber")).toBe(m.actionID.sequenceNumber);
  expect(one(layer, "denm.detectionTime")).toBe(m.detectionTime);
  expect(one(layer, "denm.referenceTime")).toBe(m.referenceTime);
  expect(one(layer, "its.latitude")).toBe(m.eventPosition.latitude);
  expect(one(layer, "its.longitude")).toBe(m.eventPosition.longitude);
  expect(one(layer, "denm.stationType")).toBe(m.stationType);
  const validity = find(layer, "denm.validityDuration").map(Number);
  expect(validity).toEqual(m.validityDuration === 600 ? [] : [m.validityDuration]);
  if (situation) {
    const causes = [situation.eventType, ...(situation.linkedCause ? [situation.linkedCause] : [])];
    expect(find(layer, "its.causeCode").map(Number)).toEqual(causes.map((c) => c.causeCode));
    expect(find(layer, "its.subCauseCode").map(Number)).toEqual(causes.map((c) => c.subCauseCode));
  }
  if (location?.eventSpeed) expect(one(layer, "its.speedValue")).toBe(location.eventSpeed.speedValue);
}

describe.runIf(available || onCi)("Wireshark's its dissector reads our UPER (tshark oracle)", () => {
  it("tshark and text2pcap are installed", () => {
    expect(available, `tshark is required on CI: ${INSTALL_HINT}`).toBe(true);
  });

  it("decodes the sample CAM and DENM field by field", () => {
    const [cam, denm] = dissect([encodeCam(sampleCam), encodeDenm(sampleDenm)]);
    checkCam(cam!, sampleCam);
    checkDenm(denm!, sampleDenm);
    expect(find(cam, "its.ExteriorLights.fogLightOn")).toEqual(["1"]);
    expect(find(denm, "its.causeCode")).toEqual(["6"]);
    expect(find(denm, "its.subCauseCode")).toEqual(["6"]);
  });

  it("decodes 100 random CAMs and 100 random DENMs, extensions included, as we encoded them", () => {
    const cams = fc.sample(camArbitrary({ extensions: true }), { numRuns: 100, seed: 42 });
    const denms = fc.sample(denmArbitrary({ extensions: true }), { numRuns: 100, seed: 43 });
    const layers = dissect([...cams.map(encodeCam), ...denms.map(encodeDenm)]);
    expect(layers).toHaveLength(200);
    for (const [i, cam] of cams.entries()) checkCam(layers[i]!, cam);
    for (const [i, denm] of denms.entries()) checkDenm(layers[100 + i]!, denm);
  });
});

if (!available && !onCi) {
  describe("tshark oracle", () => {
    it.skip(`skipped: tshark is not installed (${INSTALL_HINT})`, () => {});
  });
}
