// Test support for the edge SDK: a throwaway PCA and authorization tickets (explicit IEEE 1609.2 certificates
// with P-256 keys, allowed to sign CAM and DENM) and RSU DID keys. Nothing here is for production keys.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import {
  type Certificate,
  CertificateCodec,
  issueCertificate,
  PSID,
  pointFromPublicKey,
  type ToBeSignedCertificate,
  time32FromDate,
} from "@amc/v2x";

export type KeyPair = { publicKey: KeyObject; privateKey: KeyObject };

export const generateP256 = (): KeyPair => generateKeyPairSync("ec", { namedCurve: "P-256" });

export type TestTicket = {
  ticket: Certificate;
  ticketBytes: Uint8Array;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The issuing PCA (self-signed here), for a trust store. */
  pca: Certificate;
};

function tbs(key: KeyObject, start: Date, hours: number, extra: Partial<ToBeSignedCertificate>): ToBeSignedCertificate {
  return {
    id: { type: "none" },
    cracaId: new Uint8Array(3),
    crlSeries: 0,
    validityPeriod: { start: time32FromDate(start), duration: { unit: "hours", value: hours } },
    verifyKeyIndicator: { type: "verificationKey", key: { type: "ecdsaNistP256", point: pointFromPublicKey(key) } },
    ...extra,
  };
}

/** A PCA and one ticket it issued, valid from an hour ago for a week, for CAM and DENM, worldwide. */
export function createTestTicket(options: { now?: Date } = {}): TestTicket {
  const start = new Date((options.now ?? new Date()).getTime() - 3_600_000);
  const pcaKey = generateP256();
  const pca = issueCertificate({
    toBeSigned: tbs(pcaKey.publicKey, start, 24 * 30, {
      id: { type: "name", name: "sdk-test-pca" },
      certIssuePermissions: [
        { subjectPermissions: { type: "explicit", ranges: [{ psid: PSID.cam }, { psid: PSID.denm }] } },
      ],
    }),
    issuer: { certificate: "self", privateKey: pcaKey.privateKey },
  });
  const key = generateP256();
  const ticket = issueCertificate({
    toBeSigned: tbs(key.publicKey, start, 24 * 7, { appPermissions: [{ psid: PSID.cam }, { psid: PSID.denm }] }),
    issuer: { certificate: pca, privateKey: pcaKey.privateKey },
  });
  return {
    ticket,
    ticketBytes: CertificateCodec.encode(ticket),
    privateKey: key.privateKey,
    publicKey: key.publicKey,
    pca,
  };
}
