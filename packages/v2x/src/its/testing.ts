// Test support for the ITS codecs: sample messages and fast-check arbitraries whose values stay within the ASN.1
// constraints of EN 302 637-2 v1.4.1 / EN 302 637-3 v1.3.1 / TS 102 894-2 v1.3.1. With `extensions` the
// arbitraries also produce values outside extensible roots (extension enum values, integers past an extensible
// bound, unknown CHOICE alternatives), which exercise the extension paths of the UPER layer.
import fc from "fast-check";
import {
  ACCELERATION_CONTROL,
  type BasicVehicleContainerHighFrequency,
  type Cam,
  EXTERIOR_LIGHTS,
  type ExtensionAlternative,
  type HighFrequencyContainer,
  type LowFrequencyContainer,
  type ProtectedCommunicationZone,
} from "./cam.js";
import type { CauseCode, DeltaReferencePosition, PathHistory, PathPoint, ReferencePosition } from "./cdd.js";
import type { AlacarteContainer, Denm, EventPoint, LocationContainer, ManagementContainer } from "./denm.js";

export const sampleReferencePosition: ReferencePosition = {
  latitude: 487654321, // 48.7654321° N
  longitude: 116543210, // 11.6543210° E
  positionConfidenceEllipse: { semiMajorConfidence: 100, semiMinorConfidence: 50, semiMajorOrientation: 900 },
  altitude: { altitudeValue: 52000, altitudeConfidence: 3 },
};

/** A passenger car at 50 km/h heading 123.4°, with a low-frequency container. */
export const sampleCam: Cam = {
  header: { protocolVersion: 2, messageID: 2, stationID: 123456789 },
  cam: {
    generationDeltaTime: 12345,
    camParameters: {
      basicContainer: { stationType: 5, referencePosition: sampleReferencePosition },
      highFrequencyContainer: {
        type: "basicVehicleContainerHighFrequency",
        heading: { headingValue: 1234, headingConfidence: 10 },
        speed: { speedValue: 1389, speedConfidence: 100 },
        driveDirection: 0,
        vehicleLength: { vehicleLengthValue: 45, vehicleLengthConfidenceIndication: 0 },
        vehicleWidth: 18,
        longitudinalAcceleration: { longitudinalAccelerationValue: -5, longitudinalAccelerationConfidence: 10 },
        curvature: { curvatureValue: 12, curvatureConfidence: 3 },
        curvatureCalculationMode: 0,
        yawRate: { yawRateValue: -120, yawRateConfidence: 2 },
        accelerationControl: ["brakePedalEngaged"],
        lanePosition: 2,
      },
      lowFrequencyContainer: {
        type: "basicVehicleContainerLowFrequency",
        vehicleRole: 0,
        exteriorLights: ["lowBeamHeadlightsOn", "fogLightOn"],
        pathHistory: [{ pathPosition: { deltaLatitude: 10, deltaLongitude: -20, deltaAltitude: 0 }, pathDeltaTime: 5 }],
      },
    },
  },
};

/** Black ice (adverse weather - adhesion 6, blackIceOnRoad 6) reported by station 99. */
export const sampleDenm: Denm = {
  header: { protocolVersion: 2, messageID: 1, stationID: 99 },
  denm: {
    management: {
      actionID: { originatingStationID: 99, sequenceNumber: 7 },
      detectionTime: 600000000000,
      referenceTime: 600000000100,
      eventPosition: sampleReferencePosition,
      relevanceDistance: 2,
      validityDuration: 600,
      transmissionInterval: 1000,
      stationType: 5,
    },
    situation: { informationQuality: 3, eventType: { causeCode: 6, subCauseCode: 6 } },
    location: {
      eventSpeed: { speedValue: 100, speedConfidence: 5 },
      traces: [[{ pathPosition: { deltaLatitude: 10, deltaLongitude: -20, deltaAltitude: 0 } }]],
      roadType: 3,
    },
  },
};

// ---------------------------------------------------------------------------------------------------------------

const int = (min: number, max: number) => fc.integer({ min, max });
/** An extensible ENUMERATED or constraint: mostly root values, sometimes an extension one. */
const extensible = (rootMax: number, extensions: boolean, extensionMax = rootMax + 70) =>
  extensions ? fc.oneof({ weight: 4, arbitrary: int(0, rootMax) }, int(rootMax + 1, extensionMax)) : int(0, rootMax);

const referencePosition: fc.Arbitrary<ReferencePosition> = fc.record({
  latitude: int(-900000000, 900000001),
  longitude: int(-1800000000, 1800000001),
  positionConfidenceEllipse: fc.record({
    semiMajorConfidence: int(0, 4095),
    semiMinorConfidence: int(0, 4095),
    semiMajorOrientation: int(0, 3601),
  }),
  altitude: fc.record({ altitudeValue: int(-100000, 800001), altitudeConfidence: int(0, 15) }),
});

const deltaPosition: fc.Arbitrary<DeltaReferencePosition> = fc.record({
  deltaLatitude: int(-131071, 131072),
  deltaLongitude: int(-131071, 131072),
  deltaAltitude: int(-12700, 12800),
});

// Past the extensible root, values stay within 32 bits: Wireshark's PER integer decoder stops at 4 octets
// ("too long integer"), and our own 5+-octet path is pinned in uper.test.ts instead.
const pathDeltaTime = (extensions: boolean) =>
  extensions ? fc.oneof({ weight: 4, arbitrary: int(1, 65535) }, int(-(2 ** 31), 2 ** 31 - 1)) : int(1, 65535);

const pathHistory = (extensions: boolean, maxLength = 40): fc.Arbitrary<PathHistory> =>
  fc.array(
    fc.record(
      { pathPosition: deltaPosition, pathDeltaTime: pathDeltaTime(extensions) },
      { requiredKeys: ["pathPosition"] },
    ) satisfies fc.Arbitrary<PathPoint>,
    { maxLength },
  );

const extensionAlternative: fc.Arbitrary<ExtensionAlternative> = fc.record({
  type: fc.constant("extension" as const),
  index: int(0, 80),
  encoded: fc.uint8Array({ minLength: 1, maxLength: 40 }),
});

const basicVehicleHf = (extensions: boolean): fc.Arbitrary<BasicVehicleContainerHighFrequency> =>
  fc.record(
    {
      type: fc.constant("basicVehicleContainerHighFrequency" as const),
      heading: fc.record({ headingValue: int(0, 3601), headingConfidence: int(1, 127) }),
      speed: fc.record({ speedValue: int(0, 16383), speedConfidence: int(1, 127) }),
      driveDirection: int(0, 2),
      vehicleLength: fc.record({ vehicleLengthValue: int(1, 1023), vehicleLengthConfidenceIndication: int(0, 4) }),
      vehicleWidth: int(1, 62),
      longitudinalAcceleration: fc.record({
        longitudinalAccelerationValue: int(-160, 161),
        longitudinalAccelerationConfidence: int(0, 102),
      }),
      curvature: fc.record({ curvatureValue: int(-1023, 1023), curvatureConfidence: int(0, 7) }),
      curvatureCalculationMode: extensible(2, extensions),
      yawRate: fc.record({ yawRateValue: int(-32766, 32767), yawRateConfidence: int(0, 8) }),
      accelerationControl: fc.subarray([...ACCELERATION_CONTROL]),
      lanePosition: int(-1, 14),
      steeringWheelAngle: fc.record({
        steeringWheelAngleValue: int(-511, 512),
        steeringWheelAngleConfidence: int(1, 127),
      }),
      lateralAcceleration: fc.record({
        lateralAccelerationValue: int(-160, 161),
        lateralAccelerationConfidence: int(0, 102),
      }),
      verticalAcceleration: fc.record({
        verticalAccelerationValue: int(-160, 161),
        verticalAccelerationConfidence: int(0, 102),
      }),
      performanceClass: int(0, 7),
      cenDsrcTollingZone: fc.record(
        {
          protectedZoneLatitude: int(-900000000, 900000001),
          protectedZoneLongitude: int(-1800000000, 1800000001),
          cenDsrcTollingZoneID: int(0, 134217727),
        },
        { requiredKeys: ["protectedZoneLatitude", "protectedZoneLongitude"] },
      ),
    },
    {
      requiredKeys: [
        "type",
        "heading",
        "speed",
        "driveDirection",
        "vehicleLength",
        "vehicleWidth",
        "longitudinalAcceleration",
        "curvature",
        "curvatureCalculationMode",
        "yawRate",
      ],
    },
  );

const protectedZone = (extensions: boolean): fc.Arbitrary<ProtectedCommunicationZone> =>
  fc.record(
    {
      protectedZoneType: extensible(0, extensions, 1),
      expiryTime: int(0, 4398046511103),
      protectedZoneLatitude: int(-900000000, 900000001),
      protectedZoneLongitude: int(-1800000000, 1800000001),
      protectedZoneRadius: extensions ? int(1, 100000) : int(1, 255),
      protectedZoneID: int(0, 134217727),
    },
    { requiredKeys: ["protectedZoneType", "protectedZoneLatitude", "protectedZoneLongitude"] },
  );

const highFrequency = (extensions: boolean): fc.Arbitrary<HighFrequencyContainer> => {
  const rsu = fc.record(
    {
      type: fc.constant("rsuContainerHighFrequency" as const),
      protectedCommunicationZonesRSU: fc.array(protectedZone(extensions), { minLength: 1, maxLength: 16 }),
    },
    { requiredKeys: ["type"] },
  );
  const choices: fc.Arbitrary<HighFrequencyContainer>[] = [basicVehicleHf(extensions), basicVehicleHf(extensions), rsu];
  if (extensions) choices.push(extensionAlternative);
  return fc.oneof(...choices);
};

const lowFrequency = (extensions: boolean): fc.Arbitrary<LowFrequencyContainer> => {
  const basic = fc.record({
    type: fc.constant("basicVehicleContainerLowFrequency" as const),
    vehicleRole: int(0, 15),
    exteriorLights: fc.subarray([...EXTERIOR_LIGHTS]),
    pathHistory: pathHistory(extensions),
  });
  return extensions ? fc.oneof({ weight: 3, arbitrary: basic }, extensionAlternative) : basic;
};

/** Any CAM this codec supports. */
export const camArbitrary = ({ extensions = true } = {}): fc.Arbitrary<Cam> =>
  fc.record({
    header: fc.record({ protocolVersion: fc.constant(2), messageID: fc.constant(2), stationID: int(0, 4294967295) }),
    cam: fc.record({
      generationDeltaTime: int(0, 65535),
      camParameters: fc.record(
        {
          basicContainer: fc.record({ stationType: int(0, 255), referencePosition }),
          highFrequencyContainer: highFrequency(extensions),
          lowFrequencyContainer: lowFrequency(extensions),
        },
        { requiredKeys: ["basicContainer", "highFrequencyContainer"] },
      ),
    }),
  });

const causeCode: fc.Arbitrary<CauseCode> = fc.record({ causeCode: int(0, 255), subCauseCode: int(0, 255) });

const management: fc.Arbitrary<ManagementContainer> = fc.record(
  {
    actionID: fc.record({ originatingStationID: int(0, 4294967295), sequenceNumber: int(0, 65535) }),
    detectionTime: int(0, 4398046511103),
    referenceTime: int(0, 4398046511103),
    termination: int(0, 1),
    eventPosition: referencePosition,
    relevanceDistance: int(0, 7),
    relevanceTrafficDirection: int(0, 3),
    validityDuration: fc.oneof(fc.constant(600), int(0, 86400)),
    transmissionInterval: int(1, 10000),
    stationType: int(0, 255),
  },
  { requiredKeys: ["actionID", "detectionTime", "referenceTime", "eventPosition", "validityDuration", "stationType"] },
);

const eventPoint = (extensions: boolean): fc.Arbitrary<EventPoint> =>
  fc.record(
    { eventPosition: deltaPosition, eventDeltaTime: pathDeltaTime(extensions), informationQuality: int(0, 7) },
    { requiredKeys: ["eventPosition", "informationQuality"] },
  );

const location = (extensions: boolean): fc.Arbitrary<LocationContainer> =>
  fc.record(
    {
      eventSpeed: fc.record({ speedValue: int(0, 16383), speedConfidence: int(1, 127) }),
      eventPositionHeading: fc.record({ headingValue: int(0, 3601), headingConfidence: int(1, 127) }),
      traces: fc.array(pathHistory(extensions, 8), { minLength: 1, maxLength: 7 }),
      roadType: int(0, 3),
    },
    { requiredKeys: ["traces"] },
  );

const alacarte = (extensions: boolean): fc.Arbitrary<AlacarteContainer> =>
  fc.record(
    { lanePosition: int(-1, 14), externalTemperature: int(-60, 67), positioningSolution: extensible(5, extensions) },
    { requiredKeys: [] },
  );

/** Any DENM this codec supports. */
export const denmArbitrary = ({ extensions = true } = {}): fc.Arbitrary<Denm> =>
  fc.record({
    header: fc.record({ protocolVersion: fc.constant(2), messageID: fc.constant(1), stationID: int(0, 4294967295) }),
    denm: fc.record(
      {
        management,
        situation: fc.record(
          {
            informationQuality: int(0, 7),
            eventType: causeCode,
            linkedCause: causeCode,
            eventHistory: fc.array(eventPoint(extensions), { minLength: 1, maxLength: 23 }),
          },
          { requiredKeys: ["informationQuality", "eventType"] },
        ),
        location: location(extensions),
        alacarte: alacarte(extensions),
      },
      { requiredKeys: ["management"] },
    ),
  });

/** Hex of bytes, for test messages and tshark input. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}
