// Producing IEEE 1609.2 signed data and explicit certificates (IEEE 1609.2-2016/2022 clause 5.3.1 signature
// input, 6.3 SignedData, 6.4.3 CertificateBase; ETSI TS 103 097 v2.1.1 clause 5 EtsiTs103097Data-Signed and
// clause 6 EtsiTs103097Certificate). ECDSA NIST P-256 with SHA-256 through node:crypto; signatures are emitted
// with rSig as x-only (the canonical form for certificates and valid for data).
import { type KeyObject, sign } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import { encodeIeee1609Dot2Data, ToBeSignedCertificateCodec, ToBeSignedDataCodec } from "./codec.js";
import { certificateHashes, SHA256_OF_EMPTY, signatureMessage } from "./hash.js";
import { signatureFromP1363 } from "./keys.js";
import { time64FromDate } from "./time.js";
import type {
  Certificate,
  HeaderInfo,
  Ieee1609Dot2Data,
  Psid,
  Signature,
  SignerIdentifier,
  ThreeDLocation,
  Time64,
  ToBeSignedCertificate,
  ToBeSignedData,
} from "./types.js";

/** ECDSA P-256 over the 1609.2 signature message, as an ecdsaNistP256Signature with x-only rSig. */
export function signMessage(message: Uint8Array, privateKey: KeyObject): Signature {
  const p1363 = sign("sha256", message, { key: privateKey, dsaEncoding: "ieee-p1363" });
  return signatureFromP1363(new Uint8Array(p1363.buffer, p1363.byteOffset, p1363.byteLength));
}

export type SignDataParameters = {
  /** Application payload (e.g. a UPER CAM), carried as unsecuredData inside the signed data. */
  payload: Uint8Array;
  psid: Psid;
  /** UTC instant (converted to TAI, see time.ts) or a Time64 already; defaults to now. */
  generationTime?: Date | Time64 | undefined;
  expiryTime?: Date | Time64 | undefined;
  generationLocation?: ThreeDLocation | undefined;
  signer: { certificate: Certificate; privateKey: KeyObject };
  /** digest: HashedId8 of the signer certificate; certificate: the whole certificate (ETSI: one). */
  signerIdentifierMode: "digest" | "certificate";
};

const toTime64 = (t: Date | Time64): Time64 => (typeof t === "bigint" ? t : time64FromDate(t));

/**
 * Signs a payload as Ieee1609Dot2Data { signedData } and returns its COER encoding.
 *
 * @example
 * const bytes = signData({ payload: cam, psid: 36, signer: { certificate: at, privateKey }, signerIdentifierMode: "digest" });
 */
export function signData(parameters: SignDataParameters): Uint8Array {
  const headerInfo: HeaderInfo = {
    psid: parameters.psid,
    generationTime: toTime64(parameters.generationTime ?? new Date()),
  };
  if (parameters.expiryTime !== undefined) headerInfo.expiryTime = toTime64(parameters.expiryTime);
  if (parameters.generationLocation !== undefined) headerInfo.generationLocation = parameters.generationLocation;
  const tbsData: ToBeSignedData = {
    payload: { data: { protocolVersion: 3, content: { type: "unsecuredData", data: parameters.payload } } },
    headerInfo,
  };
  const certificate = parameters.signer.certificate;
  const hashes = certificateHashes(certificate);
  const signature = signMessage(
    signatureMessage(ToBeSignedDataCodec.encode(tbsData), hashes.hash),
    parameters.signer.privateKey,
  );
  const signer: SignerIdentifier =
    parameters.signerIdentifierMode === "digest"
      ? { type: "digest", digest: hashes.digest }
      : { type: "certificate", certificates: [certificate] };
  const data: Ieee1609Dot2Data = {
    protocolVersion: 3,
    content: { type: "signedData", signedData: { hashId: "sha256", tbsData, signer, signature } },
  };
  return encodeIeee1609Dot2Data(data);
}

export type IssueCertificateParameters = {
  toBeSigned: ToBeSignedCertificate;
  /** The issuing CA certificate and its private key, or "self" for a root (the key then signs itself). */
  issuer: { certificate: Certificate | "self"; privateKey: KeyObject };
};

/**
 * Issues an explicit certificate: signs `toBeSigned` with the issuer's key (IEEE 1609.2 5.3.1 with the issuer
 * certificate, or the empty string when self-signed, as signer identifier input).
 */
export function issueCertificate(parameters: IssueCertificateParameters): Certificate {
  const { toBeSigned, issuer } = parameters;
  if (toBeSigned.verifyKeyIndicator.type !== "verificationKey") {
    throw new InvalidInputError("an explicit certificate needs a verificationKey", {
      fix: "set toBeSigned.verifyKeyIndicator to { type: 'verificationKey', key: { type: 'ecdsaNistP256', point } }",
    });
  }
  const encoded = ToBeSignedCertificateCodec.encode(toBeSigned);
  if (issuer.certificate === "self") {
    return {
      version: 3,
      type: "explicit",
      issuer: { type: "self", hashAlgorithm: "sha256" },
      toBeSigned,
      signature: signMessage(signatureMessage(encoded, SHA256_OF_EMPTY), issuer.privateKey),
    };
  }
  const hashes = certificateHashes(issuer.certificate);
  return {
    version: 3,
    type: "explicit",
    issuer: { type: "sha256AndDigest", digest: hashes.digest },
    toBeSigned,
    signature: signMessage(signatureMessage(encoded, hashes.hash), issuer.privateKey),
  };
}
