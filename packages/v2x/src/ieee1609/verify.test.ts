import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CertificateCodec,
  decodeCertificate,
  decodeIeee1609Dot2Data,
  encodeCertificate,
  encodeIeee1609Dot2Data,
  ToBeSignedDataCodec,
} from "./codec.js";
import { certificateDigest, certificateHashes, toHex } from "./hash.js";
import { issueCertificate, signData } from "./sign.js";
import { createTestPki, generateP256, PSID, SHANGHAI, toBeSigned } from "./testing.js";
import { time32FromDate, time64FromDate } from "./time.js";
import type { Certificate } from "./types.js";
import {
  VERIFY_FAILURE_REASONS,
  type VerifySignedDataOptions,
  verifyCertificate,
  verifyCertificateChain,
  verifySignedData,
} from "./verify.js";

const now = new Date("2026-03-01T08:00:00Z");
const pki = createTestPki({ now });
const cam = Uint8Array.from([0x02, 0x02, 0x00, 0x00, 0x30, 0x39, 0x01, 0x02, 0x03]);
const nearby = { latitude: SHANGHAI.latitude + 50_000, longitude: SHANGHAI.longitude, elevation: 4096 + 40 };
const options: VerifySignedDataOptions = { certificateByDigest: pki.certificateByDigest, now };

const signed = (overrides: Partial<Parameters<typeof signData>[0]> = {}) =>
  signData({
    payload: cam,
    psid: PSID.cam,
    generationTime: now,
    generationLocation: nearby,
    signer: { certificate: pki.at, privateKey: pki.atKey.privateKey },
    signerIdentifierMode: "digest",
    ...overrides,
  });

describe("certificate identity (IEEE 1609.2 6.4.3)", () => {
  it("HashedId8 is the last 8 octets of SHA-256 over the certificate's COER encoding", () => {
    const sha = createHash("sha256").update(encodeCertificate(pki.at)).digest();
    expect(toHex(certificateDigest(pki.at))).toBe(sha.subarray(24).toString("hex"));
    expect(toHex(pki.aa.toBeSigned.region ? certificateDigest(pki.aa) : new Uint8Array())).toHaveLength(16);
  });

  it("hashes the canonical form: an uncompressed key or a compressed rSig gives the same digest", () => {
    const vki = pki.at.toBeSigned.verifyKeyIndicator;
    const jwk = pki.atKey.publicKey.export({ format: "jwk" });
    if (
      vki.type !== "verificationKey" ||
      vki.key.type !== "ecdsaNistP256" ||
      pki.at.signature?.type !== "ecdsaNistP256Signature"
    ) {
      throw new Error("test PKI shape changed");
    }
    const point = vki.key.point;
    if (point.type !== "compressed-y-0" && point.type !== "compressed-y-1")
      throw new Error("expected a compressed key");
    const variant: Certificate = {
      ...pki.at,
      toBeSigned: {
        ...pki.at.toBeSigned,
        verifyKeyIndicator: {
          type: "verificationKey",
          key: {
            type: "ecdsaNistP256",
            point: { type: "uncompressedP256", x: point.x, y: new Uint8Array(Buffer.from(jwk.y ?? "", "base64url")) },
          },
        },
      },
      signature: {
        ...pki.at.signature,
        rSig: {
          type: "compressed-y-1",
          x: pki.at.signature.rSig.type === "x-only" ? pki.at.signature.rSig.x : new Uint8Array(32),
        },
      },
    };
    expect(toHex(encodeCertificate(variant))).not.toBe(toHex(encodeCertificate(pki.at)));
    expect(toHex(certificateDigest(variant))).toBe(toHex(certificateDigest(pki.at)));
  });

  it("certificates survive encode and decode with the same digest", () => {
    for (const cert of [pki.root, pki.aa, pki.at]) {
      const decoded = decodeCertificate(encodeCertificate(cert));
      expect(decoded).toEqual(cert);
      expect(toHex(certificateDigest(decoded))).toBe(toHex(certificateDigest(cert)));
    }
  });
});

describe("signData and verifySignedData", () => {
  it("signs with a digest signer and verifies, returning payload, PSID, SSP and location", () => {
    const result = verifySignedData(signed(), options);
    if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
    expect(result.payload).toEqual(cam);
    expect(result.psid).toBe(PSID.cam);
    expect(result.generationTime).toBe(time64FromDate(now));
    expect(toHex(result.signerDigest)).toBe(toHex(certificateDigest(pki.at)));
    expect(result.permission).toEqual({ psid: PSID.cam, ssp: { type: "bitmapSsp", bytes: Uint8Array.of(1, 0, 0) } });
    expect(result.location).toBe("inside");
  });

  it("emits rSig as x-only and hashes as SHA-256(SHA-256(tbsData) || SHA-256(signer certificate))", async () => {
    const bytes = signed();
    const data = decodeIeee1609Dot2Data(bytes);
    if (data.content.type !== "signedData") throw new Error("not signed");
    const { tbsData, signature } = data.content.signedData;
    if (signature.type !== "ecdsaNistP256Signature" || signature.rSig.type !== "x-only")
      throw new Error("rSig not x-only");
    const sha = (b: Uint8Array) => createHash("sha256").update(b).digest();
    const digest = sha(Buffer.concat([sha(ToBeSignedDataCodec.encode(tbsData)), sha(CertificateCodec.encode(pki.at))]));
    // An implementation we did not write checks the ECDSA over that digest, when it is installed.
    const noble = await import("@noble/curves/p256").catch(() => undefined);
    if (noble === undefined) return; // @noble/curves is a transitive dependency (viem); without it, skip this check
    const jwk = pki.atKey.publicKey.export({ format: "jwk" });
    const publicKey = Buffer.concat([
      Buffer.of(4),
      Buffer.from(jwk.x ?? "", "base64url"),
      Buffer.from(jwk.y ?? "", "base64url"),
    ]);
    const sig = Buffer.concat([signature.rSig.x, signature.sSig]);
    expect(noble.p256.verify(sig, digest, publicKey, { lowS: false })).toBe(true);
    expect(noble.p256.verify(sig, sha(digest), publicKey, { lowS: false })).toBe(false);
  });

  it("verifies a message carrying the whole certificate, admitting it through its issuer in the store", () => {
    const store = createTestPki({ now, withTicket: false });
    const bytes = signData({
      payload: cam,
      psid: PSID.denm,
      generationTime: now,
      signer: { certificate: store.at, privateKey: store.atKey.privateKey },
      signerIdentifierMode: "certificate",
    });
    const ok = verifySignedData(bytes, { certificateByDigest: store.certificateByDigest, now });
    expect(ok.ok && ok.location).toBe("absent");
    const digestOnly = signData({
      payload: cam,
      psid: PSID.denm,
      generationTime: now,
      signer: { certificate: store.at, privateKey: store.atKey.privateKey },
      signerIdentifierMode: "digest",
    });
    const unknown = verifySignedData(digestOnly, { certificateByDigest: store.certificateByDigest, now });
    expect(unknown.ok || unknown.reason).toBe("unknown_signer");
    // The AA leaves the store (revoked): the cached admission of the AT must not outlive it.
    store.store.delete(toHex(certificateDigest(store.aa)));
    const revoked = verifySignedData(bytes, { certificateByDigest: store.certificateByDigest, now });
    expect(revoked.ok || revoked.reason).toBe("unknown_signer");
  });

  it("returns each failure as a value with its reason", () => {
    const reason = (bytes: Uint8Array, extra: Partial<typeof options> = {}) => {
      const result = verifySignedData(bytes, { ...options, ...extra });
      return result.ok ? "ok" : result.reason;
    };
    const good = signed();
    const tampered = good.slice();
    tampered[12] = tampered[12]! ^ 0x01; // inside the CAM payload
    expect(reason(tampered)).toBe("bad_signature");
    expect(reason(signed({ psid: PSID.bsm }))).toBe("psid_not_permitted");
    expect(reason(good, { psids: [PSID.denm] })).toBe("psid_not_permitted");
    expect(reason(good, { now: new Date(now.getTime() + 60_000) })).toBe("stale");
    expect(reason(good, { now: new Date(now.getTime() - 10_000) })).toBe("future");
    expect(
      reason(signed({ expiryTime: new Date(now.getTime() + 1000) }), { now: new Date(now.getTime() + 2000) }),
    ).toBe("stale");
    const far = { latitude: 399_042_000, longitude: 1_164_074_000, elevation: 4096 }; // Beijing
    expect(reason(signed({ generationLocation: far }))).toBe("outside_region");
    const late = new Date(now.getTime() + 8 * 24 * 3_600_000);
    expect(reason(signed({ generationTime: late }), { now: late })).toBe("expired_certificate");
    const early = new Date(now.getTime() - 2 * 3_600_000);
    expect(reason(signed({ generationTime: early }), { now: early })).toBe("not_yet_valid");
    expect(reason(Uint8Array.of(1, 2, 3))).toBe("unsupported"); // protocolVersion 1
    expect(reason(Uint8Array.of(3, 0x81, 0x00))).toBe("malformed");
    expect(reason(Uint8Array.of(3, 0x82, 0))).toBe("unsupported"); // encryptedData
    expect(reason(encodeIeee1609Dot2Data({ protocolVersion: 3, content: { type: "unsecuredData", data: cam } }))).toBe(
      "malformed",
    );
    const other = createTestPki({ now });
    expect(reason(good, { certificateByDigest: other.certificateByDigest })).toBe("unknown_signer");
    expect(VERIFY_FAILURE_REASONS).toContain("unknown_signer");
  });

  it("pins the failure details a log shows", () => {
    const result = verifySignedData(signed({ psid: PSID.bsm }), options);
    expect(result).toMatchObject({
      ok: false,
      reason: "psid_not_permitted",
      detail: "certificate does not permit PSID 32",
    });
  });
});

describe("certificate chains (AT → AA → root)", () => {
  const trusted = (root: Certificate) => (digest: Uint8Array) => toHex(digest) === toHex(certificateDigest(root));

  it("verifies the test PKI and each link", () => {
    expect(verifyCertificate(pki.root, "self", { now }).ok).toBe(true);
    expect(verifyCertificate(pki.aa, pki.root, { now }).ok).toBe(true);
    expect(verifyCertificate(pki.at, pki.aa, { now }).ok).toBe(true);
    const result = verifyCertificateChain([pki.at, pki.aa, pki.root], { now, isTrustedRoot: trusted(pki.root) });
    expect(result.ok && result.digests.map(toHex)).toEqual(
      [pki.at, pki.aa, pki.root].map((c) => toHex(certificateDigest(c))),
    );
  });

  it("refuses a wrong issuer, a forged signature, an untrusted root and expiry", () => {
    expect(verifyCertificate(pki.at, pki.root)).toMatchObject({ ok: false, reason: "issuer_mismatch" });
    const forged: Certificate = { ...pki.at, toBeSigned: { ...pki.at.toBeSigned, crlSeries: 9 } };
    expect(verifyCertificate(forged, pki.aa)).toMatchObject({ ok: false, reason: "bad_signature" });
    const other = createTestPki({ now });
    expect(
      verifyCertificateChain([pki.at, pki.aa, pki.root], { now, isTrustedRoot: trusted(other.root) }),
    ).toMatchObject({
      ok: false,
      reason: "untrusted_root",
    });
    expect(verifyCertificate(pki.at, pki.aa, { now: new Date(now.getTime() + 30 * 24 * 3_600_000) })).toMatchObject({
      ok: false,
      reason: "expired_certificate",
    });
  });

  const issueAt = (change: Partial<Certificate["toBeSigned"]>) => {
    const key = generateP256();
    return issueCertificate({
      toBeSigned: {
        ...toBeSigned({
          key: key.publicKey,
          start: new Date(now.getTime() - 3_600_000),
          hours: 24,
          appPermissions: [{ psid: PSID.cam }],
        }),
        ...change,
      },
      issuer: { certificate: pki.aa, privateKey: pki.aaKey.privateKey },
    });
  };

  it("refuses permissions, regions and validity beyond the issuer's", () => {
    expect(verifyCertificate(issueAt({ appPermissions: [{ psid: 0x8007 }] }), pki.aa)).toMatchObject({
      ok: false,
      reason: "psid_not_permitted",
      detail: "issuer may not grant PSID 32775 with this SSP to an end entity",
    });
    const wide = issueAt({ region: { type: "circularRegion", center: SHANGHAI, radius: 65_000 } });
    expect(verifyCertificate(wide, pki.aa)).toMatchObject({ ok: false, reason: "outside_region" });
    const rect = issueAt({
      region: {
        type: "rectangularRegion",
        rectangles: [
          {
            northWest: { latitude: SHANGHAI.latitude + 1_000_000, longitude: SHANGHAI.longitude - 1_000_000 },
            southEast: { latitude: SHANGHAI.latitude - 1_000_000, longitude: SHANGHAI.longitude + 1_000_000 },
          },
        ],
      },
    });
    expect(verifyCertificate(rect, pki.aa).ok).toBe(true); // ±0.1° (~11 km) fits the 60 km circle
    const country = issueAt({ region: { type: "identifiedRegion", regions: [{ type: "countryOnly", country: 156 }] } });
    expect(verifyCertificate(country, pki.aa)).toMatchObject({ ok: false, reason: "unsupported" });
    const longLived = issueAt({
      validityPeriod: { start: time32FromDate(now), duration: { unit: "years", value: 2 } },
    });
    expect(verifyCertificate(longLived, pki.aa)).toMatchObject({ ok: false, reason: "expired_certificate" });
  });

  it("a CA may delegate only within its chain length (root allows CAs two levels down, AA only end entities)", () => {
    const subCaKey = generateP256();
    const subCa = issueCertificate({
      toBeSigned: toBeSigned({
        key: subCaKey.publicKey,
        start: new Date(now.getTime() - 3_600_000),
        hours: 24,
        certIssuePermissions: [{ subjectPermissions: { type: "explicit", ranges: [{ psid: PSID.cam }] } }],
      }),
      issuer: { certificate: pki.aa, privateKey: pki.aaKey.privateKey },
    });
    expect(verifyCertificate(subCa, pki.aa)).toMatchObject({ ok: false, reason: "psid_not_permitted" });
    expect(certificateHashes(subCa).digest).toHaveLength(8);
  });
});
