// Cooperative Awareness Message (CAM), ETSI EN 302 637-2 v1.4.1: ASN.1 module CAM-PDU-Descriptions version (2),
// Annex A, with its data frames from the CDD (TS 102 894-2 v1.3.1, see cdd.ts), encoded in UPER as the standard requires.
// A CAM is the periodic "I am here, this fast, this way" beacon of a vehicle or RSU, sent 1 to 10 times a second.
//
// Supported: the ItsPduHeader, the basic container, both high-frequency containers
// (basicVehicleContainerHighFrequency with all its optional fields, and rsuContainerHighFrequency), the
// low-frequency container. Not supported: the special vehicle container (public transport, emergency, ...);
// a CAM carrying one decodes to `ItsUnsupportedError`, a subclass of UperDecodeError, since its
// length is not known without decoding it and a CAM without it would be a different message. Unknown extension
// additions of extensible SEQUENCEs are skipped (X.691 19.9); unknown CHOICE alternatives are kept as their open
// type bytes so that the message re-encodes to the same bits.
import {
  type Heading,
  type ItsPduHeader,
  ItsUnsupportedError,
  MessageId,
  type PathHistory,
  type ReferencePosition,
  readHeading,
  readItsPduHeader,
  readNamedBits,
  readPathHistory,
  readReferencePosition,
  readSpeed,
  readTimestampIts,
  type Speed,
  writeHeading,
  writeItsPduHeader,
  writeNamedBits,
  writePathHistory,
  writeReferencePosition,
  writeSpeed,
  writeTimestampIts,
} from "./cdd.js";
import { UperDecodeError, UperEncodeError, type UperReader, type UperWriter, uperDecode, uperEncode } from "./uper.js";

/** A CHOICE alternative added by a later version of the standard: its index among the extensions and its bytes. */
export type ExtensionAlternative = { type: "extension"; index: number; encoded: Uint8Array };

/** AccelerationControl ::= BIT STRING (SIZE(7)), bit names in bit order. */
export const ACCELERATION_CONTROL = [
  "brakePedalEngaged",
  "gasPedalEngaged",
  "emergencyBrakeEngaged",
  "collisionWarningEngaged",
  "accEngaged",
  "cruiseControlEngaged",
  "speedLimiterEngaged",
] as const;
export type AccelerationControlBit = (typeof ACCELERATION_CONTROL)[number];

/** ExteriorLights ::= BIT STRING (SIZE(8)), bit names in bit order. */
export const EXTERIOR_LIGHTS = [
  "lowBeamHeadlightsOn",
  "highBeamHeadlightsOn",
  "leftTurnSignalOn",
  "rightTurnSignalOn",
  "daytimeRunningLightsOn",
  "reverseLightOn",
  "fogLightOn",
  "parkingLightsOn",
] as const;
export type ExteriorLightsBit = (typeof EXTERIOR_LIGHTS)[number];

/** DriveDirection ENUMERATED. */
export const DriveDirection = { forward: 0, backward: 1, unavailable: 2 } as const;
/** CurvatureCalculationMode ENUMERATED {..., ...}: 3 root values, extensible. */
export const CurvatureCalculationMode = { yawRateUsed: 0, yawRateNotUsed: 1, unavailable: 2 } as const;
/** VehicleRole ENUMERATED (16 values, 13..15 reserved). */
export const VehicleRole = {
  default: 0,
  publicTransport: 1,
  specialTransport: 2,
  dangerousGoods: 3,
  roadWork: 4,
  rescue: 5,
  emergency: 6,
  safetyCar: 7,
  agriculture: 8,
  commercial: 9,
  military: 10,
  roadOperator: 11,
  taxi: 12,
} as const;

export type BasicVehicleContainerHighFrequency = {
  type: "basicVehicleContainerHighFrequency";
  heading: Heading;
  speed: Speed;
  /** DriveDirection: 0 forward, 1 backward, 2 unavailable. */
  driveDirection: number;
  vehicleLength: {
    /** 1..1023, 0.1 m. */
    vehicleLengthValue: number;
    /** VehicleLengthConfidenceIndication 0..4 (noTrailerPresent .. unavailable). */
    vehicleLengthConfidenceIndication: number;
  };
  /** VehicleWidth 1..62, 0.1 m. */
  vehicleWidth: number;
  longitudinalAcceleration: {
    /** -160..161, 0.1 m/s², positive forward. */
    longitudinalAccelerationValue: number;
    /** AccelerationConfidence 0..102, 0.1 m/s². */
    longitudinalAccelerationConfidence: number;
  };
  curvature: {
    /** -1023..1023, 1/10000 per metre, positive to the left. */
    curvatureValue: number;
    /** CurvatureConfidence 0..7. */
    curvatureConfidence: number;
  };
  /** CurvatureCalculationMode index (extensible: values >= 3 are extensions). */
  curvatureCalculationMode: number;
  yawRate: {
    /** -32766..32767, 0.01 degree/s, positive counter-clockwise. */
    yawRateValue: number;
    /** YawRateConfidence 0..8. */
    yawRateConfidence: number;
  };
  accelerationControl?: AccelerationControlBit[];
  /** LanePosition -1..14 (-1 off the road, 0 hard shoulder, 1 outermost lane). */
  lanePosition?: number;
  steeringWheelAngle?: {
    /** -511..512, 1.5 degree, positive to the left. */
    steeringWheelAngleValue: number;
    /** 1..127, 1.5 degree. */
    steeringWheelAngleConfidence: number;
  };
  lateralAcceleration?: {
    /** -160..161, 0.1 m/s², positive to the left. */
    lateralAccelerationValue: number;
    lateralAccelerationConfidence: number;
  };
  verticalAcceleration?: {
    /** -160..161, 0.1 m/s², positive up. */
    verticalAccelerationValue: number;
    verticalAccelerationConfidence: number;
  };
  /** PerformanceClass 0..7. */
  performanceClass?: number;
  cenDsrcTollingZone?: {
    protectedZoneLatitude: number;
    protectedZoneLongitude: number;
    /** 0..134217727. */
    cenDsrcTollingZoneID?: number;
  };
};

export type ProtectedCommunicationZone = {
  /** ProtectedZoneType: 0 permanentCenDsrcTolling (root), 1 temporaryCenDsrcTolling (extension). */
  protectedZoneType: number;
  /** TimestampIts, ms since 2004-01-01. */
  expiryTime?: number;
  protectedZoneLatitude: number;
  protectedZoneLongitude: number;
  /** ProtectedZoneRadius (1..255, ...), metres. */
  protectedZoneRadius?: number;
  /** 0..134217727. */
  protectedZoneID?: number;
};

export type RsuContainerHighFrequency = {
  type: "rsuContainerHighFrequency";
  /** 1..16 zones. */
  protectedCommunicationZonesRSU?: ProtectedCommunicationZone[];
};

export type HighFrequencyContainer =
  | BasicVehicleContainerHighFrequency
  | RsuContainerHighFrequency
  | ExtensionAlternative;

export type BasicVehicleContainerLowFrequency = {
  type: "basicVehicleContainerLowFrequency";
  /** VehicleRole 0..15. */
  vehicleRole: number;
  exteriorLights: ExteriorLightsBit[];
  pathHistory: PathHistory;
};

export type LowFrequencyContainer = BasicVehicleContainerLowFrequency | ExtensionAlternative;

export type BasicContainer = {
  /** StationType 0..255 (see StationType in cdd.ts). */
  stationType: number;
  referencePosition: ReferencePosition;
};

export type CamParameters = {
  basicContainer: BasicContainer;
  highFrequencyContainer: HighFrequencyContainer;
  lowFrequencyContainer?: LowFrequencyContainer;
};

export type CoopAwareness = {
  /** GenerationDeltaTime 0..65535: TimestampIts of the reference position, modulo 65536, in ms. */
  generationDeltaTime: number;
  camParameters: CamParameters;
};

/** CAM ::= SEQUENCE { header ItsPduHeader, cam CoopAwareness }. */
export type Cam = { header: ItsPduHeader; cam: CoopAwareness };

// ---------------------------------------------------------------------------------------------------------------

function writeBasicVehicleHf(w: UperWriter, c: BasicVehicleContainerHighFrequency): void {
  const f = "basicVehicleContainerHighFrequency";
  // No extension marker in this SEQUENCE; seven OPTIONAL components.
  w.bit(c.accelerationControl !== undefined);
  w.bit(c.lanePosition !== undefined);
  w.bit(c.steeringWheelAngle !== undefined);
  w.bit(c.lateralAcceleration !== undefined);
  w.bit(c.verticalAcceleration !== undefined);
  w.bit(c.performanceClass !== undefined);
  w.bit(c.cenDsrcTollingZone !== undefined);
  writeHeading(w, c.heading, `${f}.heading`);
  writeSpeed(w, c.speed, `${f}.speed`);
  w.enumerated(c.driveDirection, 3, false, `${f}.driveDirection`);
  w.constrainedInt(c.vehicleLength.vehicleLengthValue, 1, 1023, `${f}.vehicleLengthValue`);
  w.enumerated(c.vehicleLength.vehicleLengthConfidenceIndication, 5, false, `${f}.vehicleLengthConfidenceIndication`);
  w.constrainedInt(c.vehicleWidth, 1, 62, `${f}.vehicleWidth`);
  const lon = c.longitudinalAcceleration;
  w.constrainedInt(lon.longitudinalAccelerationValue, -160, 161, `${f}.longitudinalAccelerationValue`);
  w.constrainedInt(lon.longitudinalAccelerationConfidence, 0, 102, `${f}.longitudinalAccelerationConfidence`);
  w.constrainedInt(c.curvature.curvatureValue, -1023, 1023, `${f}.curvatureValue`);
  w.enumerated(c.curvature.curvatureConfidence, 8, false, `${f}.curvatureConfidence`);
  w.enumerated(c.curvatureCalculationMode, 3, true, `${f}.curvatureCalculationMode`);
  w.constrainedInt(c.yawRate.yawRateValue, -32766, 32767, `${f}.yawRateValue`);
  w.enumerated(c.yawRate.yawRateConfidence, 9, false, `${f}.yawRateConfidence`);
  if (c.accelerationControl !== undefined) {
    writeNamedBits(w, ACCELERATION_CONTROL, c.accelerationControl, `${f}.accelerationControl`);
  }
  if (c.lanePosition !== undefined) w.constrainedInt(c.lanePosition, -1, 14, `${f}.lanePosition`);
  if (c.steeringWheelAngle !== undefined) {
    const s = c.steeringWheelAngle;
    w.constrainedInt(s.steeringWheelAngleValue, -511, 512, `${f}.steeringWheelAngleValue`);
    w.constrainedInt(s.steeringWheelAngleConfidence, 1, 127, `${f}.steeringWheelAngleConfidence`);
  }
  if (c.lateralAcceleration !== undefined) {
    const a = c.lateralAcceleration;
    w.constrainedInt(a.lateralAccelerationValue, -160, 161, `${f}.lateralAccelerationValue`);
    w.constrainedInt(a.lateralAccelerationConfidence, 0, 102, `${f}.lateralAccelerationConfidence`);
  }
  if (c.verticalAcceleration !== undefined) {
    const a = c.verticalAcceleration;
    w.constrainedInt(a.verticalAccelerationValue, -160, 161, `${f}.verticalAccelerationValue`);
    w.constrainedInt(a.verticalAccelerationConfidence, 0, 102, `${f}.verticalAccelerationConfidence`);
  }
  if (c.performanceClass !== undefined) w.constrainedInt(c.performanceClass, 0, 7, `${f}.performanceClass`);
  if (c.cenDsrcTollingZone !== undefined) {
    const z = c.cenDsrcTollingZone;
    w.bit(false); // extension bit
    w.bit(z.cenDsrcTollingZoneID !== undefined);
    w.constrainedInt(z.protectedZoneLatitude, -900000000, 900000001, `${f}.cenDsrcTollingZone.protectedZoneLatitude`);
    w.constrainedInt(
      z.protectedZoneLongitude,
      -1800000000,
      1800000001,
      `${f}.cenDsrcTollingZone.protectedZoneLongitude`,
    );
    if (z.cenDsrcTollingZoneID !== undefined) {
      w.constrainedInt(z.cenDsrcTollingZoneID, 0, 134217727, `${f}.cenDsrcTollingZone.cenDsrcTollingZoneID`);
    }
  }
}

function readBasicVehicleHf(r: UperReader): BasicVehicleContainerHighFrequency {
  const p = r.presence(7, "basicVehicleContainerHighFrequency");
  const c: BasicVehicleContainerHighFrequency = {
    type: "basicVehicleContainerHighFrequency",
    heading: readHeading(r),
    speed: readSpeed(r),
    driveDirection: r.enumerated(3, false, "driveDirection"),
    vehicleLength: {
      vehicleLengthValue: r.constrainedInt(1, 1023, "vehicleLengthValue"),
      vehicleLengthConfidenceIndication: r.enumerated(5, false, "vehicleLengthConfidenceIndication"),
    },
    vehicleWidth: r.constrainedInt(1, 62, "vehicleWidth"),
    longitudinalAcceleration: {
      longitudinalAccelerationValue: r.constrainedInt(-160, 161, "longitudinalAccelerationValue"),
      longitudinalAccelerationConfidence: r.constrainedInt(0, 102, "longitudinalAccelerationConfidence"),
    },
    curvature: {
      curvatureValue: r.constrainedInt(-1023, 1023, "curvatureValue"),
      curvatureConfidence: r.enumerated(8, false, "curvatureConfidence"),
    },
    curvatureCalculationMode: r.enumerated(3, true, "curvatureCalculationMode"),
    yawRate: {
      yawRateValue: r.constrainedInt(-32766, 32767, "yawRateValue"),
      yawRateConfidence: r.enumerated(9, false, "yawRateConfidence"),
    },
  };
  if (p[0]) c.accelerationControl = readNamedBits(r, ACCELERATION_CONTROL, "accelerationControl");
  if (p[1]) c.lanePosition = r.constrainedInt(-1, 14, "lanePosition");
  if (p[2]) {
    c.steeringWheelAngle = {
      steeringWheelAngleValue: r.constrainedInt(-511, 512, "steeringWheelAngleValue"),
      steeringWheelAngleConfidence: r.constrainedInt(1, 127, "steeringWheelAngleConfidence"),
    };
  }
  if (p[3]) {
    c.lateralAcceleration = {
      lateralAccelerationValue: r.constrainedInt(-160, 161, "lateralAccelerationValue"),
      lateralAccelerationConfidence: r.constrainedInt(0, 102, "lateralAccelerationConfidence"),
    };
  }
  if (p[4]) {
    c.verticalAcceleration = {
      verticalAccelerationValue: r.constrainedInt(-160, 161, "verticalAccelerationValue"),
      verticalAccelerationConfidence: r.constrainedInt(0, 102, "verticalAccelerationConfidence"),
    };
  }
  if (p[5]) c.performanceClass = r.constrainedInt(0, 7, "performanceClass");
  if (p[6]) {
    const extended = r.bit("cenDsrcTollingZone extension bit");
    const hasId = r.bit("cenDsrcTollingZone presence bitmap");
    const zone: NonNullable<BasicVehicleContainerHighFrequency["cenDsrcTollingZone"]> = {
      protectedZoneLatitude: r.constrainedInt(-900000000, 900000001, "protectedZoneLatitude"),
      protectedZoneLongitude: r.constrainedInt(-1800000000, 1800000001, "protectedZoneLongitude"),
    };
    if (hasId) zone.cenDsrcTollingZoneID = r.constrainedInt(0, 134217727, "cenDsrcTollingZoneID");
    if (extended) r.extensionAdditions("cenDsrcTollingZone");
    c.cenDsrcTollingZone = zone;
  }
  return c;
}

function writeProtectedZone(w: UperWriter, z: ProtectedCommunicationZone, f: string): void {
  w.bit(false); // extension bit
  w.bit(z.expiryTime !== undefined);
  w.bit(z.protectedZoneRadius !== undefined);
  w.bit(z.protectedZoneID !== undefined);
  w.enumerated(z.protectedZoneType, 1, true, `${f}.protectedZoneType`);
  if (z.expiryTime !== undefined) writeTimestampIts(w, z.expiryTime, `${f}.expiryTime`);
  w.constrainedInt(z.protectedZoneLatitude, -900000000, 900000001, `${f}.protectedZoneLatitude`);
  w.constrainedInt(z.protectedZoneLongitude, -1800000000, 1800000001, `${f}.protectedZoneLongitude`);
  if (z.protectedZoneRadius !== undefined) {
    w.extensibleConstrainedInt(z.protectedZoneRadius, 1, 255, `${f}.protectedZoneRadius`);
  }
  if (z.protectedZoneID !== undefined) w.constrainedInt(z.protectedZoneID, 0, 134217727, `${f}.protectedZoneID`);
}

function readProtectedZone(r: UperReader): ProtectedCommunicationZone {
  const extended = r.bit("protectedCommunicationZone extension bit");
  const p = r.presence(3, "protectedCommunicationZone");
  const protectedZoneType = r.enumerated(1, true, "protectedZoneType");
  const expiryTime = p[0] ? readTimestampIts(r, "expiryTime") : undefined;
  const z: ProtectedCommunicationZone = {
    protectedZoneType,
    protectedZoneLatitude: r.constrainedInt(-900000000, 900000001, "protectedZoneLatitude"),
    protectedZoneLongitude: r.constrainedInt(-1800000000, 1800000001, "protectedZoneLongitude"),
  };
  if (expiryTime !== undefined) z.expiryTime = expiryTime;
  if (p[1]) z.protectedZoneRadius = r.extensibleConstrainedInt(1, 255, "protectedZoneRadius");
  if (p[2]) z.protectedZoneID = r.constrainedInt(0, 134217727, "protectedZoneID");
  if (extended) r.extensionAdditions("protectedCommunicationZone");
  return z;
}

function writeRsuHf(w: UperWriter, c: RsuContainerHighFrequency): void {
  const f = "rsuContainerHighFrequency";
  w.bit(false); // extension bit
  const zones = c.protectedCommunicationZonesRSU;
  w.bit(zones !== undefined);
  if (zones !== undefined) {
    w.length(zones.length, 1, 16, `${f}.protectedCommunicationZonesRSU`);
    for (const [i, z] of zones.entries()) writeProtectedZone(w, z, `${f}.protectedCommunicationZonesRSU[${i}]`);
  }
}

function readRsuHf(r: UperReader): RsuContainerHighFrequency {
  const extended = r.bit("rsuContainerHighFrequency extension bit");
  const c: RsuContainerHighFrequency = { type: "rsuContainerHighFrequency" };
  if (r.bit("rsuContainerHighFrequency presence bitmap")) {
    const n = r.length(1, 16, "protectedCommunicationZonesRSU");
    const zones: ProtectedCommunicationZone[] = [];
    for (let i = 0; i < n; i++) zones.push(readProtectedZone(r));
    c.protectedCommunicationZonesRSU = zones;
  }
  if (extended) r.extensionAdditions("rsuContainerHighFrequency");
  return c;
}

/** Writes an extension alternative of an extensible CHOICE with `rootCount` root alternatives (X.691 23.8). */
export function writeExtensionAlternative(
  w: UperWriter,
  alt: ExtensionAlternative,
  rootCount: number,
  f: string,
): void {
  w.choiceIndex(rootCount + alt.index, rootCount, true, f);
  w.openType(alt.encoded, f);
}

function writeHighFrequency(w: UperWriter, c: HighFrequencyContainer): void {
  switch (c.type) {
    case "basicVehicleContainerHighFrequency":
      w.choiceIndex(0, 2, true, "highFrequencyContainer");
      writeBasicVehicleHf(w, c);
      return;
    case "rsuContainerHighFrequency":
      w.choiceIndex(1, 2, true, "highFrequencyContainer");
      writeRsuHf(w, c);
      return;
    case "extension":
      writeExtensionAlternative(w, c, 2, "highFrequencyContainer");
      return;
  }
}

function readHighFrequency(r: UperReader): HighFrequencyContainer {
  const index = r.choiceIndex(2, true, "highFrequencyContainer");
  if (index === 0) return readBasicVehicleHf(r);
  if (index === 1) return readRsuHf(r);
  return { type: "extension", index: index - 2, encoded: r.openType("highFrequencyContainer extension") };
}

function writeLowFrequency(w: UperWriter, c: LowFrequencyContainer): void {
  if (c.type === "extension") {
    writeExtensionAlternative(w, c, 1, "lowFrequencyContainer");
    return;
  }
  const f = "basicVehicleContainerLowFrequency";
  w.choiceIndex(0, 1, true, "lowFrequencyContainer");
  w.enumerated(c.vehicleRole, 16, false, `${f}.vehicleRole`);
  writeNamedBits(w, EXTERIOR_LIGHTS, c.exteriorLights, `${f}.exteriorLights`);
  writePathHistory(w, c.pathHistory, `${f}.pathHistory`);
}

function readLowFrequency(r: UperReader): LowFrequencyContainer {
  const index = r.choiceIndex(1, true, "lowFrequencyContainer");
  if (index > 0) return { type: "extension", index: index - 1, encoded: r.openType("lowFrequencyContainer extension") };
  return {
    type: "basicVehicleContainerLowFrequency",
    vehicleRole: r.enumerated(16, false, "vehicleRole"),
    exteriorLights: readNamedBits(r, EXTERIOR_LIGHTS, "exteriorLights"),
    pathHistory: readPathHistory(r),
  };
}

/** Writes a CAM (header and body) into `w`. */
export function writeCam(w: UperWriter, cam: Cam): void {
  if (cam.header.messageID !== MessageId.cam) {
    throw new UperEncodeError("header.messageID", `${cam.header.messageID} is not cam(2)`);
  }
  writeItsPduHeader(w, cam.header);
  w.constrainedInt(cam.cam.generationDeltaTime, 0, 65535, "generationDeltaTime");
  const p = cam.cam.camParameters;
  w.bit(false); // CamParameters extension bit
  w.bit(p.lowFrequencyContainer !== undefined);
  w.bit(false); // specialVehicleContainer: not supported
  w.bit(false); // BasicContainer extension bit
  w.constrainedInt(p.basicContainer.stationType, 0, 255, "basicContainer.stationType");
  writeReferencePosition(w, p.basicContainer.referencePosition, "basicContainer.referencePosition");
  writeHighFrequency(w, p.highFrequencyContainer);
  if (p.lowFrequencyContainer !== undefined) writeLowFrequency(w, p.lowFrequencyContainer);
}

/** Reads a CAM (header and body) from `r`. */
export function readCam(r: UperReader): Cam {
  const header = readItsPduHeader(r);
  if (header.messageID !== MessageId.cam) {
    throw new UperDecodeError(`messageID is ${header.messageID}, not cam(2)`, 8, {
      details: "the bytes start with an ITS PDU header, but not a CAM's",
    });
  }
  const generationDeltaTime = r.constrainedInt(0, 65535, "generationDeltaTime");
  const extended = r.bit("camParameters extension bit");
  const [hasLow, hasSpecial] = r.presence(2, "camParameters");
  const basicExtended = r.bit("basicContainer extension bit");
  const basicContainer: BasicContainer = {
    stationType: r.constrainedInt(0, 255, "stationType"),
    referencePosition: readReferencePosition(r),
  };
  if (basicExtended) r.extensionAdditions("basicContainer");
  const camParameters: CamParameters = { basicContainer, highFrequencyContainer: readHighFrequency(r) };
  if (hasLow) camParameters.lowFrequencyContainer = readLowFrequency(r);
  if (hasSpecial) {
    throw new ItsUnsupportedError("the CAM has a specialVehicleContainer, which this codec does not decode", r.offset);
  }
  if (extended) r.extensionAdditions("camParameters");
  return { header, cam: { generationDeltaTime, camParameters } };
}

/**
 * Encodes a CAM to UPER bytes.
 *
 * @example
 * const bytes = encodeCam(cam); // 0x02 0x02 <stationID> ...: protocolVersion 2, messageID cam(2)
 */
export function encodeCam(cam: Cam): Uint8Array {
  return uperEncode((w) => writeCam(w, cam));
}

/**
 * Decodes UPER bytes as a CAM. Throws UperDecodeError (or its subclass ItsUnsupportedError) for anything else,
 * including a well-formed ITS message whose messageID is not cam(2).
 */
export function decodeCam(bytes: Uint8Array): Cam {
  return uperDecode(bytes, readCam, "CAM");
}
