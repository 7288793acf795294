// The root CA's and the pseudonym CA's P-256 keys and IEEE 1609.2 certificates: created on the first run, loaded on
// every later one. They live in <home>/pki/ca/ (keys as PKCS#8 PEM, mode 0600; certificates as COER hex). The
// folder is written whole under a temporary name and renamed into place, so a crash during the first run leaves
// either no CA or a complete one, never a key without its certificate.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { EnvironmentError } from "@amc/utils";
import {
  type Certificate,
  CertificateCodec,
  certificateDigest,
  issueCertificate,
  type PsidSsp,
  pointFromPublicKey,
  publicKeyFromPoint,
  time32FromDate,
  toHex,
  verifyCertificate,
} from "@amc/v2x";

export type CaMaterial = {
  root: Certificate;
  rootKey: KeyObject;
  pca: Certificate;
  pcaKey: KeyObject;
  rootBytes: Uint8Array;
  pcaBytes: Uint8Array;
  /** HashedId8 of the root certificate: its key in the main chain's V2xTrustStore. */
  rootDigest: Uint8Array;
  pcaDigest: Uint8Array;
};

export type CaOptions = {
  /** Names the certificates (IEEE 1609.2 CertificateId name), e.g. the topology's network. */
  name: string;
  /** What the PCA may put in tickets. */
  appPermissions: PsidSsp[];
  now: Date;
  /** Validity of the root and the PCA (default 10 and 3 years). */
  rootYears?: number;
  pcaYears?: number;
};

const files = { rootKey: "root.key.pem", root: "root.cert", pcaKey: "pca.key.pem", pca: "pca.cert" } as const;

function writeSecret(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600, flag: "wx" });
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const generateP256 = () => generateKeyPairSync("ec", { namedCurve: "P-256" });

function create(options: CaOptions): { root: Certificate; rootKey: KeyObject; pca: Certificate; pcaKey: KeyObject } {
  // An hour of slack before now: a verifier's clock may run behind ours.
  const start = time32FromDate(new Date(options.now.getTime() - 3_600_000));
  const root = generateP256();
  const pca = generateP256();
  const rootCert = issueCertificate({
    toBeSigned: {
      id: { type: "name", name: `amc-${options.name}-root` },
      cracaId: new Uint8Array(3),
      crlSeries: 0,
      validityPeriod: { start, duration: { unit: "years", value: options.rootYears ?? 10 } },
      // The root delegates everything, through at least one CA (the PCA) before end entities.
      certIssuePermissions: [{ subjectPermissions: { type: "all" }, minChainLength: 2, chainLengthRange: -1 }],
      verifyKeyIndicator: {
        type: "verificationKey",
        key: { type: "ecdsaNistP256", point: pointFromPublicKey(root.publicKey) },
      },
    },
    issuer: { certificate: "self", privateKey: root.privateKey },
  });
  const pcaCert = issueCertificate({
    toBeSigned: {
      id: { type: "name", name: `amc-${options.name}-pca` },
      cracaId: new Uint8Array(3),
      crlSeries: 0,
      validityPeriod: { start, duration: { unit: "years", value: options.pcaYears ?? 3 } },
      certIssuePermissions: [
        { subjectPermissions: { type: "explicit", ranges: options.appPermissions.map((p) => ({ psid: p.psid })) } },
      ],
      verifyKeyIndicator: {
        type: "verificationKey",
        key: { type: "ecdsaNistP256", point: pointFromPublicKey(pca.publicKey) },
      },
    },
    issuer: { certificate: rootCert, privateKey: root.privateKey },
  });
  return { root: rootCert, rootKey: root.privateKey, pca: pcaCert, pcaKey: pca.privateKey };
}

function material(root: Certificate, rootKey: KeyObject, pca: Certificate, pcaKey: KeyObject): CaMaterial {
  return {
    root,
    rootKey,
    pca,
    pcaKey,
    rootBytes: CertificateCodec.encode(root),
    pcaBytes: CertificateCodec.encode(pca),
    rootDigest: certificateDigest(root),
    pcaDigest: certificateDigest(pca),
  };
}

function keyMatches(certificate: Certificate, key: KeyObject): boolean {
  const vki = certificate.toBeSigned.verifyKeyIndicator;
  if (vki.type !== "verificationKey" || vki.key.type !== "ecdsaNistP256") return false;
  return publicKeyFromPoint(vki.key.point).equals(createPublicKey(key));
}

function load(dir: string): CaMaterial {
  const read = (name: string) => readFileSync(join(dir, name), "utf8");
  const broken = (what: string, cause?: unknown) =>
    new EnvironmentError(`the PKI's CA material in ${dir} is broken: ${what}`, {
      fix: `restore ${dir} from a backup, or delete ${dir} to create a new root (which must then be trusted again)`,
      cause,
    });
  try {
    const rootKey = createPrivateKey(read(files.rootKey));
    const pcaKey = createPrivateKey(read(files.pcaKey));
    const root = CertificateCodec.decode(Buffer.from(read(files.root).trim(), "hex"));
    const pca = CertificateCodec.decode(Buffer.from(read(files.pca).trim(), "hex"));
    if (!keyMatches(root, rootKey)) throw broken("root.key.pem is not the root certificate's key");
    if (!keyMatches(pca, pcaKey)) throw broken("pca.key.pem is not the PCA certificate's key");
    const rootCheck = verifyCertificate(root, "self");
    if (!rootCheck.ok) throw broken(`the root certificate: ${rootCheck.detail}`);
    const pcaCheck = verifyCertificate(pca, root);
    if (!pcaCheck.ok) throw broken(`the PCA certificate: ${pcaCheck.detail}`);
    return material(root, rootKey, pca, pcaKey);
  } catch (error) {
    if (error instanceof EnvironmentError) throw error;
    throw broken("a file is missing or unreadable", error);
  }
}

/** Loads the CA of `<pkiDir>/ca`, or creates it when there is none; `created` says which. */
export function loadOrCreateCa(pkiDir: string, options: CaOptions): { ca: CaMaterial; created: boolean } {
  const dir = join(pkiDir, "ca");
  if (existsSync(dir)) return { ca: load(dir), created: false };
  // Leftovers of a first run that crashed before its rename.
  for (const name of readdirSync(pkiDir))
    if (/^ca\.\d+\.tmp$/.test(name)) rmSync(join(pkiDir, name), { recursive: true, force: true });
  const made = create(options);
  const temporary = join(pkiDir, `ca.${process.pid}.tmp`);
  mkdirSync(temporary, { mode: 0o700 });
  writeSecret(join(temporary, files.rootKey), made.rootKey.export({ type: "pkcs8", format: "pem" }).toString());
  writeSecret(join(temporary, files.pcaKey), made.pcaKey.export({ type: "pkcs8", format: "pem" }).toString());
  writeSecret(join(temporary, files.root), `${toHex(CertificateCodec.encode(made.root))}\n`);
  writeSecret(join(temporary, files.pca), `${toHex(CertificateCodec.encode(made.pca))}\n`);
  renameSync(temporary, dir);
  return { ca: material(made.root, made.rootKey, made.pca, made.pcaKey), created: true };
}
