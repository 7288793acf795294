// Dispatch on the ItsPduHeader (TS 102 894-2 v1.3.1): a receiver gets UPER bytes from the 1609.2 envelope, whose
// PSID already says CAM (36) or DENM (37); this reads the header's messageID and decodes the matching body, and
// checks the two agree when the PSID is given.
import { type Cam, decodeCam } from "./cam.js";
import { decodeItsPduHeader, ItsUnsupportedError, MessageId } from "./cdd.js";
import { type Denm, decodeDenm } from "./denm.js";
import { PSID } from "./platform.js";
import { UperDecodeError } from "./uper.js";

export type ItsMessage = { type: "cam"; cam: Cam } | { type: "denm"; denm: Denm };

/**
 * Decodes a CAM or a DENM by its header's messageID. Other ITS messages (SPATEM, MAPEM, IVIM, CPM, ...) are
 * refused with ItsUnsupportedError; with `psid`, a message whose type does not match the envelope's PSID is
 * refused with UperDecodeError.
 *
 * @example
 * const message = decodeItsMessage(payload, { psid: envelope.psid });
 * if (message.type === "denm") handleHazard(message.denm);
 */
export function decodeItsMessage(bytes: Uint8Array, options: { psid?: number } = {}): ItsMessage {
  const { messageID } = decodeItsPduHeader(bytes);
  const expectedPsid = messageID === MessageId.cam ? PSID.cam : messageID === MessageId.denm ? PSID.denm : undefined;
  if (expectedPsid === undefined) {
    throw new ItsUnsupportedError(`ITS messageID ${messageID} is not a CAM (2) or DENM (1)`, 8);
  }
  if (options.psid !== undefined && options.psid !== expectedPsid) {
    throw new UperDecodeError(`messageID ${messageID} arrived under PSID ${options.psid}, not ${expectedPsid}`, 8);
  }
  return messageID === MessageId.cam
    ? { type: "cam", cam: decodeCam(bytes) }
    : { type: "denm", denm: decodeDenm(bytes) };
}
