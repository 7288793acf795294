// A small three-level V2X PKI for tests and benchmarks: a self-signed root CA, an authorization authority (AA,
// the pseudonym CA) and an authorization ticket (AT) with linkage data, shaped like ETSI TS 103 097 v2.1.1 /
// IEEE 1609.2 certificates. Nothing here is for production keys.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { certificateHashes, toHex } from "./hash.js";
import { pointFromPublicKey } from "./keys.js";
import { issueCertificate } from "./sign.js";
import { time32FromDate } from "./time.js";
import type { Certificate, GeographicRegion, HashedId8, PsidSsp, ToBeSignedCertificate } from "./types.js";

export type KeyPair = { publicKey: KeyObject; privateKey: KeyObject };

export const generateP256 = (): KeyPair => generateKeyPairSync("ec", { namedCurve: "P-256" });

/** PSIDs (IEEE 1609.12 / ETSI TS 102 965): CAM 36, DENM 37, BSM 32, and one of ours for CBOR platform messages. */
export const PSID = { cam: 36, denm: 37, bsm: 32 } as const;

export type TbsOptions = {
  key: KeyObject;
  start: Date;
  /** Validity in hours. */
  hours: number;
  region?: GeographicRegion | undefined;
  appPermissions?: PsidSsp[] | undefined;
  certIssuePermissions?: ToBeSignedCertificate["certIssuePermissions"];
  id?: ToBeSignedCertificate["id"] | undefined;
};

export function toBeSigned(options: TbsOptions): ToBeSignedCertificate {
  const tbs: ToBeSignedCertificate = {
    id: options.id ?? { type: "none" },
    cracaId: new Uint8Array(3),
    crlSeries: 0,
    validityPeriod: { start: time32FromDate(options.start), duration: { unit: "hours", value: options.hours } },
    verifyKeyIndicator: {
      type: "verificationKey",
      key: { type: "ecdsaNistP256", point: pointFromPublicKey(options.key) },
    },
  };
  if (options.region !== undefined) tbs.region = options.region;
  if (options.appPermissions !== undefined) tbs.appPermissions = options.appPermissions;
  if (options.certIssuePermissions !== undefined) tbs.certIssuePermissions = options.certIssuePermissions;
  return tbs;
}

/** Shanghai, as a centre for test regions (1/10 microdegree). */
export const SHANGHAI = { latitude: 312_304_000, longitude: 1_214_737_000 };

export type TestPki = {
  root: Certificate;
  aa: Certificate;
  at: Certificate;
  rootKey: KeyPair;
  aaKey: KeyPair;
  atKey: KeyPair;
  /** Trust store: root, AA and (unless `withTicket` is false) the AT. */
  store: Map<string, Certificate>;
  certificateByDigest: (digest: HashedId8) => Certificate | undefined;
};

/**
 * Root (worldwide, may delegate all PSIDs two or more levels down) → AA (circle 60 km around Shanghai, may issue
 * CAM/DENM/BSM tickets) → AT (circle 20 km, CAM with a bitmap SSP, DENM).
 */
export function createTestPki(options: { now?: Date; withTicket?: boolean } = {}): TestPki {
  const now = options.now ?? new Date();
  const start = new Date(now.getTime() - 3_600_000);
  const rootKey = generateP256();
  const aaKey = generateP256();
  const atKey = generateP256();
  const root = issueCertificate({
    toBeSigned: {
      ...toBeSigned({
        key: rootKey.publicKey,
        start,
        hours: 24 * 365,
        certIssuePermissions: [{ subjectPermissions: { type: "all" }, minChainLength: 2, chainLengthRange: -1 }],
      }),
      id: { type: "name", name: "amc-root" },
    },
    issuer: { certificate: "self", privateKey: rootKey.privateKey },
  });
  const aa = issueCertificate({
    toBeSigned: {
      ...toBeSigned({
        key: aaKey.publicKey,
        start,
        hours: 24 * 30,
        region: { type: "circularRegion", center: SHANGHAI, radius: 60_000 },
        certIssuePermissions: [
          {
            subjectPermissions: {
              type: "explicit",
              ranges: [{ psid: PSID.cam }, { psid: PSID.denm }, { psid: PSID.bsm }],
            },
          },
        ],
      }),
      id: { type: "name", name: "amc-aa" },
    },
    issuer: { certificate: root, privateKey: rootKey.privateKey },
  });
  const at = issueCertificate({
    toBeSigned: toBeSigned({
      key: atKey.publicKey,
      start,
      hours: 24 * 7,
      region: { type: "circularRegion", center: SHANGHAI, radius: 20_000 },
      appPermissions: [
        { psid: PSID.cam, ssp: { type: "bitmapSsp", bytes: Uint8Array.of(1, 0, 0) } },
        { psid: PSID.denm },
      ],
      id: {
        type: "linkageData",
        linkageData: { iCert: 7, linkageValue: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) },
      },
    }),
    issuer: { certificate: aa, privateKey: aaKey.privateKey },
  });
  const store = new Map<string, Certificate>();
  for (const c of options.withTicket === false ? [root, aa] : [root, aa, at])
    store.set(toHex(certificateHashes(c).digest), c);
  return { root, aa, at, rootKey, aaKey, atKey, store, certificateByDigest: (d) => store.get(toHex(d)) };
}
