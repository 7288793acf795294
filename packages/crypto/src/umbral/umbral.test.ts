import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { umbral } from "../index.js";
import {
  type Capsule,
  type CapsuleFrag,
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
  encapsulate,
  encrypt,
  generateKFrags,
  generateSecretKey,
  type KeyFrag,
  kfragFromBytes,
  kfragToBytes,
  publicKeyOf,
  reencrypt,
  verifyCFrag,
  verifyKFrag,
} from "./index.js";

const SEED = 0x0b0b;
const text = (s: string) => new TextEncoder().encode(s);

function party() {
  const sk = generateSecretKey();
  return { sk, pk: publicKeyOf(sk) };
}

/** Alice delegates to Bob through `shares` proxies, any `threshold` of which suffice. */
function setup(threshold: number, shares: number) {
  const alice = party();
  const bob = party();
  const signer = party();
  const kfrags = generateKFrags({
    delegatingSk: alice.sk,
    receivingPk: bob.pk,
    signerSk: signer.sk,
    threshold,
    shares,
  });
  const keys = { verifyingPk: signer.pk, delegatingPk: alice.pk, receivingPk: bob.pk };
  return { alice, bob, signer, kfrags, keys };
}

/** `bytes` with bit `bit` flipped. */
const flip = (bytes: Uint8Array, bit: number): Uint8Array => {
  const out = bytes.slice();
  out[bit >> 3] = (out[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return out;
};

const expectInvalid = (run: () => unknown, message: RegExp) => {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidInputError);
  expect(caught instanceof Error ? caught.message : "").toMatch(message);
};

describe("keys", () => {
  it("makes 32-byte secret keys and 33-byte compressed public keys", () => {
    const { sk, pk } = party();
    expect(sk).toHaveLength(32);
    expect(pk).toHaveLength(33);
    expect([2, 3]).toContain(pk[0]);
    expect(publicKeyOf(sk)).toEqual(pk);
  });

  it("is exported from @amc/crypto as the umbral namespace", () => {
    expect(umbral.publicKeyOf).toBe(publicKeyOf);
    expect(typeof umbral.reencrypt).toBe("function");
  });
});

describe("encapsulation and the original owner's decapsulation", () => {
  it("gives the owner the encapsulated 32-byte key", () => {
    const alice = party();
    const { capsule, key } = encapsulate(alice.pk);
    expect(key).toHaveLength(32);
    expect(decapsulateOriginal(alice.sk, capsule)).toEqual(key);
    expect(decapsulateOriginal(party().sk, capsule)).not.toEqual(key);
    expect(encapsulate(alice.pk).key).not.toEqual(key);
  });

  it("encrypts and decrypts with the DEM, and refuses a tampered ciphertext or a foreign capsule", () => {
    const alice = party();
    const { capsule, ciphertext } = encrypt(alice.pk, text("odometer: 48 211 km"));
    expect(new TextDecoder().decode(decryptOriginal(alice.sk, capsule, ciphertext))).toBe("odometer: 48 211 km");
    expectInvalid(() => decryptOriginal(alice.sk, capsule, flip(ciphertext, 200)), /does not decrypt/);
    expectInvalid(
      () => decryptOriginal(alice.sk, encrypt(alice.pk, text("x")).capsule, ciphertext),
      /does not decrypt/,
    );
    expectInvalid(() => decryptOriginal(alice.sk, capsule, ciphertext.slice(0, 30)), /at least 40 bytes/);
  });
});

describe("threshold re-encryption", () => {
  it("opens with any `threshold` distinct cfrags and not with fewer", () => {
    const { alice, bob, kfrags, keys } = setup(3, 5);
    const { capsule, key } = encapsulate(alice.pk);
    const cfrags = kfrags.map((kfrag) => reencrypt(capsule, kfrag));
    for (const cfrag of cfrags) expect(verifyCFrag(cfrag, capsule, keys)).toBe(true);
    const open = (subset: CapsuleFrag[]) =>
      decapsulateReencrypted({ receivingSk: bob.sk, delegatingPk: alice.pk, capsule, cfrags: subset });
    for (const subset of [
      [0, 1, 2],
      [4, 2, 0],
      [1, 3, 4],
      [0, 1, 2, 3, 4],
    ]) {
      expect(open(subset.map((i) => cfrags[i]!))).toEqual(key);
    }
    expectInvalid(() => open([cfrags[0]!, cfrags[3]!]), /do not open this capsule/);
    expectInvalid(() => open([cfrags[0]!, cfrags[0]!, cfrags[1]!]), /repeats the kfrag/);
    expectInvalid(() => open([]), /no cfrags/);
  });

  it("with threshold 1, each cfrag opens the capsule alone, and all of them together (they share E1 and V1)", () => {
    const { alice, bob, kfrags } = setup(1, 3);
    const { capsule, key } = encapsulate(alice.pk);
    const cfrags = kfrags.map((kfrag) => reencrypt(capsule, kfrag));
    expect(cfrags[1]!.pointE1.equals(cfrags[0]!.pointE1)).toBe(true);
    const open = (subset: CapsuleFrag[]) =>
      decapsulateReencrypted({ receivingSk: bob.sk, delegatingPk: alice.pk, capsule, cfrags: subset });
    for (const cfrag of cfrags) expect(open([cfrag])).toEqual(key);
    for (let round = 0; round < 10; round++) expect(open(cfrags)).toEqual(key);
  });

  it("fails for another receiver, another capsule, a wrong delegating key and cfrags of two kfrag sets", () => {
    const { alice, bob, signer, kfrags } = setup(2, 3);
    const { capsule } = encapsulate(alice.pk);
    const cfrags = kfrags.slice(0, 2).map((kfrag) => reencrypt(capsule, kfrag));
    const carol = party();
    expectInvalid(
      () => decapsulateReencrypted({ receivingSk: carol.sk, delegatingPk: alice.pk, capsule, cfrags }),
      /do not open this capsule/,
    );
    const other = encapsulate(alice.pk).capsule;
    expectInvalid(
      () => decapsulateReencrypted({ receivingSk: bob.sk, delegatingPk: alice.pk, capsule: other, cfrags }),
      /do not open this capsule/,
    );
    expectInvalid(
      () => decapsulateReencrypted({ receivingSk: bob.sk, delegatingPk: carol.pk, capsule, cfrags }),
      /do not open this capsule/,
    );
    const secondSet = generateKFrags({
      delegatingSk: alice.sk,
      receivingPk: bob.pk,
      signerSk: signer.sk,
      threshold: 2,
      shares: 3,
    });
    const mixed = [cfrags[0]!, reencrypt(capsule, secondSet[1]!)];
    expectInvalid(
      () => decapsulateReencrypted({ receivingSk: bob.sk, delegatingPk: alice.pk, capsule, cfrags: mixed }),
      /different set of kfrags/,
    );
  });

  it("decrypts the DEM ciphertext from cfrags", () => {
    const { alice, bob, kfrags } = setup(2, 3);
    const { capsule, ciphertext } = encrypt(alice.pk, text("service record"));
    const cfrags = [reencrypt(capsule, kfrags[2]!), reencrypt(capsule, kfrags[0]!)];
    const plaintext = decryptReencrypted({ receivingSk: bob.sk, delegatingPk: alice.pk, capsule, cfrags, ciphertext });
    expect(new TextDecoder().decode(plaintext)).toBe("service record");
  });

  it("opens with every threshold-subset, for random thresholds, shares and subsets (property)", () => {
    const scenario = fc.integer({ min: 1, max: 5 }).chain((threshold) =>
      fc.record({
        threshold: fc.constant(threshold),
        shares: fc.integer({ min: threshold, max: 7 }),
        order: fc.array(fc.nat(), { minLength: 7, maxLength: 7 }),
        extra: fc.integer({ min: 0, max: 2 }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ threshold, shares, order, extra }) => {
        const { alice, bob, kfrags, keys } = setup(threshold, shares);
        const { capsule, key } = encapsulate(alice.pk);
        // A random subset of `threshold` (+ up to `extra`) distinct kfrags, in random order.
        const picked = kfrags
          .map((kfrag, i) => ({ kfrag, rank: order[i] ?? 0 }))
          .sort((a, b) => a.rank - b.rank)
          .map(({ kfrag }) => kfrag);
        const enough = picked.slice(0, Math.min(shares, threshold + extra));
        const cfrags = enough.map((kfrag) => reencrypt(capsule, kfrag));
        expect(cfrags.every((cfrag) => verifyCFrag(cfrag, capsule, keys))).toBe(true);
        const open = (subset: CapsuleFrag[]) =>
          decapsulateReencrypted({ receivingSk: bob.sk, delegatingPk: alice.pk, capsule, cfrags: subset });
        expect(open(cfrags)).toEqual(key);
        if (threshold > 1) expect(() => open(cfrags.slice(0, threshold - 1))).toThrow(InvalidInputError);
      }),
      { seed: SEED, numRuns: 25 },
    );
  });
});

describe("verification of kfrags and cfrags", () => {
  const { alice, bob, signer, kfrags, keys } = setup(2, 3);
  const kfrag = kfrags[0]!;
  const { capsule } = encapsulate(alice.pk);
  const cfrag = reencrypt(capsule, kfrag);

  it("accepts genuine fragments", () => {
    expect(verifyKFrag(kfrag, keys)).toBe(true);
    expect(verifyCFrag(cfrag, capsule, keys)).toBe(true);
  });

  it("rejects a kfrag with a tampered key, id, commitment or signature, or checked against other keys", () => {
    const other = party().pk;
    const tampered: KeyFrag[] = [
      { ...kfrag, key: kfrag.key === 1n ? 2n : kfrag.key - 1n },
      { ...kfrag, id: flip(kfrag.id, 3) },
      { ...kfrag, commitment: kfrags[1]!.commitment },
      { ...kfrag, precursor: cfrag.pointE1 },
      { ...kfrag, signatureForProxy: kfrag.signatureForReceiver.slice().reverse() },
    ];
    for (const bad of tampered) expect(verifyKFrag(bad, keys)).toBe(false);
    expect(verifyKFrag(kfrag, { ...keys, verifyingPk: other })).toBe(false);
    expect(verifyKFrag(kfrag, { ...keys, receivingPk: other })).toBe(false);
    expect(verifyKFrag(kfrag, { verifyingPk: signer.pk, delegatingPk: alice.pk })).toBe(false);
  });

  it("lets the delegator choose which keys a proxy must know", () => {
    const loose = generateKFrags({
      delegatingSk: alice.sk,
      receivingPk: bob.pk,
      signerSk: signer.sk,
      threshold: 1,
      shares: 1,
      signDelegatingKey: false,
      signReceivingKey: false,
    })[0]!;
    expect(verifyKFrag(loose, { verifyingPk: signer.pk })).toBe(true);
    const bound = generateKFrags({
      delegatingSk: alice.sk,
      receivingPk: bob.pk,
      signerSk: signer.sk,
      threshold: 1,
      shares: 1,
      signDelegatingKey: true,
      signReceivingKey: false,
    })[0]!;
    expect(verifyKFrag(bound, { verifyingPk: signer.pk })).toBe(false);
    expect(verifyKFrag(bound, { verifyingPk: signer.pk, delegatingPk: alice.pk })).toBe(true);
  });

  it("rejects a cfrag with any tampered field, for another capsule or under other keys", () => {
    const other = encapsulate(alice.pk).capsule;
    const { proof } = cfrag;
    const tampered: CapsuleFrag[] = [
      { ...cfrag, pointE1: proof.pointE2 },
      { ...cfrag, pointV1: proof.pointV2 },
      { ...cfrag, kfragId: flip(cfrag.kfragId, 0) },
      { ...cfrag, precursor: proof.pointE2 },
      { ...cfrag, proof: { ...proof, pointE2: cfrag.pointE1 } },
      { ...cfrag, proof: { ...proof, pointV2: cfrag.pointV1 } },
      { ...cfrag, proof: { ...proof, kfragCommitment: proof.kfragPok } },
      { ...cfrag, proof: { ...proof, kfragPok: proof.kfragCommitment } },
      { ...cfrag, proof: { ...proof, signature: proof.signature + 1n } },
      { ...cfrag, proof: { ...proof, kfragSignature: kfrag.signatureForProxy.slice().reverse() } },
    ];
    for (const bad of tampered) expect(verifyCFrag(bad, capsule, keys)).toBe(false);
    expect(verifyCFrag(cfrag, other, keys)).toBe(false);
    expect(verifyCFrag(cfrag, capsule, { ...keys, receivingPk: party().pk })).toBe(false);
    expect(verifyCFrag(cfrag, capsule, { ...keys, verifyingPk: bob.pk })).toBe(false);
  });
});

describe("serialisation", () => {
  const { alice, kfrags, keys } = setup(2, 3);
  const { capsule } = encapsulate(alice.pk);
  const kfrag = kfrags[0]!;
  const cfrag = reencrypt(capsule, kfrag);

  it("round-trips capsules, kfrags and cfrags in both encodings", () => {
    const capsuleBytes = capsuleToBytes(capsule);
    expect(capsuleBytes).toHaveLength(105);
    expect(capsuleToBytesSimple(capsule)).toHaveLength(98);
    expect(capsuleToBytes(capsuleFromBytes(capsuleBytes))).toEqual(capsuleBytes);
    expect(capsuleToBytes(capsuleFromBytes(capsuleToBytesSimple(capsule)))).toEqual(capsuleBytes);
    const kfragBytes = kfragToBytes(kfrag);
    expect(kfragBytes).toHaveLength(310);
    expect(kfragToBytes(kfragFromBytes(kfragBytes))).toEqual(kfragBytes);
    const cfragBytes = cfragToBytes(cfrag);
    expect(cfragBytes).toHaveLength(381);
    expect(cfragToBytesSimple(cfrag)).toHaveLength(359);
    expect(cfragToBytes(cfragFromBytes(cfragBytes))).toEqual(cfragBytes);
    expect(cfragToBytes(cfragFromBytes(cfragToBytesSimple(cfrag)))).toEqual(cfragBytes);
  });

  it("parsed objects work like the originals", () => {
    const parsedCapsule: Capsule = capsuleFromBytes(capsuleToBytes(capsule));
    const parsedKfrag = kfragFromBytes(kfragToBytes(kfrag));
    const again = reencrypt(parsedCapsule, parsedKfrag);
    expect(verifyCFrag(cfragFromBytes(cfragToBytes(again)), capsule, keys)).toBe(true);
    expect(decapsulateOriginal(alice.sk, parsedCapsule)).toEqual(decapsulateOriginal(alice.sk, capsule));
  });
});

describe("malformed input is InvalidInputError with a message that says what was wrong", () => {
  const alice = party();
  const { capsule } = encapsulate(alice.pk);
  const { kfrags } = setup(1, 1);
  const kfrag = kfrags[0]!;
  const cfrag = reencrypt(capsule, kfrag);
  const zero = new Uint8Array(32);
  const order = Uint8Array.from(Buffer.from("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", "hex"));
  const offCurve = Uint8Array.of(2, ...new Uint8Array(31), 5);

  it("rejects bad secret and public keys", () => {
    expectInvalid(() => publicKeyOf(zero), /secretKey is not a valid secret key/);
    expectInvalid(() => publicKeyOf(order), /secretKey is not a valid secret key/);
    expectInvalid(() => publicKeyOf(new Uint8Array(31)), /secretKey must be a 32-byte secret key, got 31 bytes/);
    expectInvalid(() => encapsulate(alice.pk.slice(1)), /delegatingPk must be a 33-byte compressed public key/);
    expectInvalid(() => encapsulate(offCurve), /delegatingPk is not a point of secp256k1/);
    expectInvalid(() => encapsulate(Uint8Array.of(4, ...alice.pk.slice(1))), /prefix byte is 0x04/);
    expectInvalid(() => decapsulateOriginal(zero, capsule), /delegatingSk is not a valid secret key/);
  });

  it("rejects bad threshold and shares", () => {
    const base = { delegatingSk: alice.sk, receivingPk: alice.pk, signerSk: alice.sk };
    expectInvalid(
      () => generateKFrags({ ...base, threshold: 0, shares: 1 }),
      /threshold must be an integer ≥ 1, got 0/,
    );
    expectInvalid(() => generateKFrags({ ...base, threshold: 1.5, shares: 2 }), /threshold must be an integer/);
    expectInvalid(
      () => generateKFrags({ ...base, threshold: 3, shares: 2 }),
      /shares must be an integer ≥ threshold \(3\), got 2/,
    );
  });

  it("rejects capsule bytes of the wrong length, encoding, points, scalar or proof", () => {
    const bytes = capsuleToBytes(capsule);
    const simple = capsuleToBytesSimple(capsule);
    expectInvalid(
      () => capsuleFromBytes(bytes.slice(0, 104)),
      /must be 105 \(MessagePack\) or 98 \(simple\) long, got 104/,
    );
    expectInvalid(() => capsuleFromBytes(Uint8Array.of(0x92, ...bytes.slice(1))), /malformed at offset 0 \(capsule\)/);
    expectInvalid(() => capsuleFromBytes(Uint8Array.of(...simple.slice(0, 66), ...zero)), /capsule signature is zero/);
    expectInvalid(() => capsuleFromBytes(Uint8Array.of(...simple.slice(0, 66), ...order)), /not below the secp256k1/);
    expectInvalid(
      () => capsuleFromBytes(Uint8Array.of(...offCurve, ...simple.slice(33))),
      /capsule point E is not a point/,
    );
    expectInvalid(() => capsuleFromBytes(flip(simple, 97 * 8)), /fails its self-verification/);
  });

  it("rejects kfrag and cfrag bytes with bad structure, points, scalars or signatures", () => {
    const kfragBytes = kfragToBytes(kfrag);
    expectInvalid(() => kfragFromBytes(kfragBytes.slice(0, 309)), /kfrag bytes are malformed/);
    expectInvalid(() => kfragFromBytes(Uint8Array.of(...kfragBytes, 0)), /malformed at offset 310 \(end\)/);
    // U at 4, id at 39, key at 73, precursor at 107, commitment at 143, signatures at 178 and 244, flags at 308.
    const at = (offset: number, patch: Uint8Array) => {
      const out = kfragBytes.slice();
      out.set(patch, offset);
      return out;
    };
    expectInvalid(() => kfragFromBytes(at(73, zero)), /kfrag key is zero/);
    expectInvalid(() => kfragFromBytes(at(107, offCurve)), /kfrag precursor is not a point/);
    expectInvalid(() => kfragFromBytes(at(178, zero)), /kfrag signature for proxy r is zero/);
    expectInvalid(() => kfragFromBytes(at(308, Uint8Array.of(0x01))), /delegating key signed/);
    expectInvalid(() => kfragFromBytes(at(4, alice.pk)), /parameter U is not Umbral's U/);
    const simple = cfragToBytesSimple(cfrag);
    expectInvalid(() => cfragFromBytes(simple.slice(1)), /must be 381 \(MessagePack\) or 359 \(simple\) long/);
    expectInvalid(
      () => cfragFromBytes(Uint8Array.of(...offCurve, ...simple.slice(33))),
      /cfrag point E1 is not a point/,
    );
    const withZ = (z: Uint8Array) => Uint8Array.of(...simple.slice(0, 263), ...z, ...simple.slice(295));
    expectInvalid(() => cfragFromBytes(withZ(zero)), /cfrag signature is zero/);
    expectInvalid(() => cfragFromBytes(withZ(order)), /cfrag signature is not below/);
  });
});
