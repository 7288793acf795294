// Decentralized Environmental Notification Message (DENM), ETSI EN 302 637-3 v1.3.1: ASN.1 module
// DENM-PDU-Descriptions version (2), Annex A, with its data frames from the CDD (TS 102 894-2 v1.3.1, cdd.ts),
// encoded in UPER as the standard requires. A DENM reports an event (road works, accident, black ice, ...) at a position,
// identified by its actionID (originating station + sequence number) across updates, cancellation and negation.
//
// Supported: the management container (actionID, detectionTime, referenceTime, termination,
// eventPosition, relevanceDistance, relevanceTrafficDirection, validityDuration with its DEFAULT of 600 s,
// transmissionInterval, stationType), the situation container (informationQuality, eventType, linkedCause,
// eventHistory), the location container (eventSpeed, eventPositionHeading, traces, roadType), and the
// simple members of the à-la-carte container (lanePosition, externalTemperature, positioningSolution).
// The à-la-carte impactReduction, roadWorks and stationaryVehicle containers are not decoded: a DENM carrying one
// is refused with ItsUnsupportedError (a UperDecodeError). Encoding follows CANONICAL-PER for the DEFAULT: a
// validityDuration of 600 is never transmitted, so encode(decode(x)) is deterministic.
import {
  type ActionID,
  type CauseCode,
  type DeltaReferencePosition,
  type Heading,
  type ItsPduHeader,
  ItsUnsupportedError,
  MessageId,
  type PathHistory,
  type ReferencePosition,
  readActionID,
  readCauseCode,
  readDeltaReferencePosition,
  readHeading,
  readItsPduHeader,
  readPathDeltaTime,
  readPathHistory,
  readReferencePosition,
  readSpeed,
  readTimestampIts,
  type Speed,
  writeActionID,
  writeCauseCode,
  writeDeltaReferencePosition,
  writeHeading,
  writeItsPduHeader,
  writePathDeltaTime,
  writePathHistory,
  writeReferencePosition,
  writeSpeed,
  writeTimestampIts,
} from "./cdd.js";
import { UperDecodeError, UperEncodeError, type UperReader, type UperWriter, uperDecode, uperEncode } from "./uper.js";

/** CauseCodeType (TS 102 894-2 v1.3.1): the direct cause of the event, as carried in eventType.causeCode. */
export const CauseCodeType = {
  reserved: 0,
  trafficCondition: 1,
  accident: 2,
  roadworks: 3,
  impassability: 5,
  adverseWeatherConditionAdhesion: 6,
  aquaplaning: 7,
  hazardousLocationSurfaceCondition: 9,
  hazardousLocationObstacleOnTheRoad: 10,
  hazardousLocationAnimalOnTheRoad: 11,
  humanPresenceOnTheRoad: 12,
  wrongWayDriving: 14,
  rescueAndRecoveryWorkInProgress: 15,
  adverseWeatherConditionExtremeWeatherCondition: 17,
  adverseWeatherConditionVisibility: 18,
  adverseWeatherConditionPrecipitation: 19,
  slowVehicle: 26,
  dangerousEndOfQueue: 27,
  vehicleBreakdown: 91,
  postCrash: 92,
  humanProblem: 93,
  stationaryVehicle: 94,
  emergencyVehicleApproaching: 95,
  hazardousLocationDangerousCurve: 96,
  collisionRisk: 97,
  signalViolation: 98,
  dangerousSituation: 99,
} as const;

/**
 * Sub-cause codes of the causes the platform reports most (TS 102 894-2 v1.3.1, the *SubCauseCode types); 0 is
 * always "unavailable". Black ice is an adhesion problem (cause 6, sub-cause 6), not a surface condition (cause 9,
 * whose sub-causes are rockfalls, subsidence, ...).
 */
export const SubCauseCode = {
  accident: { multiVehicleAccident: 1, heavyAccident: 2, accidentInvolvingLorry: 3, unsecuredAccident: 7 },
  roadworks: { majorRoadworks: 1, roadMarkingWork: 2, slowMovingRoadMaintenance: 3, shortTermStationaryRoadworks: 4 },
  adverseWeatherConditionAdhesion: { heavyFrostOnRoad: 1, snowOnRoad: 4, iceOnRoad: 5, blackIceOnRoad: 6 },
  hazardousLocationSurfaceCondition: { rockfalls: 1, earthquakeDamage: 2, subsidence: 4, snowDrifts: 5 },
  hazardousLocationObstacleOnTheRoad: { shedLoad: 1, partsOfVehicles: 2, fallenTrees: 5 },
  dangerousEndOfQueue: { suddenEndOfQueue: 1, queueOverHill: 2, queueAroundBend: 3, queueInTunnel: 4 },
  stationaryVehicle: { humanProblem: 1, vehicleBreakdown: 2, postCrash: 3, publicTransportStop: 4 },
  collisionRisk: {
    longitudinalCollisionRisk: 1,
    crossingCollisionRisk: 2,
    lateralCollisionRisk: 3,
    vulnerableRoadUser: 4,
  },
  dangerousSituation: { emergencyElectronicBrakeEngaged: 1, aebEngaged: 5 },
} as const;

/** Termination ENUMERATED: cancellation by the originator, negation by another station. */
export const Termination = { isCancellation: 0, isNegation: 1 } as const;
/** RelevanceDistance ENUMERATED 0..7: lessThan50m, lessThan100m, lessThan200m, lessThan500m, ..., over10km. */
export const RelevanceDistance = {
  lessThan50m: 0,
  lessThan100m: 1,
  lessThan200m: 2,
  lessThan500m: 3,
  lessThan1000m: 4,
  lessThan5km: 5,
  lessThan10km: 6,
  over10km: 7,
} as const;
/** RelevanceTrafficDirection ENUMERATED 0..3. */
export const RelevanceTrafficDirection = {
  allTrafficDirections: 0,
  upstreamTraffic: 1,
  downstreamTraffic: 2,
  oppositeTraffic: 3,
} as const;
/** RoadType ENUMERATED 0..3 (urban/non-urban, with/without structural separation). */
export const RoadType = {
  urbanNoStructuralSeparation: 0,
  urbanWithStructuralSeparation: 1,
  nonUrbanNoStructuralSeparation: 2,
  nonUrbanWithStructuralSeparation: 3,
} as const;
/** PositioningSolutionType ENUMERATED, 6 root values, extensible. */
export const PositioningSolutionType = {
  noPositioningSolution: 0,
  sGNSS: 1,
  dGNSS: 2,
  sGNSSplusDR: 3,
  dGNSSplusDR: 4,
  dR: 5,
} as const;

/** ValidityDuration DEFAULT defaultValidity (600 s) of the management container. */
export const DEFAULT_VALIDITY_DURATION = 600;

export type ManagementContainer = {
  actionID: ActionID;
  /** TimestampIts: ms since 2004-01-01 when the event was detected. */
  detectionTime: number;
  /** TimestampIts: ms since 2004-01-01 when this DENM (version) was generated. */
  referenceTime: number;
  /** Termination: 0 isCancellation, 1 isNegation. */
  termination?: number;
  eventPosition: ReferencePosition;
  /** RelevanceDistance 0..7. */
  relevanceDistance?: number;
  /** RelevanceTrafficDirection 0..3. */
  relevanceTrafficDirection?: number;
  /** ValidityDuration 0..86400 s; DEFAULT 600 (always present after decoding). */
  validityDuration: number;
  /** TransmissionInterval 1..10000 ms. */
  transmissionInterval?: number;
  /** StationType 0..255 of the originator. */
  stationType: number;
};

export type EventPoint = {
  eventPosition: DeltaReferencePosition;
  /** PathDeltaTime (1..65535, ...), 0.01 s. */
  eventDeltaTime?: number;
  /** InformationQuality 0..7. */
  informationQuality: number;
};

export type SituationContainer = {
  /** InformationQuality 0..7 (0 unavailable, 1 lowest, 7 highest). */
  informationQuality: number;
  eventType: CauseCode;
  linkedCause?: CauseCode;
  /** EventHistory: 1..23 points. */
  eventHistory?: EventPoint[];
};

export type LocationContainer = {
  eventSpeed?: Speed;
  eventPositionHeading?: Heading;
  /** Traces ::= SEQUENCE SIZE(1..7) OF PathHistory. */
  traces: PathHistory[];
  /** RoadType 0..3. */
  roadType?: number;
};

export type AlacarteContainer = {
  /** LanePosition -1..14. */
  lanePosition?: number;
  /** Temperature -60..67 °C (the bounds mean "or beyond"). */
  externalTemperature?: number;
  /** PositioningSolutionType index (extensible: >= 6 are extensions). */
  positioningSolution?: number;
};

export type DecentralizedEnvironmentalNotificationMessage = {
  management: ManagementContainer;
  situation?: SituationContainer;
  location?: LocationContainer;
  alacarte?: AlacarteContainer;
};

/** DENM ::= SEQUENCE { header ItsPduHeader, denm DecentralizedEnvironmentalNotificationMessage }. */
export type Denm = { header: ItsPduHeader; denm: DecentralizedEnvironmentalNotificationMessage };

// ---------------------------------------------------------------------------------------------------------------

function writeManagement(w: UperWriter, m: ManagementContainer): void {
  const f = "management";
  const sendValidity = m.validityDuration !== DEFAULT_VALIDITY_DURATION;
  w.bit(false); // extension bit
  w.bit(m.termination !== undefined);
  w.bit(m.relevanceDistance !== undefined);
  w.bit(m.relevanceTrafficDirection !== undefined);
  w.bit(sendValidity);
  w.bit(m.transmissionInterval !== undefined);
  writeActionID(w, m.actionID, `${f}.actionID`);
  writeTimestampIts(w, m.detectionTime, `${f}.detectionTime`);
  writeTimestampIts(w, m.referenceTime, `${f}.referenceTime`);
  if (m.termination !== undefined) w.enumerated(m.termination, 2, false, `${f}.termination`);
  writeReferencePosition(w, m.eventPosition, `${f}.eventPosition`);
  if (m.relevanceDistance !== undefined) w.enumerated(m.relevanceDistance, 8, false, `${f}.relevanceDistance`);
  if (m.relevanceTrafficDirection !== undefined) {
    w.enumerated(m.relevanceTrafficDirection, 4, false, `${f}.relevanceTrafficDirection`);
  }
  if (sendValidity) w.constrainedInt(m.validityDuration, 0, 86400, `${f}.validityDuration`);
  if (m.transmissionInterval !== undefined) {
    w.constrainedInt(m.transmissionInterval, 1, 10000, `${f}.transmissionInterval`);
  }
  w.constrainedInt(m.stationType, 0, 255, `${f}.stationType`);
}

function readManagement(r: UperReader): ManagementContainer {
  const extended = r.bit("management extension bit");
  const p = r.presence(5, "management");
  const actionID = readActionID(r);
  const detectionTime = readTimestampIts(r, "detectionTime");
  const referenceTime = readTimestampIts(r, "referenceTime");
  const termination = p[0] ? r.enumerated(2, false, "termination") : undefined;
  const eventPosition = readReferencePosition(r);
  const relevanceDistance = p[1] ? r.enumerated(8, false, "relevanceDistance") : undefined;
  const relevanceTrafficDirection = p[2] ? r.enumerated(4, false, "relevanceTrafficDirection") : undefined;
  const validityDuration = p[3] ? r.constrainedInt(0, 86400, "validityDuration") : DEFAULT_VALIDITY_DURATION;
  const transmissionInterval = p[4] ? r.constrainedInt(1, 10000, "transmissionInterval") : undefined;
  const m: ManagementContainer = {
    actionID,
    detectionTime,
    referenceTime,
    eventPosition,
    validityDuration,
    stationType: r.constrainedInt(0, 255, "stationType"),
  };
  if (termination !== undefined) m.termination = termination;
  if (relevanceDistance !== undefined) m.relevanceDistance = relevanceDistance;
  if (relevanceTrafficDirection !== undefined) m.relevanceTrafficDirection = relevanceTrafficDirection;
  if (transmissionInterval !== undefined) m.transmissionInterval = transmissionInterval;
  if (extended) r.extensionAdditions("management");
  return m;
}

function writeSituation(w: UperWriter, s: SituationContainer): void {
  const f = "situation";
  w.bit(false); // extension bit
  w.bit(s.linkedCause !== undefined);
  w.bit(s.eventHistory !== undefined);
  w.constrainedInt(s.informationQuality, 0, 7, `${f}.informationQuality`);
  writeCauseCode(w, s.eventType, `${f}.eventType`);
  if (s.linkedCause !== undefined) writeCauseCode(w, s.linkedCause, `${f}.linkedCause`);
  if (s.eventHistory !== undefined) {
    w.length(s.eventHistory.length, 1, 23, `${f}.eventHistory`);
    s.eventHistory.forEach((point, i) => {
      const g = `${f}.eventHistory[${i}]`;
      w.bit(point.eventDeltaTime !== undefined);
      writeDeltaReferencePosition(w, point.eventPosition, `${g}.eventPosition`);
      if (point.eventDeltaTime !== undefined) writePathDeltaTime(w, point.eventDeltaTime, `${g}.eventDeltaTime`);
      w.constrainedInt(point.informationQuality, 0, 7, `${g}.informationQuality`);
    });
  }
}

function readSituation(r: UperReader): SituationContainer {
  const extended = r.bit("situation extension bit");
  const [hasLinked, hasHistory] = r.presence(2, "situation");
  const s: SituationContainer = {
    informationQuality: r.constrainedInt(0, 7, "informationQuality"),
    eventType: readCauseCode(r),
  };
  if (hasLinked) s.linkedCause = readCauseCode(r);
  if (hasHistory) {
    const n = r.length(1, 23, "eventHistory");
    const history: EventPoint[] = [];
    for (let i = 0; i < n; i++) {
      const hasDelta = r.bit("eventPoint presence bitmap");
      const eventPosition = readDeltaReferencePosition(r);
      const eventDeltaTime = hasDelta ? readPathDeltaTime(r) : undefined;
      const point: EventPoint = { eventPosition, informationQuality: r.constrainedInt(0, 7, "informationQuality") };
      if (eventDeltaTime !== undefined) point.eventDeltaTime = eventDeltaTime;
      history.push(point);
    }
    s.eventHistory = history;
  }
  if (extended) r.extensionAdditions("situation");
  return s;
}

function writeLocation(w: UperWriter, l: LocationContainer): void {
  const f = "location";
  w.bit(false); // extension bit
  w.bit(l.eventSpeed !== undefined);
  w.bit(l.eventPositionHeading !== undefined);
  w.bit(l.roadType !== undefined);
  if (l.eventSpeed !== undefined) writeSpeed(w, l.eventSpeed, `${f}.eventSpeed`);
  if (l.eventPositionHeading !== undefined) writeHeading(w, l.eventPositionHeading, `${f}.eventPositionHeading`);
  w.length(l.traces.length, 1, 7, `${f}.traces`);
  for (const [i, trace] of l.traces.entries()) writePathHistory(w, trace, `${f}.traces[${i}]`);
  if (l.roadType !== undefined) w.enumerated(l.roadType, 4, false, `${f}.roadType`);
}

function readLocation(r: UperReader): LocationContainer {
  const extended = r.bit("location extension bit");
  const [hasSpeed, hasHeading, hasRoadType] = r.presence(3, "location");
  const eventSpeed = hasSpeed ? readSpeed(r) : undefined;
  const eventPositionHeading = hasHeading ? readHeading(r) : undefined;
  const n = r.length(1, 7, "traces");
  const traces: PathHistory[] = [];
  for (let i = 0; i < n; i++) traces.push(readPathHistory(r));
  const l: LocationContainer = { traces };
  if (eventSpeed !== undefined) l.eventSpeed = eventSpeed;
  if (eventPositionHeading !== undefined) l.eventPositionHeading = eventPositionHeading;
  if (hasRoadType) l.roadType = r.enumerated(4, false, "roadType");
  if (extended) r.extensionAdditions("location");
  return l;
}

function writeAlacarte(w: UperWriter, a: AlacarteContainer): void {
  const f = "alacarte";
  w.bit(false); // extension bit
  w.bit(a.lanePosition !== undefined);
  w.bit(false); // impactReduction: not supported
  w.bit(a.externalTemperature !== undefined);
  w.bit(false); // roadWorks: not supported
  w.bit(a.positioningSolution !== undefined);
  w.bit(false); // stationaryVehicle: not supported
  if (a.lanePosition !== undefined) w.constrainedInt(a.lanePosition, -1, 14, `${f}.lanePosition`);
  if (a.externalTemperature !== undefined) w.constrainedInt(a.externalTemperature, -60, 67, `${f}.externalTemperature`);
  if (a.positioningSolution !== undefined) w.enumerated(a.positioningSolution, 6, true, `${f}.positioningSolution`);
}

function readAlacarte(r: UperReader): AlacarteContainer {
  const extended = r.bit("alacarte extension bit");
  const at = r.offset;
  const p = r.presence(6, "alacarte");
  const unsupported: string[] = [];
  if (p[1]) unsupported.push("impactReduction");
  if (p[3]) unsupported.push("roadWorks");
  if (p[5]) unsupported.push("stationaryVehicle");
  if (unsupported.length > 0) {
    throw new ItsUnsupportedError(`the DENM's alacarte container has ${unsupported.join(", ")}, not decoded`, at);
  }
  const a: AlacarteContainer = {};
  if (p[0]) a.lanePosition = r.constrainedInt(-1, 14, "lanePosition");
  if (p[2]) a.externalTemperature = r.constrainedInt(-60, 67, "externalTemperature");
  if (p[4]) a.positioningSolution = r.enumerated(6, true, "positioningSolution");
  if (extended) r.extensionAdditions("alacarte");
  return a;
}

/** Writes a DENM (header and body) into `w`. */
export function writeDenm(w: UperWriter, denm: Denm): void {
  if (denm.header.messageID !== MessageId.denm) {
    throw new UperEncodeError("header.messageID", `${denm.header.messageID} is not denm(1)`);
  }
  writeItsPduHeader(w, denm.header);
  const d = denm.denm;
  w.bit(d.situation !== undefined);
  w.bit(d.location !== undefined);
  w.bit(d.alacarte !== undefined);
  writeManagement(w, d.management);
  if (d.situation !== undefined) writeSituation(w, d.situation);
  if (d.location !== undefined) writeLocation(w, d.location);
  if (d.alacarte !== undefined) writeAlacarte(w, d.alacarte);
}

/** Reads a DENM (header and body) from `r`. */
export function readDenm(r: UperReader): Denm {
  const header = readItsPduHeader(r);
  if (header.messageID !== MessageId.denm) {
    throw new UperDecodeError(`messageID is ${header.messageID}, not denm(1)`, 8, {
      details: "the bytes start with an ITS PDU header, but not a DENM's",
    });
  }
  const [hasSituation, hasLocation, hasAlacarte] = r.presence(3, "denm");
  const denm: DecentralizedEnvironmentalNotificationMessage = { management: readManagement(r) };
  if (hasSituation) denm.situation = readSituation(r);
  if (hasLocation) denm.location = readLocation(r);
  if (hasAlacarte) denm.alacarte = readAlacarte(r);
  return { header, denm };
}

/**
 * Encodes a DENM to UPER bytes.
 *
 * @example
 * encodeDenm({ header: { protocolVersion: 2, messageID: 1, stationID: 7 }, denm: { management: { ... } } });
 */
export function encodeDenm(denm: Denm): Uint8Array {
  return uperEncode((w) => writeDenm(w, denm));
}

/** Decodes UPER bytes as a DENM; throws UperDecodeError (or ItsUnsupportedError) for anything else. */
export function decodeDenm(bytes: Uint8Array): Denm {
  return uperDecode(bytes, readDenm, "DENM");
}
