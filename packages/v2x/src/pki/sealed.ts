// Sealed boxes between PKI authorities (an LA sealing pre-linkage values for the pseudonym CA, an LA sealing a
// linkage-chain id for itself): ephemeral-static X25519, HKDF-SHA256, AES-256-GCM — the ECIES construction of
// SEC 1 v2 section 5.1 with X25519 and an AEAD, as in HPKE base mode (RFC 9180) without its framing. Each seal
// uses a fresh ephemeral key, so equal plaintexts give unlinkable ciphertexts.
import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { InvalidInputError } from "@amc/utils";

export type BoxKeyPair = { publicKey: KeyObject; privateKey: KeyObject; publicRaw: Uint8Array };

export function boxKeyPair(): BoxKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("x25519");
  const publicRaw = new Uint8Array(publicKey.export({ format: "der", type: "spki" }).subarray(-32));
  return { publicKey, privateKey, publicRaw };
}

function keyFrom(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new InvalidInputError("an X25519 public key has 32 bytes");
  const der = Buffer.concat([Buffer.from("302a300506032b656e032100", "hex"), raw]);
  return createPublicKey({ key: der, format: "der", type: "spki" });
}

function derive(shared: Buffer, ephemeral: Uint8Array, recipient: Uint8Array, info: string): Buffer {
  return Buffer.from(
    hkdfSync("sha256", shared, Buffer.concat([ephemeral, recipient]), Buffer.from(`amc/v2x/seal/${info}`), 32),
  );
}

/** Seals `plaintext` to `recipient` (raw X25519 public key); `info` binds the purpose. */
export function seal(recipient: Uint8Array, plaintext: Uint8Array, info: string): Uint8Array {
  const eph = boxKeyPair();
  const key = derive(
    diffieHellman({ privateKey: eph.privateKey, publicKey: keyFrom(recipient) }),
    eph.publicRaw,
    recipient,
    info,
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([eph.publicRaw, iv, body, cipher.getAuthTag()]));
}

/** Opens a sealed box; throws InvalidInputError when it was not sealed to `keys` for `info` or was altered. */
export function open(keys: BoxKeyPair, box: Uint8Array, info: string): Uint8Array {
  if (box.length < 32 + 12 + 16) throw new InvalidInputError("sealed box too short");
  const ephemeral = box.subarray(0, 32);
  const iv = box.subarray(32, 44);
  const tag = box.subarray(box.length - 16);
  const body = box.subarray(44, box.length - 16);
  const key = derive(
    diffieHellman({ privateKey: keys.privateKey, publicKey: keyFrom(ephemeral) }),
    ephemeral,
    keys.publicRaw,
    info,
  );
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAuthTag(tag);
  try {
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch (error) {
    throw new InvalidInputError("sealed box does not open with this key", { cause: error });
  }
}
