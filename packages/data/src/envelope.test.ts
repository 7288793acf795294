// The vault envelope on its own: sealing for the owner's Umbral key and opening it again (as owner and through
// re-encryption), and every alteration the platform could attempt — metadata, ciphertext, key enclosure, salted
// hash — refused. Also the policy (classes, retention, regions), owner tokens and canonical JSON.
import { umbral } from "@amc/crypto";
import fc from "fast-check";
import { bytesToHex, hexToBytes, keccak256 } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical.js";
import { fromUpload, type ObjectMeta, objectIdOf, openObject, sealObject, toUpload, uploadDigest } from "./envelope.js";
import { DataError } from "./errors.js";
import { createOwnerToken, ownerAuthVerifier } from "./ownerAuth.js";
import { admit, defaultMaxRetentionSeconds } from "./policy.js";
import { makeKFrags, openAsOwner, openReencrypted, preOps, umbralJwkOf, umbralKem, umbralKeyFromJwk } from "./pre.js";

const did = `did:amc:test:${"ab".repeat(32)}`;
const meta: ObjectMeta = {
  subject: did,
  kind: "telemetry",
  dataClass: "personal",
  region: "CN-31",
  createdAt: 1_790_000_000,
  contentType: "application/json",
};
const owner = umbral.generateSecretKey();
const ownerPk = umbral.publicKeyOf(owner);

describe("envelope", () => {
  it("round-trips for the owner and through threshold re-encryption; the salted hash binds the data", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.integer({ min: 1, max: 4 }), (data, threshold) => {
        const sealed = sealObject(umbralKem, meta, data, ownerPk);
        expect(Buffer.from(openAsOwner(owner, sealed.capsule, sealed))).toEqual(Buffer.from(data));
        const consumer = umbral.generateSecretKey();
        const { kfrags, verifyingPk } = makeKFrags({
          delegatingSk: owner,
          receivingPk: umbral.publicKeyOf(consumer),
          threshold,
          shares: 4,
        });
        const cfrags = kfrags
          .slice(0, threshold)
          .map((k) => preOps.reencrypt(sealed.capsule, hexToBytes(k as `0x${string}`)));
        const opened = openReencrypted({
          receivingSk: consumer,
          delegatingPk: ownerPk,
          verifyingPk: hexToBytes(verifyingPk as `0x${string}`),
          capsule: sealed.capsule,
          cfrags,
          sealed,
        });
        expect(Buffer.from(opened.data)).toEqual(Buffer.from(data));
        // The anchored hash is over salt ‖ data: the data alone does not give it.
        expect(sealed.saltedHash).not.toBe(keccak256(data));
      }),
      { numRuns: 12, seed: 6 },
    );
  });

  it("fewer fragments than the threshold, or another consumer's key, open nothing", () => {
    const sealed = sealObject(umbralKem, meta, new TextEncoder().encode("secret"), ownerPk);
    const consumer = umbral.generateSecretKey();
    const { kfrags, verifyingPk } = makeKFrags({
      delegatingSk: owner,
      receivingPk: umbral.publicKeyOf(consumer),
      threshold: 2,
      shares: 3,
    });
    const cfrags = kfrags.map((k) => preOps.reencrypt(sealed.capsule, hexToBytes(k as `0x${string}`)));
    const open = (receivingSk: Uint8Array, frags: Uint8Array[]) =>
      openReencrypted({
        receivingSk,
        delegatingPk: ownerPk,
        verifyingPk: hexToBytes(verifyingPk as `0x${string}`),
        capsule: sealed.capsule,
        cfrags: frags,
        sealed,
      });
    expect(() => open(consumer, cfrags.slice(0, 1))).toThrow();
    expect(() => open(umbral.generateSecretKey(), cfrags)).toThrow();
    expect(new TextDecoder().decode(open(consumer, cfrags.slice(1)).data)).toBe("secret");
  });

  it("refuses altered metadata, ciphertext, wrapped key or salted hash", () => {
    const sealed = sealObject(umbralKem, meta, new TextEncoder().encode("speed 52"), ownerPk);
    const key = umbral.decapsulateOriginal(owner, umbral.capsuleFromBytes(sealed.capsule));
    const flip = (bytes: Uint8Array, i: number) => bytes.map((b, j) => (j === i ? b ^ 1 : b));
    expect(() => openObject({ ...sealed, meta: { ...meta, dataClass: "general" } }, key)).toThrow(/does not decrypt/);
    expect(() => openObject({ ...sealed, ciphertext: flip(sealed.ciphertext, 20) }, key)).toThrow(/does not decrypt/);
    expect(() => openObject({ ...sealed, wrappedKey: flip(sealed.wrappedKey, 14) }, key)).toThrow(/does not decrypt/);
    expect(() => openObject({ ...sealed, saltedHash: keccak256("0x00") }, key)).toThrow(/salted hash/);
    expect(() => openObject(sealed, new Uint8Array(32))).toThrow(/does not decrypt/);
  });

  it("signs a digest that covers every part, and the upload JSON round-trips", () => {
    const sealed = sealObject(umbralKem, meta, new TextEncoder().encode("x"), ownerPk);
    const digest = bytesToHex(uploadDigest(sealed));
    expect(bytesToHex(uploadDigest({ ...sealed, meta: { ...meta, region: "CN-11" } }))).not.toBe(digest);
    expect(
      bytesToHex(uploadDigest({ ...sealed, capsule: sealed.capsule.map((b, i) => (i === 40 ? b ^ 1 : b)) })),
    ).not.toBe(digest);
    expect(bytesToHex(uploadDigest({ ...sealed, saltedHash: keccak256("0x01") }))).not.toBe(digest);
    const upload = toUpload(sealed, `${did}#k`, new Uint8Array(64));
    const back = fromUpload(upload);
    expect(bytesToHex(uploadDigest(back))).toBe(digest);
    expect(objectIdOf(back)).toBe(objectIdOf(sealed));
  });

  it("converts Umbral keys to and from DID keyAgreement JWKs", () => {
    expect(umbralKeyFromJwk(umbralJwkOf(ownerPk))).toEqual(ownerPk);
    expect(() => umbralKeyFromJwk({ x: "AA", y: "AA" })).toThrow(DataError);
  });
});

describe("policy", () => {
  const policy = { region: "CN", maxRetentionSeconds: defaultMaxRetentionSeconds };
  const now = 1_800_000_000;
  it("keeps important data in its country and caps retention per class", () => {
    expect(() => admit(policy, { dataClass: "important", region: "DE-BB", createdAt: now }, now)).toThrow(
      /must stay in its country/,
    );
    expect(admit(policy, { dataClass: "important", region: "CN-31", createdAt: now }, now)).toBe(
      now + defaultMaxRetentionSeconds.important,
    );
    expect(admit(policy, { dataClass: "general", region: "DE-BB", createdAt: now }, now)).toBe(
      now + defaultMaxRetentionSeconds.general,
    );
    expect(admit(policy, { dataClass: "sensitive", region: "CN", createdAt: now, retainUntil: now + 10 }, now)).toBe(
      now + 10,
    );
    expect(() =>
      admit(policy, { dataClass: "sensitive", region: "CN", createdAt: now, retainUntil: now + 366 * 86400 }, now),
    ).toThrow(/at most 365 days/);
    expect(() => admit(policy, { dataClass: "personal", region: "CN", createdAt: now, retainUntil: now }, now)).toThrow(
      /not in the future/,
    );
  });
});

describe("owner tokens", () => {
  it("recover the signing account once, for one audience, while fresh", async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    let t = 1_800_000_000;
    const verify = ownerAuthVerifier("http://gateway", () => t);
    const token = await createOwnerToken(account, "http://gateway", { now: t });
    expect(await verify(token)).toEqual({ ok: true, address: account.address });
    expect(await verify(token)).toMatchObject({ ok: false, reason: expect.stringMatching(/already used/) });
    expect(await verify(await createOwnerToken(account, "http://elsewhere", { now: t }))).toMatchObject({ ok: false });
    const late = await createOwnerToken(account, "http://gateway", { now: t, ttlSeconds: 60 });
    t += 61;
    expect(await verify(late)).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
    const forged = JSON.parse(
      Buffer.from(await createOwnerToken(account, "http://gateway", { now: t }), "base64url").toString(),
    );
    forged.expires += 100;
    const recovered = await verify(Buffer.from(JSON.stringify(forged)).toString("base64url"));
    // An altered message recovers another account (or none): never the signer's.
    expect(recovered.ok && recovered.address === account.address).toBe(false);
    expect(await verify("not-a-token")).toMatchObject({ ok: false });
  });
});

describe("canonical JSON", () => {
  it("is independent of key order and parses back to the same value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        const shuffled = JSON.parse(JSON.stringify(value), (_k, v) =>
          v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
        );
        expect(canonicalJson(shuffled)).toBe(text);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});
