// Cross-checks against @nucypher/umbral-pre 0.10 (rust-umbral in WebAssembly), the reference implementation.
// It is GPL-3.0 and a test-only dependency: imported here and in the benchmark, never by library code.
import { xchacha20poly1305 } from "@noble/ciphers/chacha";
import * as oracle from "@nucypher/umbral-pre";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withArena } from "./arithmetic.js";
import { ecdsaSign, ecdsaVerify } from "./ecdsa.js";
import { paramsU } from "./hashing.js";
import {
  capsuleFromBytes,
  capsuleToBytes,
  capsuleToBytesSimple,
  cfragFromBytes,
  cfragToBytes,
  cfragToBytesSimple,
  decapsulateOriginal,
  decapsulateReencrypted,
  decryptOriginal,
  decryptReencrypted,
  encrypt,
  generateKFrags,
  generateSecretKey,
  kfragFromBytes,
  kfragToBytes,
  publicKeyOf,
  reencrypt,
  verifyCFrag,
  verifyKFrag,
} from "./index.js";
import { parsePublicKey } from "./keys.js";
import { bytesToScalar } from "./scalar.js";

const text = (s: string) => new TextEncoder().encode(s);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A key pair known to both implementations. */
function party() {
  const sk = generateSecretKey();
  const theirs = oracle.SecretKey.fromBEBytes(sk);
  return { sk, pk: publicKeyOf(sk), oracleSk: theirs, oraclePk: theirs.publicKey() };
}

function world() {
  const alice = party();
  const bob = party();
  const signer = party();
  const keys = { verifyingPk: signer.pk, delegatingPk: alice.pk, receivingPk: bob.pk };
  return { alice, bob, signer, keys };
}

describe("deterministic constructions are byte-identical", () => {
  it("derives the same public key bytes from the same secret key", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const sk = oracle.SecretKeyFactory.fromSecureRandomness(seed).makeKey(text("amc")).toBEBytes();
        expect(publicKeyOf(sk)).toEqual(oracle.SecretKey.fromBEBytes(sk).publicKey().toCompressedBytes());
      }),
      { seed: 7, numRuns: 50 },
    );
    const one = new Uint8Array(32);
    one[31] = 1;
    expect(publicKeyOf(one)).toEqual(oracle.SecretKey.fromBEBytes(one).publicKey().toCompressedBytes());
  });

  it("uses the same second generator U = hash_to_curve(POINT_U, DST PARAMETERS)", () => {
    const coordinates = new oracle.Parameters().u.coordinates();
    expect(coordinates).toBeDefined();
    const [x] = coordinates ?? [new Uint8Array()];
    expect(paramsU().point.toBytes().slice(1)).toEqual(x);
  });

  it("parses oracle capsules, kfrags and cfrags and re-serialises them to the same bytes", () => {
    const { alice, bob, signer } = world();
    const [capsule] = oracle.encrypt(alice.oraclePk, text("x"));
    expect(capsuleToBytes(capsuleFromBytes(capsule.toBytes()))).toEqual(capsule.toBytes());
    expect(capsuleToBytesSimple(capsuleFromBytes(capsule.toBytes()))).toEqual(capsule.toBytesSimple());
    expect(capsuleToBytes(capsuleFromBytes(capsule.toBytesSimple()))).toEqual(capsule.toBytes());
    const kfrags = oracle.generateKFrags(
      alice.oracleSk,
      bob.oraclePk,
      new oracle.Signer(signer.oracleSk),
      2,
      3,
      true,
      false,
    );
    for (const kfrag of kfrags) {
      expect(kfragToBytes(kfragFromBytes(kfrag.toBytes()))).toEqual(kfrag.toBytes());
      const cfrag = oracle.reencrypt(capsule, kfrag);
      expect(cfragToBytes(cfragFromBytes(cfrag.toBytes()))).toEqual(cfrag.toBytes());
      expect(cfragToBytesSimple(cfragFromBytes(cfrag.toBytes()))).toEqual(cfrag.toBytesSimple());
    }
  });

  it("agrees with the oracle on ECDSA signatures in both directions", () => {
    const signer = party();
    const message = text("kfrag signature message");
    const theirs = new oracle.Signer(signer.oracleSk).sign(message).toBEBytes();
    withArena(() => {
      const pk = parsePublicKey(signer.pk, "pk");
      expect(ecdsaVerify(theirs, message, pk)).toBe(true);
      const ours = ecdsaSign(message, bytesToScalar(signer.sk));
      expect(oracle.Signature.fromBEBytes(ours).verify(signer.oraclePk, message)).toBe(true);
      expect(oracle.Signature.fromBEBytes(ours).verify(signer.oraclePk, text("another message"))).toBe(false);
    });
  });
});

describe("capsules and the KEM key interoperate", () => {
  it("opens oracle capsules with decapsulateOriginal: the key decrypts the oracle's ciphertext", () => {
    const alice = party();
    const [capsule, ciphertext] = oracle.encrypt(alice.oraclePk, text("from the oracle"));
    const parsed = capsuleFromBytes(capsule.toBytes());
    const key = decapsulateOriginal(alice.sk, parsed);
    const raw = xchacha20poly1305(key, ciphertext.subarray(0, 24), capsule.toBytesSimple()).decrypt(
      ciphertext.subarray(24),
    );
    expect(decode(raw)).toBe("from the oracle");
    expect(decode(decryptOriginal(alice.sk, parsed, ciphertext))).toBe("from the oracle");
  });

  it("makes capsules and ciphertexts the oracle opens", () => {
    const alice = party();
    const { capsule, ciphertext } = encrypt(alice.pk, text("from us"));
    const theirs = oracle.Capsule.fromBytes(capsuleToBytes(capsule));
    expect(decode(oracle.decryptOriginal(alice.oracleSk, theirs, ciphertext))).toBe("from us");
    expect(theirs.toBytesSimple()).toEqual(capsuleToBytesSimple(capsule));
  });

  it("rejects what the oracle rejects: a capsule whose signature does not match its points", () => {
    const alice = party();
    const [capsule] = oracle.encrypt(alice.oraclePk, text("x"));
    const bytes = capsule.toBytes();
    bytes[104] = (bytes[104] ?? 0) ^ 1;
    expect(() => oracle.Capsule.fromBytes(bytes)).toThrow(/self-verification/);
    expect(() => capsuleFromBytes(bytes)).toThrow(/fails its self-verification/);
  });
});

describe("re-encryption interoperates in both directions", () => {
  it("takes oracle kfrags: verifies and re-encrypts them; the oracle verifies and opens our cfrags", () => {
    const { alice, bob, signer, keys } = world();
    const [capsule, ciphertext] = oracle.encrypt(alice.oraclePk, text("oracle kfrags"));
    const theirKfrags = oracle.generateKFrags(
      alice.oracleSk,
      bob.oraclePk,
      new oracle.Signer(signer.oracleSk),
      2,
      3,
      true,
      true,
    );
    const kfrags = theirKfrags.map((kfrag) => kfragFromBytes(kfrag.toBytes()));
    for (const kfrag of kfrags) expect(verifyKFrag(kfrag, keys)).toBe(true);
    const ours = capsuleFromBytes(capsule.toBytes());
    const cfrags = [reencrypt(ours, kfrags[0]!), reencrypt(ours, kfrags[2]!)];
    const verified = cfrags.map((cfrag) =>
      oracle.CapsuleFrag.fromBytes(cfragToBytes(cfrag)).verify(capsule, signer.oraclePk, alice.oraclePk, bob.oraclePk),
    );
    expect(decode(oracle.decryptReencrypted(bob.oracleSk, alice.oraclePk, capsule, verified, ciphertext))).toBe(
      "oracle kfrags",
    );
  });

  it("gives our kfrags to the oracle: it verifies and re-encrypts them; we verify and open its cfrags", () => {
    const { alice, bob, signer, keys } = world();
    const { capsule, ciphertext } = encrypt(alice.pk, text("our kfrags"));
    const theirCapsule = oracle.Capsule.fromBytes(capsuleToBytes(capsule));
    const kfrags = generateKFrags({
      delegatingSk: alice.sk,
      receivingPk: bob.pk,
      signerSk: signer.sk,
      threshold: 3,
      shares: 4,
    });
    const theirCfrags = kfrags.slice(1).map((kfrag) => {
      const verified = oracle.KeyFrag.fromBytes(kfragToBytes(kfrag)).verify(
        signer.oraclePk,
        alice.oraclePk,
        bob.oraclePk,
      );
      return oracle.reencrypt(theirCapsule, verified);
    });
    const cfrags = theirCfrags.map((cfrag) => cfragFromBytes(cfrag.toBytes()));
    for (const cfrag of cfrags) expect(verifyCFrag(cfrag, capsule, keys)).toBe(true);
    const plaintext = decryptReencrypted({ receivingSk: bob.sk, delegatingPk: alice.pk, capsule, cfrags, ciphertext });
    expect(decode(plaintext)).toBe("our kfrags");
  });

  it("derives the same symmetric key on every path: original, our cfrags, the oracle's cfrags, mixed", () => {
    const { alice, bob, signer } = world();
    const [capsule, ciphertext] = oracle.encrypt(alice.oraclePk, text("one key"));
    const ours = capsuleFromBytes(capsule.toBytes());
    const theirKfrags = oracle.generateKFrags(
      alice.oracleSk,
      bob.oraclePk,
      new oracle.Signer(signer.oracleSk),
      2,
      3,
      true,
      true,
    );
    const theirCfrags = theirKfrags.map((kfrag) => cfragFromBytes(oracle.reencrypt(capsule, kfrag).toBytes()));
    const ourCfrags = theirKfrags.map((kfrag) => reencrypt(ours, kfragFromBytes(kfrag.toBytes())));
    const open = (cfrags: typeof ourCfrags) =>
      decapsulateReencrypted({ receivingSk: bob.sk, delegatingPk: alice.pk, capsule: ours, cfrags });
    const key = decapsulateOriginal(alice.sk, ours);
    expect(open([ourCfrags[0]!, ourCfrags[1]!])).toEqual(key);
    expect(open([theirCfrags[1]!, theirCfrags[2]!])).toEqual(key);
    expect(open([theirCfrags[0]!, ourCfrags[2]!])).toEqual(key);
    // And it is the key the oracle's DEM used.
    expect(
      decode(
        xchacha20poly1305(key, ciphertext.subarray(0, 24), capsule.toBytesSimple()).decrypt(ciphertext.subarray(24)),
      ),
    ).toBe("one key");
  });

  it("agrees with the oracle on tampering: a kfrag with a changed key fails both verifications", () => {
    const { alice, bob, signer, keys } = world();
    const kfrag = oracle.generateKFrags(
      alice.oracleSk,
      bob.oraclePk,
      new oracle.Signer(signer.oracleSk),
      1,
      1,
      true,
      true,
    )[0]!;
    const bytes = kfrag.toBytes();
    bytes[100] = (bytes[100] ?? 0) ^ 1; // inside the key rk
    expect(() => oracle.KeyFrag.fromBytes(bytes).verify(signer.oraclePk, alice.oraclePk, bob.oraclePk)).toThrow();
    expect(verifyKFrag(kfragFromBytes(bytes), keys)).toBe(false);
  });
});
