// Hashes that IEEE 1609.2 builds on: certificate identifiers (HashedId8, HashedId3) and the input to every
// ECDSA signature. Clause references are to IEEE 1609.2-2016 (unchanged in 2022):
// - 6.4.3 CertificateBase: a certificate is hashed as its canonicalized COER encoding (the canonicalization notes
//   of Signature, VerificationKeyIndicator and ToBeSignedCertificate: rSig as x-only, curve points of the
//   verification and encryption keys in compressed form).
// - HashedId8 / HashedId3: the low-order (last) 8 / 3 octets of that SHA-256 hash.
// - 5.3.1.2.2: ECDSA over SHA-256 of (SHA-256(data input) || SHA-256(signer identifier input)), where the data
//   input is the COER encoding of ToBeSignedData (or ToBeSignedCertificate) and the signer identifier input is
//   the canonicalized COER encoding of the signer's certificate, or the empty string when self-signed.
import { createHash, hash } from "node:crypto";
import { CertificateCodec } from "./codec.js";
import type { Certificate, EccP256CurvePoint, HashedId3, HashedId8, PublicEncryptionKey, Signature } from "./types.js";

export function sha256(...parts: Uint8Array[]): Uint8Array {
  // One-shot crypto.hash skips the Hash object: it is a third of the cost of hashing a short message.
  if (parts.length === 1) return new Uint8Array(hash("sha256", parts[0]!, "buffer"));
  const h = createHash("sha256");
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}

/** SHA-256 of the empty string: the signer identifier hash of a self-signed structure. */
export const SHA256_OF_EMPTY: Uint8Array = sha256();

export const hashedId8 = (hash: Uint8Array): HashedId8 => hash.slice(hash.length - 8);
export const hashedId3 = (hash: Uint8Array): HashedId3 => hash.slice(hash.length - 3);

/** Compressed form of a point given uncompressed; other forms are returned unchanged. */
function compressed(point: EccP256CurvePoint): EccP256CurvePoint {
  if (point.type !== "uncompressedP256") return point;
  return { type: (point.y[31]! & 1) === 0 ? "compressed-y-0" : "compressed-y-1", x: point.x };
}

function canonicalSignature(signature: Signature): Signature {
  if (signature.type === "unknown") return signature;
  const r = signature.rSig;
  if (r.type === "x-only" || r.type === "fill") return signature;
  return { ...signature, rSig: { type: "x-only", x: r.x } };
}

function canonicalEncryptionKey(key: PublicEncryptionKey): PublicEncryptionKey {
  if (key.publicKey.type === "unknown") return key;
  return { ...key, publicKey: { ...key.publicKey, point: compressed(key.publicKey.point) } };
}

/** The canonical form of a certificate for hashing (IEEE 1609.2 6.4.3); the same object when already canonical. */
export function canonicalCertificate(certificate: Certificate): Certificate {
  const tbs = certificate.toBeSigned;
  const vki = tbs.verifyKeyIndicator;
  const canonicalVki =
    vki.type === "verificationKey" && vki.key.type !== "unknown" && vki.key.point.type === "uncompressedP256"
      ? { ...vki, key: { ...vki.key, point: compressed(vki.key.point) } }
      : vki.type === "reconstructionValue" && vki.point.type === "uncompressedP256"
        ? { ...vki, point: compressed(vki.point) }
        : vki;
  const encryptionKey = tbs.encryptionKey === undefined ? undefined : canonicalEncryptionKey(tbs.encryptionKey);
  const signature = certificate.signature === undefined ? undefined : canonicalSignature(certificate.signature);
  if (canonicalVki === vki && encryptionKey === tbs.encryptionKey && signature === certificate.signature) {
    return certificate;
  }
  return {
    ...certificate,
    toBeSigned: { ...tbs, verifyKeyIndicator: canonicalVki, encryptionKey },
    signature,
  };
}

/** A certificate's identity: its canonical COER encoding, that encoding's SHA-256, and its HashedId8. */
export type CertificateHashes = { encoded: Uint8Array; hash: Uint8Array; digest: HashedId8 };

const hashesCache = new WeakMap<Certificate, CertificateHashes>();

/**
 * Canonical encoding, SHA-256 and HashedId8 of a certificate (IEEE 1609.2 6.4.3), memoised per certificate object
 * (certificates are treated as immutable once built or decoded).
 */
export function certificateHashes(certificate: Certificate): CertificateHashes {
  const cached = hashesCache.get(certificate);
  if (cached !== undefined) return cached;
  const encoded = CertificateCodec.encode(canonicalCertificate(certificate));
  const hash = sha256(encoded);
  const value = { encoded, hash, digest: hashedId8(hash) };
  hashesCache.set(certificate, value);
  return value;
}

/** HashedId8 of a certificate: the last 8 octets of SHA-256 over its canonical COER encoding. */
export const certificateDigest = (certificate: Certificate): HashedId8 => certificateHashes(certificate).digest;

/** HashedId3 of a certificate (used by cracaId and p2pcd requests). */
export const certificateHashedId3 = (certificate: Certificate): HashedId3 =>
  hashedId3(certificateHashes(certificate).hash);

/**
 * The message that ECDSA-with-SHA-256 signs (IEEE 1609.2 5.3.1.2.2): SHA-256(data input) || SHA-256(signer
 * identifier input). ECDSA hashes it once more, so the signed digest is SHA-256(SHA-256(tbs) || SHA-256(signer)).
 * `signerHash` is the SHA-256 of the signer's canonical certificate, or SHA256_OF_EMPTY when self-signed.
 */
export function signatureMessage(tbsEncoded: Uint8Array, signerHash: Uint8Array): Uint8Array {
  const message = new Uint8Array(64);
  message.set(sha256(tbsEncoded), 0);
  message.set(signerHash, 32);
  return message;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lower-case hex of bytes (digests as map keys and in messages). */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
