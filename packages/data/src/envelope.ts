// The vault's object envelope: what a vehicle uploads and what a consumer opens. Nothing in it lets the platform
// read the data.
//
//   plaintext  = salt (32 random bytes) ‖ data
//   ciphertext = iv (12) ‖ AES-256-GCM(dataKey, plaintext, aad = sha256(canonical meta)) ‖ tag (16)
//   capsule, K = Umbral.encapsulate(owner's delegating public key)         (K: 32-byte key only the owner — or a
//   wrappedKey = iv (12) ‖ AES-256-GCM(K, dataKey, aad = "amc/vault/wrap/v1") ‖ tag    consumer holding enough
//   saltedHash = keccak256(salt ‖ data)          (anchored in DataLedger)          re-encrypted fragments — opens)
//
// The vehicle signs `uploadDigest` (sha256 of the canonical JSON of meta, the ciphertext's sha256, capsule,
// wrappedKey and saltedHash) with its DID's assertion key (ES256). The salt stays inside the ciphertext, so the
// anchored hash reveals nothing even for low-entropy data (a guessed speed cannot be hashed and compared), while
// whoever decrypts can check the data against the chain. Crypto-shredding deletes capsule and wrappedKey — the only
// enclosures of the data key — so the ciphertext, wherever a copy survives, can no longer be opened.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import { bytesToHex, concatBytes, type Hex, hexToBytes, keccak256 } from "viem";
import { z } from "zod";
import { canonicalJson } from "./canonical.js";
import { dataClassSchema, regionSchema } from "./policy.js";

export const SALT_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_AAD = Buffer.from("amc/vault/wrap/v1");

const didSchema = z.string().regex(/^did:amc:[a-z0-9-]+:[0-9a-f]{64}$/, "a did:amc DID (network, 32-byte id in hex)");

/** What the owner (and every reader) may know about an object without decrypting it. */
export const objectMetaSchema = z.object({
  /** The vehicle the data is about (its DID); the vehicle's controller is the data's owner. */
  subject: didSchema,
  /** The data kind: one of the consent scopes (e.g. "telemetry", "location"). */
  kind: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
  dataClass: dataClassSchema,
  region: regionSchema,
  /** Unix seconds when the vehicle produced it. */
  createdAt: z.number().int().positive(),
  /** Unix seconds; absent = the class maximum (policy.ts). */
  retainUntil: z.number().int().positive().optional(),
  contentType: z.string().min(1).max(100).default("application/octet-stream"),
});
export type ObjectMeta = z.infer<typeof objectMetaSchema>;

export type SealedObject = {
  meta: ObjectMeta;
  ciphertext: Uint8Array;
  capsule: Uint8Array;
  wrappedKey: Uint8Array;
  saltedHash: Hex;
};

export type KeyEncapsulation = {
  encapsulate(delegatingPk: Uint8Array): { capsule: Uint8Array; key: Uint8Array };
};

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest();

export const metaDigest = (meta: ObjectMeta): Buffer => sha256(canonicalJson(meta));

function gcmSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return concatBytes([iv, body, cipher.getAuthTag()]);
}

function gcmOpen(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array, what: string): Uint8Array {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new InvalidInputError(`${what} is too short`);
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new InvalidInputError(`${what} does not decrypt: wrong key or altered bytes`);
  }
}

/** Encrypts `data` for the owner whose Umbral public key is `ownerPk` (what the vehicle does before uploading). */
export function sealObject(
  kem: KeyEncapsulation,
  meta: ObjectMeta,
  data: Uint8Array,
  ownerPk: Uint8Array,
): SealedObject {
  const parsed = objectMetaSchema.parse(meta);
  const salt = randomBytes(SALT_BYTES);
  const dataKey = randomBytes(32);
  const ciphertext = gcmSeal(dataKey, concatBytes([salt, data]), metaDigest(parsed));
  const { capsule, key } = kem.encapsulate(ownerPk);
  const wrappedKey = gcmSeal(key, dataKey, WRAP_AAD);
  dataKey.fill(0);
  return { meta: parsed, ciphertext, capsule, wrappedKey, saltedHash: keccak256(concatBytes([salt, data])) };
}

/** Opens an object with the capsule's symmetric key K (from decapsulation); checks the salted hash. */
export function openObject(
  sealed: Pick<SealedObject, "meta" | "ciphertext" | "wrappedKey" | "saltedHash">,
  key: Uint8Array,
): { data: Uint8Array; salt: Uint8Array } {
  const dataKey = gcmOpen(key, sealed.wrappedKey, WRAP_AAD, "the wrapped data key");
  if (dataKey.length !== 32) throw new InvalidInputError("the wrapped data key is not 32 bytes");
  const plaintext = gcmOpen(dataKey, sealed.ciphertext, metaDigest(sealed.meta), "the object");
  if (plaintext.length < SALT_BYTES) throw new InvalidInputError("the object is shorter than its salt");
  const salt = plaintext.subarray(0, SALT_BYTES);
  const data = plaintext.subarray(SALT_BYTES);
  if (keccak256(plaintext) !== sealed.saltedHash)
    throw new InvalidInputError("the decrypted object does not match its salted hash");
  return { data, salt };
}

/** The digest the vehicle signs: binds metadata, ciphertext, key enclosure and anchored hash together. */
export function uploadDigest(sealed: SealedObject): Buffer {
  return sha256(
    canonicalJson({
      v: 1,
      meta: sealed.meta,
      ciphertextSha256: sha256(sealed.ciphertext).toString("hex"),
      capsule: bytesToHex(sealed.capsule),
      wrappedKey: bytesToHex(sealed.wrappedKey),
      saltedHash: sealed.saltedHash,
    }),
  );
}

/** The object's id (bytes32): keccak256 of the upload digest, so the same upload always has the same id. */
export const objectIdOf = (sealed: SealedObject): Hex => keccak256(uploadDigest(sealed));

/** The JSON an upload travels as (HTTP body, files). */
export const uploadSchema = z.object({
  meta: objectMetaSchema,
  ciphertext: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64"),
  capsule: z.string().regex(/^0x[0-9a-f]+$/),
  wrappedKey: z.string().regex(/^0x[0-9a-f]+$/),
  saltedHash: z.string().regex(/^0x[0-9a-f]{64}$/),
  /** The vehicle DID's verification method that signed (`<did>#<fragment>`). */
  kid: z.string().min(1).max(400),
  /** ES256 (IEEE P1363, base64url) over `uploadDigest`. */
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, "a base64url P-256 signature (64 bytes)"),
});
export type Upload = z.infer<typeof uploadSchema>;

export function toUpload(sealed: SealedObject, kid: string, signature: Uint8Array): Upload {
  return {
    meta: sealed.meta,
    ciphertext: Buffer.from(sealed.ciphertext).toString("base64"),
    capsule: bytesToHex(sealed.capsule),
    wrappedKey: bytesToHex(sealed.wrappedKey),
    saltedHash: sealed.saltedHash,
    kid,
    signature: Buffer.from(signature).toString("base64url"),
  };
}

export function fromUpload(upload: Upload): SealedObject {
  return {
    meta: upload.meta,
    ciphertext: new Uint8Array(Buffer.from(upload.ciphertext, "base64")),
    capsule: hexToBytes(upload.capsule as Hex),
    wrappedKey: hexToBytes(upload.wrappedKey as Hex),
    saltedHash: upload.saltedHash as Hex,
  };
}
