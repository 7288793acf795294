// The OBU (vehicle) side of the edge protocol (docs/edge.md): connect to an RSU over WebSocket, get admitted with
// an authorization ticket (or, on handover, with the ADMISSION of the previous cell), then stream signed SPDUs as
// DATA frames and match each ACK to its send by `seq`. Sends are pipelined: up to `window` DATA frames wait for
// their ACK at once, and a send beyond that waits for a free slot (backpressure), in call order. The RSU's
// refusals are values (the ACK status); a closed connection rejects what is still pending.
//
// Also here: signCam / signDenm, which build a CAM or DENM from a position, speed and heading (or a cause code)
// and sign it with the ticket as IEEE 1609.2 signed data (signer identified by digest, generation location set),
// i.e. the SPDU an OBU sends.
import type { KeyObject } from "node:crypto";
import { BaseError, InvalidInputError, TimeoutError } from "@amc/utils";
import {
  type Cam,
  type Certificate,
  CertificateCodec,
  DEFAULT_VALIDITY_DURATION,
  type Denm,
  encodeCam,
  encodeDenm,
  generationDeltaTimeOf,
  ITS_PROTOCOL_VERSION,
  MessageId,
  PSID,
  type ReferencePosition,
  StationType,
  signData,
  type ThreeDLocation,
  tenthMicrodegrees,
  timestampItsFromUnixMs,
  Unavailable,
} from "@amc/v2x";
import { bytesToHex, type Hex, keccak256 } from "viem";
import WebSocket, { type RawData } from "ws";
import { type AdmissionClaims, AdmissionError, decodeAdmission, signChallenge, ticketDigestHex } from "./admission.js";
import {
  type AckStatusCode,
  type AckStatusName,
  ackStatusName,
  type ChallengeFrame,
  decodeFrame,
  type EdgeEvent,
  encodeData,
  encodeFrame,
  type Frame,
  FrameError,
  MAX_FRAME_BYTES,
} from "./protocol.js";

export type ObuClientOptions = {
  /** Most DATA frames awaiting their ACK at once (default 64). */
  window?: number | undefined;
  /** How long a send waits for its ACK before it rejects with TimeoutError (default 30 s). */
  ackTimeoutMs?: number | undefined;
  /** How long opening the socket and the admission handshake may take (default 10 s). */
  handshakeTimeoutMs?: number | undefined;
};

export type ConnectParameters = {
  /** The authorization ticket (IEEE 1609.2 certificate) the OBU signs with. */
  ticket: Certificate;
  /** Its COER bytes, as sent in ADMIT (default: CertificateCodec.encode(ticket)). */
  ticketBytes?: Uint8Array | undefined;
  /** The ticket's private key: signs the challenge. */
  privateKey: KeyObject;
  /** On handover: the ADMISSION of the neighbouring cell just left (`client.lastAdmission`). */
  previousAdmission?: Uint8Array | undefined;
};

export type Admitted = {
  /** The ADMISSION bytes: keep them for the next handover. */
  admission: Uint8Array;
  claims: AdmissionClaims;
  challenge: ChallengeFrame;
};

export type SendResult = {
  status: AckStatusCode;
  statusName: AckStatusName;
  /** keccak256 of the SPDU: the message's identity, e.g. to ask the RSU for its proof. */
  messageHash: Hex;
};

/**
 * Why a connection ended: the RSU's CLOSE code and detail, or one of the client's own codes: "closed" (close()),
 * "connection_lost" (the socket closed without a CLOSE frame), "protocol_error" (the RSU broke the protocol),
 * "handshake_timeout".
 */
export type CloseInfo = { code: string; detail: string };

/** The connection ended (or was refused) before a request completed; `code` and `detail` say why. */
export class EdgeConnectionError extends BaseError {
  override name = "EdgeConnectionError";
  readonly code: string;
  readonly detail: string;
  constructor(info: CloseInfo, cause?: unknown) {
    super(`the RSU connection ended: ${info.code}`, { details: info.detail, cause });
    this.code = info.code;
    this.detail = info.detail;
  }
}

type Pending = {
  resolve(result: SendResult): void;
  reject(error: Error): void;
  messageHash: Hex;
  timer: NodeJS.Timeout;
};

type Connection = {
  socket: WebSocket;
  /** The RSU's CLOSE frame, or the reason the client ended the connection. */
  closeInfo: CloseInfo | undefined;
  closed: Promise<void>;
};

const MAX_EXPIRED_SEQS = 4096;

/**
 * An OBU's connection to one RSU at a time.
 *
 * @example
 * const obu = new ObuClient({ window: 32 });
 * await obu.connect("ws://rsu:8700/v2x", { ticket, privateKey });
 * obu.onEvent((event) => warnDriver(event));
 * const { statusName, messageHash } = await obu.send(signCam({ signer, stationId, position, speed, heading }));
 * // entering the next cell:
 * const next = new ObuClient();
 * await next.connect(neighbourUrl, { ticket, privateKey, previousAdmission: obu.lastAdmission });
 */
export class ObuClient {
  readonly window: number;
  readonly #ackTimeoutMs: number;
  readonly #handshakeTimeoutMs: number;
  #connection: Connection | undefined;
  #state: "idle" | "connecting" | "admitted" | "closing" = "idle";
  #seq = 0;
  readonly #pending = new Map<number, Pending>();
  /** Seqs whose send timed out: their late ACK is expected and ignored. */
  readonly #expired = new Set<number>();
  /** Slots taken: pending sends plus sends that were handed a slot and are about to write. */
  #slots = 0;
  readonly #waiters: { resolve(): void; reject(error: Error): void }[] = [];
  #lastAdmission: Uint8Array | undefined;
  #lastClose: CloseInfo | undefined;
  /** Incremented when a connection ends, so that nothing of it touches the next one. */
  #generation = 0;
  readonly #eventListeners = new Set<(event: EdgeEvent) => void>();
  readonly #closeListeners = new Set<(info: CloseInfo) => void>();

  constructor(options: ObuClientOptions = {}) {
    this.window = options.window ?? 64;
    if (!Number.isInteger(this.window) || this.window < 1)
      throw new InvalidInputError(`window must be a positive integer, not ${this.window}`);
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
  }

  /** The ADMISSION of the current or last connection: pass it as `previousAdmission` on handover. */
  get lastAdmission(): Uint8Array | undefined {
    return this.#lastAdmission;
  }

  /** Whether the client is admitted and can send. */
  get admitted(): boolean {
    return this.#state === "admitted";
  }

  /** Sends waiting for their ACK. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Calls `listener` with every confirmed event the RSU pushes; returns an unsubscribe function. */
  onEvent(listener: (event: EdgeEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /** Calls `listener` once each connection ends, with the RSU's CLOSE code and detail or the client's own. */
  onClose(listener: (info: CloseInfo) => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /**
   * Opens `url`, answers the RSU's CHALLENGE with the ticket and resolves once ADMITTED. Rejects with an
   * EdgeConnectionError carrying the RSU's CLOSE code and detail when it refuses.
   */
  connect(url: string, parameters: ConnectParameters): Promise<Admitted> {
    if (this.#state !== "idle")
      return Promise.reject(new InvalidInputError(`cannot connect: the client is ${this.#state}`));
    this.#state = "connecting";
    this.#seq = 0;
    this.#expired.clear();
    const ticketBytes = parameters.ticketBytes ?? CertificateCodec.encode(parameters.ticket);
    const ticketId = ticketDigestHex(parameters.ticket);

    return new Promise<Admitted>((resolveConnect, rejectConnect) => {
      let settled = false;
      let challenge: ChallengeFrame | undefined;
      const socket = new WebSocket(url, { maxPayload: MAX_FRAME_BYTES, handshakeTimeout: this.#handshakeTimeoutMs });
      socket.binaryType = "nodebuffer";
      let markClosed: () => void = () => {};
      const connection: Connection = {
        socket,
        closeInfo: undefined,
        closed: new Promise<void>((resolve) => {
          markClosed = resolve;
        }),
      };
      this.#connection = connection;
      const abort = (info: CloseInfo) => {
        connection.closeInfo ??= info;
        socket.terminate();
      };
      const timer = setTimeout(
        () => abort({ code: "handshake_timeout", detail: `not admitted within ${this.#handshakeTimeoutMs} ms` }),
        this.#handshakeTimeoutMs,
      );
      const settle = (outcome: { ok: true; value: Admitted } | { ok: false; error: Error }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (outcome.ok) resolveConnect(outcome.value);
        else rejectConnect(outcome.error);
      };

      const onHandshakeFrame = (frame: Frame) => {
        if (frame.type === "challenge" && challenge === undefined) {
          challenge = frame;
          const sig = signChallenge(frame, parameters.privateKey);
          socket.send(
            encodeFrame({
              type: "admit",
              ticket: ticketBytes,
              sig,
              ...(parameters.previousAdmission === undefined ? {} : { previous: parameters.previousAdmission }),
            }),
          );
          return;
        }
        if (frame.type === "admitted" && challenge !== undefined) {
          let claims: AdmissionClaims;
          try {
            claims = decodeAdmission(frame.admission).claims;
          } catch (error) {
            if (error instanceof AdmissionError) return abort({ code: "protocol_error", detail: error.shortMessage });
            throw error;
          }
          if (claims.ticket !== ticketId || claims.cell !== challenge.cell || claims.rsu !== challenge.rsu)
            return abort({
              code: "protocol_error",
              detail: `the admission is for ticket ${claims.ticket} in ${claims.cell} by ${claims.rsu}, not ticket ${ticketId} in ${challenge.cell} by ${challenge.rsu}`,
            });
          this.#state = "admitted";
          this.#lastAdmission = frame.admission;
          settle({ ok: true, value: { admission: frame.admission, claims, challenge } });
          return;
        }
        abort({
          code: "protocol_error",
          detail: `unexpected ${frame.type.toUpperCase()} frame ${challenge === undefined ? "before the CHALLENGE" : "before ADMITTED"}`,
        });
      };

      socket.on("message", (data: RawData, isBinary: boolean) => {
        if (!isBinary) return abort({ code: "protocol_error", detail: "the RSU sent a text frame" });
        let frame: Frame;
        try {
          frame = decodeFrame(toBytes(data));
        } catch (error) {
          if (error instanceof FrameError) return abort({ code: "protocol_error", detail: error.shortMessage });
          throw error;
        }
        if (frame.type === "close") {
          connection.closeInfo ??= { code: frame.code, detail: frame.detail };
          return;
        }
        if (this.#state === "admitted" && this.#connection === connection) this.#onFrame(connection, frame);
        else onHandshakeFrame(frame);
      });
      let socketError: Error | undefined;
      socket.on("error", (error) => {
        socketError = error;
      });
      socket.on("close", (code, reason) => {
        const info = connection.closeInfo ?? {
          code: "connection_lost",
          detail: socketError?.message ?? `the WebSocket closed (${code}${reason.length > 0 ? ` ${reason}` : ""})`,
        };
        connection.closeInfo = info;
        if (this.#connection === connection) this.#finish(info);
        settle({ ok: false, error: new EdgeConnectionError(info, socketError) });
        markClosed();
        for (const listener of this.#closeListeners) listener(info);
      });
    });
  }

  /**
   * Sends one SPDU and resolves with the RSU's ACK status for it (accepted = durably logged). Waits first while
   * `window` sends are in flight. Rejects when the client is not admitted, the connection ends before the ACK, or
   * no ACK comes within `ackTimeoutMs`.
   */
  async send(spdu: Uint8Array): Promise<SendResult> {
    const frame = encodeData(0, spdu); // validates the size first; seq is written below
    if (this.#state !== "admitted") throw this.#notAdmitted();
    const generation = this.#generation;
    await this.#acquire(); // rejects when the connection ends while waiting
    const connection = this.#connection;
    // A slot handed over just before the connection ended belongs to no connection: slots were reset.
    if (generation !== this.#generation || connection === undefined) throw this.#notAdmitted();
    let seq = this.#seq;
    while (this.#pending.has(seq)) seq = (seq + 1) >>> 0; // only after 2^32 sends with one still unanswered
    this.#seq = (seq + 1) >>> 0;
    this.#expired.delete(seq);
    frame.writeUInt32BE(seq, 1);
    const messageHash = keccak256(spdu);
    return new Promise<SendResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.#settle(seq)) return;
        this.#expired.add(seq);
        if (this.#expired.size > MAX_EXPIRED_SEQS) this.#expired.delete(this.#expired.values().next().value ?? seq);
        reject(new TimeoutError(`no ACK for DATA seq ${seq} within ${this.#ackTimeoutMs} ms`));
      }, this.#ackTimeoutMs);
      this.#pending.set(seq, { resolve, reject, messageHash, timer });
      connection.socket.send(frame, (error) => {
        if (error !== undefined && error !== null && this.#settle(seq))
          reject(new EdgeConnectionError({ code: "connection_lost", detail: error.message }, error));
      });
    });
  }

  /** Closes the connection (pending sends reject with code "closed") and resolves once the socket is closed. */
  async close(): Promise<void> {
    const connection = this.#connection;
    if (connection === undefined) return;
    connection.closeInfo ??= { code: "closed", detail: "closed by the client" };
    if (this.#state !== "idle") this.#state = "closing";
    connection.socket.close(1000, "closed by the client");
    await connection.closed;
  }

  // -------------------------------------------------------------------------------------------------------------

  #onFrame(connection: Connection, frame: Frame): void {
    switch (frame.type) {
      case "ack": {
        const pending = this.#pending.get(frame.seq);
        if (pending === undefined) {
          if (this.#expired.delete(frame.seq)) return;
          connection.closeInfo ??= { code: "protocol_error", detail: `ACK for unknown seq ${frame.seq}` };
          connection.socket.terminate();
          return;
        }
        this.#settle(frame.seq);
        const statusName = ackStatusName(frame.status) ?? "other";
        const acked = bytesToHex(frame.messageHash);
        if (frame.status === 0 && acked !== pending.messageHash)
          pending.reject(
            new BaseError(`the RSU acknowledged DATA seq ${frame.seq} as ${acked}, not ${pending.messageHash}`, {
              details: "the RSU logged different bytes than were sent",
            }),
          );
        else pending.resolve({ status: frame.status, statusName, messageHash: pending.messageHash });
        return;
      }
      case "event": {
        const { type: _, ...event } = frame;
        for (const listener of this.#eventListeners) listener(event);
        return;
      }
      default:
        connection.closeInfo ??= {
          code: "protocol_error",
          detail: `unexpected ${frame.type.toUpperCase()} frame after admission`,
        };
        connection.socket.terminate();
    }
  }

  /** Removes a pending send and frees its slot; false when it was already settled. */
  #settle(seq: number): boolean {
    const pending = this.#pending.get(seq);
    if (pending === undefined) return false;
    clearTimeout(pending.timer);
    this.#pending.delete(seq);
    this.#release();
    return true;
  }

  #acquire(): Promise<void> {
    if (this.#slots < this.window && this.#waiters.length === 0) {
      this.#slots++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Frees a slot, or hands it straight to the oldest waiting send. */
  #release(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) next.resolve();
    else this.#slots--;
  }

  /** The connection ended: everything pending or waiting rejects with its reason. */
  #finish(info: CloseInfo): void {
    this.#state = "idle";
    this.#connection = undefined;
    this.#lastClose = info;
    this.#generation++;
    const error = new EdgeConnectionError(info);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
    this.#slots = 0;
  }

  #notAdmitted(): EdgeConnectionError {
    const last = this.#lastClose;
    return new EdgeConnectionError({
      code: "not_admitted",
      detail:
        last === undefined
          ? "connect() and wait for the admission before send()"
          : `not connected; the last connection ended with ${last.code}: ${last.detail}`,
    });
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

// ---------------------------------------------------------------------------------------------------------------
// Building and signing CAM and DENM

export type ItsSigner = { certificate: Certificate; privateKey: KeyObject };

/** A WGS84 position in degrees, altitude in metres above the ellipsoid when known. */
export type GeoPosition = { latitude: number; longitude: number; altitude?: number | undefined };

export type SignCamParameters = {
  signer: ItsSigner;
  /** StationID of the ITS-S (0..4294967295); pseudonymous, changed with the ticket. */
  stationId: number;
  position: GeoPosition;
  /** Metres per second. */
  speed: number;
  /** Degrees clockwise from north. */
  heading: number;
  /** StationType (default passengerCar). */
  stationType?: number | undefined;
  /** When the position was taken (default now). */
  time?: Date | number | undefined;
};

export type SignDenmParameters = {
  signer: ItsSigner;
  stationId: number;
  /** CauseCodeType (see CauseCodeType of @amc/v2x) and its sub-cause (0 = unavailable). */
  causeCode: number;
  subCauseCode?: number | undefined;
  /** Where the event is. */
  position: GeoPosition;
  /** Numbers the DENMs of this station (actionID.sequenceNumber, 0..65535; default 0). */
  sequenceNumber?: number | undefined;
  /** InformationQuality 0..7 (default 3). */
  informationQuality?: number | undefined;
  /** Seconds the event stays relevant (default 600). */
  validityDuration?: number | undefined;
  stationType?: number | undefined;
  /** When the event was detected (default now). */
  time?: Date | number | undefined;
};

const unixMs = (time: Date | number | undefined): number =>
  time === undefined ? Date.now() : typeof time === "number" ? time : time.getTime();

function checkPosition(position: GeoPosition): void {
  if (!(Math.abs(position.latitude) <= 90) || !(Math.abs(position.longitude) <= 180))
    throw new InvalidInputError(`position ${position.latitude}, ${position.longitude} is not a WGS84 position`, {
      fix: "give latitude and longitude in degrees",
    });
}

function referencePosition(position: GeoPosition): ReferencePosition {
  checkPosition(position);
  return {
    latitude: tenthMicrodegrees(position.latitude),
    longitude: tenthMicrodegrees(position.longitude),
    positionConfidenceEllipse: {
      semiMajorConfidence: Unavailable.semiAxisLength,
      semiMinorConfidence: Unavailable.semiAxisLength,
      semiMajorOrientation: Unavailable.heading,
    },
    altitude:
      position.altitude === undefined
        ? { altitudeValue: Unavailable.altitude, altitudeConfidence: 15 }
        : {
            altitudeValue: Math.max(-100000, Math.min(800000, Math.round(position.altitude * 100))),
            altitudeConfidence: 15,
          },
  };
}

/** IEEE 1609.2 ThreeDLocation: 1e-7 degrees, elevation in decimetres above -409.5 m (0 m when unknown). */
function generationLocation(position: GeoPosition): ThreeDLocation {
  const decimetres = Math.round(((position.altitude ?? 0) + 409.5) * 10);
  return {
    latitude: tenthMicrodegrees(position.latitude),
    longitude: tenthMicrodegrees(position.longitude),
    elevation: Math.max(0, Math.min(0xffff, decimetres)),
  };
}

/** A CAM for a vehicle at `position`, moving at `speed` towards `heading`; unknown quantities are "unavailable". */
export function buildCam(parameters: Omit<SignCamParameters, "signer">): Cam {
  const time = unixMs(parameters.time);
  if (!(parameters.speed >= 0)) throw new InvalidInputError(`speed ${parameters.speed} m/s is not >= 0`);
  const heading = (((parameters.heading % 360) + 360) % 360) * 10;
  return {
    header: { protocolVersion: ITS_PROTOCOL_VERSION, messageID: MessageId.cam, stationID: parameters.stationId },
    cam: {
      generationDeltaTime: generationDeltaTimeOf(timestampItsFromUnixMs(time)),
      camParameters: {
        basicContainer: {
          stationType: parameters.stationType ?? StationType.passengerCar,
          referencePosition: referencePosition(parameters.position),
        },
        highFrequencyContainer: {
          type: "basicVehicleContainerHighFrequency",
          heading: { headingValue: Math.round(heading) % 3600, headingConfidence: Unavailable.headingConfidence },
          speed: {
            speedValue: Math.min(16382, Math.round(parameters.speed * 100)),
            speedConfidence: Unavailable.speedConfidence,
          },
          driveDirection: 0,
          vehicleLength: { vehicleLengthValue: Unavailable.vehicleLength, vehicleLengthConfidenceIndication: 4 },
          vehicleWidth: Unavailable.vehicleWidth,
          longitudinalAcceleration: {
            longitudinalAccelerationValue: Unavailable.acceleration,
            longitudinalAccelerationConfidence: Unavailable.accelerationConfidence,
          },
          curvature: { curvatureValue: Unavailable.curvature, curvatureConfidence: 7 },
          curvatureCalculationMode: 2,
          yawRate: { yawRateValue: Unavailable.yawRate, yawRateConfidence: 8 },
        },
      },
    },
  };
}

/** A DENM reporting `causeCode` at `position`, detected at `time`. */
export function buildDenm(parameters: Omit<SignDenmParameters, "signer">): Denm {
  const timestampIts = timestampItsFromUnixMs(unixMs(parameters.time));
  const stationType = parameters.stationType ?? StationType.passengerCar;
  return {
    header: { protocolVersion: ITS_PROTOCOL_VERSION, messageID: MessageId.denm, stationID: parameters.stationId },
    denm: {
      management: {
        actionID: { originatingStationID: parameters.stationId, sequenceNumber: parameters.sequenceNumber ?? 0 },
        detectionTime: timestampIts,
        referenceTime: timestampIts,
        eventPosition: referencePosition(parameters.position),
        validityDuration: parameters.validityDuration ?? DEFAULT_VALIDITY_DURATION,
        stationType,
      },
      situation: {
        informationQuality: parameters.informationQuality ?? 3,
        eventType: { causeCode: parameters.causeCode, subCauseCode: parameters.subCauseCode ?? 0 },
      },
    },
  };
}

/**
 * A signed CAM SPDU: IEEE 1609.2 signed data (PSID 36, signer by digest, generation time and location) around
 * the UPER CAM.
 *
 * @example
 * const spdu = signCam({ signer: { certificate: ticket, privateKey }, stationId: 42,
 *   position: { latitude: 31.2304, longitude: 121.4737 }, speed: 13.9, heading: 90 });
 */
export function signCam(parameters: SignCamParameters): Uint8Array {
  const time = unixMs(parameters.time);
  return signData({
    payload: encodeCam(buildCam({ ...parameters, time })),
    psid: PSID.cam,
    generationTime: new Date(time),
    generationLocation: generationLocation(parameters.position),
    signer: parameters.signer,
    signerIdentifierMode: "digest",
  });
}

/** A signed DENM SPDU (PSID 37), as signCam. */
export function signDenm(parameters: SignDenmParameters): Uint8Array {
  const time = unixMs(parameters.time);
  return signData({
    payload: encodeDenm(buildDenm({ ...parameters, time })),
    psid: PSID.denm,
    generationTime: new Date(time),
    generationLocation: generationLocation(parameters.position),
    signer: parameters.signer,
    signerIdentifierMode: "digest",
  });
}
