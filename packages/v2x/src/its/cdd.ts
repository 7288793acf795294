// The part of the ETSI ITS Common Data Dictionary that CAM and DENM share: ETSI TS 102 894-2 v1.3.1, ASN.1 module
// ITS-Container {... ts (102894) cdd (2) version (2)}, the version EN 302 637-2 v1.4.1 (CAM) and EN 302 637-3
// v1.3.1 (DENM) import and Wireshark's `its` dissector decodes for protocolVersion 2. Units are the CDD's (Annex A
// of TS 102 894-2); each type says its unit, and every "unavailable" value is a named constant
// because the CDD uses in-range sentinels, not absence, for "the sender does not know".
//
// The TypeScript shapes mirror the ASN.1 names one to one (stationID, not stationId), so a field can be looked up
// in the standard, in Wireshark (`its.stationID`) and here with the same name.
import { UperDecodeError, UperEncodeError, type UperReader, type UperWriter, uperDecode } from "./uper.js";

/** A part of an ITS message this codec recognises but does not decode (e.g. the CAM special vehicle container). */
export class ItsUnsupportedError extends UperDecodeError {
  override name = "ItsUnsupportedError";
}

// ---------------------------------------------------------------------------------------------------------------
// Units and sentinels (TS 102 894-2 Annex A)

/** The "unavailable" (or "no information") value of each CDD data element. */
export const Unavailable = {
  /** Latitude: 0.1 microdegree, -900000000..900000000. */
  latitude: 900000001,
  /** Longitude: 0.1 microdegree, -1800000000..1800000000. */
  longitude: 1800000001,
  /** AltitudeValue: 0.01 m above the WGS84 ellipsoid. */
  altitude: 800001,
  /** SemiAxisLength: 0.01 m (4094 means out of range). */
  semiAxisLength: 4095,
  /** HeadingValue: 0.1 degree clockwise from WGS84 north, 0..3599. */
  heading: 3601,
  /** HeadingConfidence: 0.1 degree (126 out of range). */
  headingConfidence: 127,
  /** SpeedValue: 0.01 m/s. */
  speed: 16383,
  /** SpeedConfidence: 0.01 m/s (126 out of range). */
  speedConfidence: 127,
  /** VehicleLengthValue: 0.1 m (1022 out of range). */
  vehicleLength: 1023,
  /** VehicleWidth: 0.1 m (61 out of range). */
  vehicleWidth: 62,
  /** Longitudinal/lateral/vertical acceleration value: 0.1 m/s². */
  acceleration: 161,
  /** AccelerationConfidence: 0.1 m/s² (101 out of range). */
  accelerationConfidence: 102,
  /** CurvatureValue: 1/10000 per metre (inverse of the turning radius), positive to the left. */
  curvature: 1023,
  /** YawRateValue: 0.01 degree/s, positive counter-clockwise (to the left). */
  yawRate: 32767,
  /** SteeringWheelAngleValue: 1.5 degree, positive to the left. */
  steeringWheelAngle: 512,
  /** SteeringWheelAngleConfidence: 1.5 degree (126 out of range). */
  steeringWheelAngleConfidence: 127,
  /** DeltaLatitude and DeltaLongitude: 0.1 microdegree. */
  deltaLatLon: 131072,
  /** DeltaAltitude: 0.01 m. */
  deltaAltitude: 12800,
} as const;

/** Milliseconds between the Unix epoch and the ITS epoch 2004-01-01T00:00:00.000Z (TimestampIts). */
export const ITS_EPOCH_UNIX_MS = 1072915200000;

/**
 * TimestampIts (milliseconds since 2004-01-01T00:00:00.000Z) from Unix milliseconds. v1.3.1 of the CDD
 * counts UTC milliseconds; leap seconds are not added (later CDD editions count TAI; the difference is 5 s).
 */
export function timestampItsFromUnixMs(unixMs: number): number {
  return unixMs - ITS_EPOCH_UNIX_MS;
}

/** GenerationDeltaTime (EN 302 637-2 B.3): TimestampIts modulo 65536, in milliseconds. */
export function generationDeltaTimeOf(timestampIts: number): number {
  return timestampIts % 65536;
}

/** Latitude or Longitude (0.1 microdegree) from degrees. */
export function tenthMicrodegrees(degrees: number): number {
  return Math.round(degrees * 1e7);
}

/** StationType: the values the CDD names. */
export const StationType = {
  unknown: 0,
  pedestrian: 1,
  cyclist: 2,
  moped: 3,
  motorcycle: 4,
  passengerCar: 5,
  bus: 6,
  lightTruck: 7,
  heavyTruck: 8,
  trailer: 9,
  specialVehicles: 10,
  tram: 11,
  roadSideUnit: 15,
} as const;

/** messageID of the ItsPduHeader. */
export const MessageId = { denm: 1, cam: 2 } as const;

/** protocolVersion of CAM v1.4.1 and DENM v1.3.1 (ITS-Container version 2). */
export const ITS_PROTOCOL_VERSION = 2;

// ---------------------------------------------------------------------------------------------------------------
// Types

export type ItsPduHeader = {
  /** 0..255; 2 for CAM v1.4.1 and DENM v1.3.1. */
  protocolVersion: number;
  /** 0..255; denm 1, cam 2. */
  messageID: number;
  /** StationID, 0..4294967295. */
  stationID: number;
};

export type PosConfidenceEllipse = {
  /** SemiAxisLength 0..4095, 0.01 m. */
  semiMajorConfidence: number;
  /** SemiAxisLength 0..4095, 0.01 m. */
  semiMinorConfidence: number;
  /** HeadingValue 0..3601, 0.1 degree. */
  semiMajorOrientation: number;
};

export type Altitude = {
  /** -100000..800001, 0.01 m. */
  altitudeValue: number;
  /** AltitudeConfidence ENUMERATED index 0..15 (alt-000-01 .. alt-200-00, outOfRange 14, unavailable 15). */
  altitudeConfidence: number;
};

export type ReferencePosition = {
  /** -900000000..900000001, 0.1 microdegree. */
  latitude: number;
  /** -1800000000..1800000001, 0.1 microdegree. */
  longitude: number;
  positionConfidenceEllipse: PosConfidenceEllipse;
  altitude: Altitude;
};

export type DeltaReferencePosition = {
  /** -131071..131072, 0.1 microdegree. */
  deltaLatitude: number;
  /** -131071..131072, 0.1 microdegree. */
  deltaLongitude: number;
  /** -12700..12800, 0.01 m. */
  deltaAltitude: number;
};

export type PathPoint = {
  pathPosition: DeltaReferencePosition;
  /** PathDeltaTime (1..65535, ...), 0.01 s into the past. */
  pathDeltaTime?: number;
};

/** SEQUENCE (SIZE(0..40)) OF PathPoint. */
export type PathHistory = PathPoint[];

export type Heading = {
  /** 0..3601, 0.1 degree from WGS84 north, clockwise. */
  headingValue: number;
  /** 1..127, 0.1 degree. */
  headingConfidence: number;
};

export type Speed = {
  /** 0..16383, 0.01 m/s. */
  speedValue: number;
  /** 1..127, 0.01 m/s. */
  speedConfidence: number;
};

export type CauseCode = {
  /** CauseCodeType 0..255 (see `CauseCodeType` in denm.ts). */
  causeCode: number;
  /** SubCauseCodeType 0..255; 0 = unavailable. */
  subCauseCode: number;
};

export type ActionID = {
  originatingStationID: number;
  /** SequenceNumber 0..65535. */
  sequenceNumber: number;
};

// ---------------------------------------------------------------------------------------------------------------
// Codecs. Each `write*` throws UperEncodeError for a value outside its constraint; each `read*` throws
// UperDecodeError. The ranges are the CDD's.

export function writeItsPduHeader(w: UperWriter, h: ItsPduHeader): void {
  w.constrainedInt(h.protocolVersion, 0, 255, "protocolVersion");
  w.constrainedInt(h.messageID, 0, 255, "messageID");
  w.constrainedInt(h.stationID, 0, 4294967295, "stationID");
}

export function readItsPduHeader(r: UperReader): ItsPduHeader {
  return {
    protocolVersion: r.constrainedInt(0, 255, "protocolVersion"),
    messageID: r.constrainedInt(0, 255, "messageID"),
    stationID: r.constrainedInt(0, 4294967295, "stationID"),
  };
}

/** Decodes only the ItsPduHeader of a CAM, DENM or any other ITS message, to dispatch on messageID. */
export function decodeItsPduHeader(bytes: Uint8Array): ItsPduHeader {
  // A header alone is 48 bits; the rest of the message is not read, so trailing bits are expected here.
  return uperDecode(bytes.subarray(0, 6), readItsPduHeader, "ItsPduHeader");
}

export function writeReferencePosition(w: UperWriter, p: ReferencePosition, field = "referencePosition"): void {
  w.constrainedInt(p.latitude, -900000000, 900000001, `${field}.latitude`);
  w.constrainedInt(p.longitude, -1800000000, 1800000001, `${field}.longitude`);
  const e = p.positionConfidenceEllipse;
  w.constrainedInt(e.semiMajorConfidence, 0, 4095, `${field}.semiMajorConfidence`);
  w.constrainedInt(e.semiMinorConfidence, 0, 4095, `${field}.semiMinorConfidence`);
  w.constrainedInt(e.semiMajorOrientation, 0, 3601, `${field}.semiMajorOrientation`);
  w.constrainedInt(p.altitude.altitudeValue, -100000, 800001, `${field}.altitudeValue`);
  w.enumerated(p.altitude.altitudeConfidence, 16, false, `${field}.altitudeConfidence`);
}

export function readReferencePosition(r: UperReader): ReferencePosition {
  return {
    latitude: r.constrainedInt(-900000000, 900000001, "latitude"),
    longitude: r.constrainedInt(-1800000000, 1800000001, "longitude"),
    positionConfidenceEllipse: {
      semiMajorConfidence: r.constrainedInt(0, 4095, "semiMajorConfidence"),
      semiMinorConfidence: r.constrainedInt(0, 4095, "semiMinorConfidence"),
      semiMajorOrientation: r.constrainedInt(0, 3601, "semiMajorOrientation"),
    },
    altitude: {
      altitudeValue: r.constrainedInt(-100000, 800001, "altitudeValue"),
      altitudeConfidence: r.enumerated(16, false, "altitudeConfidence"),
    },
  };
}

export function writeDeltaReferencePosition(w: UperWriter, p: DeltaReferencePosition, field: string): void {
  w.constrainedInt(p.deltaLatitude, -131071, 131072, `${field}.deltaLatitude`);
  w.constrainedInt(p.deltaLongitude, -131071, 131072, `${field}.deltaLongitude`);
  w.constrainedInt(p.deltaAltitude, -12700, 12800, `${field}.deltaAltitude`);
}

export function readDeltaReferencePosition(r: UperReader): DeltaReferencePosition {
  return {
    deltaLatitude: r.constrainedInt(-131071, 131072, "deltaLatitude"),
    deltaLongitude: r.constrainedInt(-131071, 131072, "deltaLongitude"),
    deltaAltitude: r.constrainedInt(-12700, 12800, "deltaAltitude"),
  };
}

/** PathDeltaTime ::= INTEGER (1..65535, ...): an extensible constraint. */
export function writePathDeltaTime(w: UperWriter, value: number, field: string): void {
  w.extensibleConstrainedInt(value, 1, 65535, field);
}

export function readPathDeltaTime(r: UperReader): number {
  return r.extensibleConstrainedInt(1, 65535, "pathDeltaTime");
}

export function writePathHistory(w: UperWriter, history: PathHistory, field = "pathHistory"): void {
  w.length(history.length, 0, 40, field);
  history.forEach((point, i) => {
    w.bit(point.pathDeltaTime !== undefined);
    writeDeltaReferencePosition(w, point.pathPosition, `${field}[${i}]`);
    if (point.pathDeltaTime !== undefined) writePathDeltaTime(w, point.pathDeltaTime, `${field}[${i}].pathDeltaTime`);
  });
}

export function readPathHistory(r: UperReader): PathHistory {
  const n = r.length(0, 40, "pathHistory");
  const out: PathHistory = [];
  for (let i = 0; i < n; i++) {
    const hasDeltaTime = r.bit("pathPoint presence bitmap");
    const point: PathPoint = { pathPosition: readDeltaReferencePosition(r) };
    if (hasDeltaTime) point.pathDeltaTime = readPathDeltaTime(r);
    out.push(point);
  }
  return out;
}

export function writeHeading(w: UperWriter, h: Heading, field: string): void {
  w.constrainedInt(h.headingValue, 0, 3601, `${field}.headingValue`);
  w.constrainedInt(h.headingConfidence, 1, 127, `${field}.headingConfidence`);
}

export function readHeading(r: UperReader): Heading {
  return {
    headingValue: r.constrainedInt(0, 3601, "headingValue"),
    headingConfidence: r.constrainedInt(1, 127, "headingConfidence"),
  };
}

export function writeSpeed(w: UperWriter, s: Speed, field: string): void {
  w.constrainedInt(s.speedValue, 0, 16383, `${field}.speedValue`);
  w.constrainedInt(s.speedConfidence, 1, 127, `${field}.speedConfidence`);
}

export function readSpeed(r: UperReader): Speed {
  return {
    speedValue: r.constrainedInt(0, 16383, "speedValue"),
    speedConfidence: r.constrainedInt(1, 127, "speedConfidence"),
  };
}

/** CauseCode ::= SEQUENCE { causeCode, subCauseCode, ... }: extensible, additions skipped on decode. */
export function writeCauseCode(w: UperWriter, c: CauseCode, field: string): void {
  w.bit(false);
  w.constrainedInt(c.causeCode, 0, 255, `${field}.causeCode`);
  w.constrainedInt(c.subCauseCode, 0, 255, `${field}.subCauseCode`);
}

export function readCauseCode(r: UperReader): CauseCode {
  const extended = r.bit("CauseCode extension bit");
  const out = {
    causeCode: r.constrainedInt(0, 255, "causeCode"),
    subCauseCode: r.constrainedInt(0, 255, "subCauseCode"),
  };
  if (extended) r.extensionAdditions("CauseCode");
  return out;
}

export function writeActionID(w: UperWriter, a: ActionID, field: string): void {
  w.constrainedInt(a.originatingStationID, 0, 4294967295, `${field}.originatingStationID`);
  w.constrainedInt(a.sequenceNumber, 0, 65535, `${field}.sequenceNumber`);
}

export function readActionID(r: UperReader): ActionID {
  return {
    originatingStationID: r.constrainedInt(0, 4294967295, "originatingStationID"),
    sequenceNumber: r.constrainedInt(0, 65535, "sequenceNumber"),
  };
}

/** TimestampIts ::= INTEGER (0..4398046511103): 42 bits, milliseconds since 2004-01-01 (safe as a JS number). */
export function writeTimestampIts(w: UperWriter, value: number, field: string): void {
  w.constrainedInt(value, 0, 4398046511103, field);
}

export function readTimestampIts(r: UperReader, what: string): number {
  return r.constrainedInt(0, 4398046511103, what);
}

/** A named BIT STRING of fixed size, as the list of the names of its set bits (in bit order on decode). */
export function writeNamedBits<N extends string>(
  w: UperWriter,
  names: readonly N[],
  set: readonly N[],
  field: string,
): void {
  for (const name of set) if (!names.includes(name)) throw new UperEncodeError(field, `"${name}" is not a bit name`);
  for (const name of names) w.bit(set.includes(name));
}

export function readNamedBits<N extends string>(r: UperReader, names: readonly N[], what: string): N[] {
  const out: N[] = [];
  for (const name of names) if (r.bit(what)) out.push(name);
  return out;
}
