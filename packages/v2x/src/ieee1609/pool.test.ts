import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificateDigest, toHex } from "./hash.js";
import { toVerifyResult, VerifyPool, VerifyPoolError, type VerifyResult } from "./pool.js";
import { issueCertificate, signData } from "./sign.js";
import { createTestPki, generateP256, PSID, SHANGHAI, toBeSigned } from "./testing.js";
import { type VerifySignedDataOptions, verifySignedData } from "./verify.js";

const now = new Date("2026-03-01T08:00:00Z");
const pki = createTestPki({ now });
const stranger = createTestPki({ now }); // its AT is in no trust store here
const cam = Uint8Array.from([0x02, 0x02, 0x00, 0x00, 0x30, 0x39, 0x01, 0x02, 0x03]);
const nearby = { latitude: SHANGHAI.latitude + 50_000, longitude: SHANGHAI.longitude, elevation: 4096 + 40 };
const limits = { maxAgeMs: 10_000, maxFutureMs: 1_000 };
const inThread: VerifySignedDataOptions = { certificateByDigest: pki.certificateByDigest, now, ...limits };

// A second ticket from the AA that is not in the store: accepted only when it travels in the message
// (signer "certificate"), through its issuer.
const ticketKey = generateP256();
const ticket = issueCertificate({
  toBeSigned: toBeSigned({
    key: ticketKey.publicKey,
    start: new Date(now.getTime() - 60_000),
    hours: 24,
    appPermissions: [{ psid: PSID.cam }],
  }),
  issuer: { certificate: pki.aa, privateKey: pki.aaKey.privateKey },
});

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

const valid = signed();
const tampered = valid.slice();
tampered[tampered.length - 40]! ^= 0x01; // inside the signature
const payloadTampered = valid.slice();
payloadTampered[12]! ^= 0x80;

const mix: [string, Uint8Array][] = [
  ["valid", valid],
  ["tampered signature", tampered],
  ["tampered payload", payloadTampered],
  ["unknown signer", signed({ signer: { certificate: stranger.at, privateKey: stranger.atKey.privateKey } })],
  ["stale", signed({ generationTime: new Date(now.getTime() - 60_000) })],
  ["future", signed({ generationTime: new Date(now.getTime() + 30_000) })],
  ["valid, certificate signer", signed({ signerIdentifierMode: "certificate" })],
  [
    "valid, ticket admitted through its issuer",
    signed({
      signer: { certificate: ticket, privateKey: ticketKey.privateKey },
      signerIdentifierMode: "certificate",
      generationLocation: undefined,
    }),
  ],
  ["PSID not permitted", signed({ psid: PSID.bsm })],
  ["unknown content type", Uint8Array.of(3, 0x81, 0xff)],
  ["empty", new Uint8Array(0)],
  ["valid DENM", signed({ psid: PSID.denm, payload: new Uint8Array(300).fill(9) })],
];
const expected = (messages: readonly Uint8Array[]): VerifyResult[] =>
  messages.map((bytes) => toVerifyResult(verifySignedData(bytes, inThread)));

describe("VerifyPool", () => {
  let pool: VerifyPool;
  beforeAll(async () => {
    pool = new VerifyPool({ threads: 2, ...limits });
    await pool.addCertificates([pki.root, pki.aa, pki.at]);
    await pool.ready();
  });
  afterAll(() => pool.close());

  it("gives the verdicts of verifySignedData, in input order", async () => {
    const messages = mix.map(([, bytes]) => bytes);
    const want = expected(messages);
    // The mix covers the verdicts that matter, so the comparison below is not vacuous.
    expect(want.map((r) => (r.ok ? "ok" : r.reason))).toEqual([
      "ok",
      "bad_signature",
      "bad_signature",
      "unknown_signer",
      "stale",
      "future",
      "ok",
      "ok",
      "psid_not_permitted",
      "unsupported",
      "malformed",
      "ok",
    ]);
    expect(await pool.verifyBatch(messages, { now })).toEqual(want);
    expect(want[0]).toMatchObject({
      ok: true,
      psid: PSID.cam,
      signerDigest: toHex(certificateDigest(pki.at)),
      generationTime: expect.stringMatching(/^\d+$/),
    });
  });

  it("splits a batch across both workers and keeps the order", async () => {
    const before = pool.stats().workers.map((w) => w.verified);
    const messages = Array.from({ length: 400 }, (_, i) => mix[(i * 7) % mix.length]![1]);
    expect(await pool.verifyBatch(messages, { now })).toEqual(expected(messages));
    const done = pool.stats().workers.map((w, i) => w.verified - before[i]!);
    expect(done).toEqual([200, 200]);
  });

  it("gathers single verify calls of one tick into a batch, each answered with its own verdict", async () => {
    const messages = mix.map(([, bytes]) => bytes);
    const results = await Promise.all(messages.map((bytes) => pool.verify(bytes, { now })));
    expect(results).toEqual(expected(messages));
  });

  it("applies trust store removals (revocation) and additions to every worker", async () => {
    const messages = Array.from({ length: 64 }, () => valid);
    await pool.removeCertificates([certificateDigest(pki.at)]);
    const revoked = await pool.verifyBatch(messages, { now });
    expect(new Set(revoked.map((r) => (r.ok ? "ok" : r.reason)))).toEqual(new Set(["unknown_signer"]));
    await pool.addCertificates([pki.at]);
    const restored = await pool.verifyBatch(messages, { now });
    expect(restored.every((r) => r.ok)).toBe(true);
  });

  it("gives the in-thread verdict for any mutation of a signed message", async () => {
    const bases = [valid, mix[6]![1], mix[7]![1]];
    type Mutation =
      | { kind: "flip"; at: number; mask: number }
      | { kind: "truncate"; at: number }
      | { kind: "insert"; at: number; byte: number }
      | { kind: "delete"; at: number };
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ kind: fc.constant<"flip">("flip"), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant<"truncate">("truncate"), at: fc.nat() }),
      fc.record({ kind: fc.constant<"insert">("insert"), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant<"delete">("delete"), at: fc.nat() }),
    );
    const mutate = (base: Uint8Array, m: Mutation): Uint8Array => {
      const at = m.at % (base.length + 1);
      switch (m.kind) {
        case "flip": {
          const out = base.slice();
          out[at % base.length]! ^= m.mask;
          return out;
        }
        case "truncate":
          return base.slice(0, at);
        case "insert":
          return Uint8Array.from([...base.subarray(0, at), m.byte, ...base.subarray(at)]);
        case "delete":
          return Uint8Array.from([...base.subarray(0, at), ...base.subarray(at + 1)]);
      }
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...bases), mutation), { minLength: 1, maxLength: 40 }),
        async (cases) => {
          const messages = cases.map(([base, m]) => mutate(base, m));
          expect(await pool.verifyBatch(messages, { now })).toEqual(expected(messages));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("VerifyPool workers", () => {
  it("rejects the batch of a crashed worker with a clear error and replaces the worker", async () => {
    const pool = new VerifyPool({ threads: 1, now: () => now, ...limits });
    try {
      await pool.addCertificates([pki.root, pki.aa, pki.at]);
      await pool.ready();
      pool.simulateCrash(0);
      const lost = pool.verifyBatch([valid, valid], { now });
      await expect(lost).rejects.toThrow(VerifyPoolError);
      await expect(lost).rejects.toThrow(/worker 0 crashed: simulated crash.*2 pending message/);
      // The replacement has the trust store and verifies (as of the pool clock, `now` here).
      expect(await pool.verifyBatch([valid, tampered])).toEqual(expected([valid, tampered]));
      expect(pool.stats()).toMatchObject({ running: 1, restarts: 1 });
    } finally {
      await pool.close();
    }
  });

  it("close() ends every worker and rejects later requests", async () => {
    const pool = new VerifyPool({ threads: 2 });
    await pool.ready();
    expect(pool.stats().running).toBe(2);
    const inFlight = expect(
      pool.verifyBatch(
        Array.from({ length: 2000 }, () => valid),
        { now },
      ),
    ).rejects.toThrow(/closed/);
    await pool.close();
    expect(pool.stats().running).toBe(0);
    await inFlight;
    await expect(pool.verify(valid)).rejects.toThrow(/closed/);
    await pool.close(); // idempotent
  });

  it("lets a process that used and closed a pool exit by itself", () => {
    const poolUrl = new URL("./pool.ts", import.meta.url).href;
    const testingUrl = new URL("./testing.ts", import.meta.url).href;
    const signUrl = new URL("./sign.ts", import.meta.url).href;
    const script = `
      const { VerifyPool } = await import(${JSON.stringify(poolUrl)});
      const { createTestPki, PSID } = await import(${JSON.stringify(testingUrl)});
      const { signData } = await import(${JSON.stringify(signUrl)});
      const pki = createTestPki();
      const bytes = signData({ payload: new Uint8Array(8), psid: PSID.cam,
        signer: { certificate: pki.at, privateKey: pki.atKey.privateKey }, signerIdentifierMode: "digest" });
      const pool = new VerifyPool({ threads: 2 });
      await pool.addCertificates([pki.root, pki.aa, pki.at]);
      console.log("added");
      const results = await pool.verifyBatch(Array.from({ length: 100 }, () => bytes));
      console.log("verified", results.filter((r) => r.ok).length);
      await pool.close();
      console.log("closed, running", pool.stats().running);
    `;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../../../..", import.meta.url)),
      encoding: "utf8",
      // Generous: under a loaded CI machine, starting tsx and two workers can take long.
      timeout: 100_000,
    });
    // A hang ends in ETIMEDOUT, with the progress so far in stdout.
    expect({ error: child.error?.message, status: child.status, stdout: child.stdout, stderr: child.stderr }).toEqual({
      error: undefined,
      status: 0,
      stdout: "added\nverified 100\nclosed, running 0\n",
      stderr: "",
    });
  }, 120_000);
});

describe("VerifyPool with messageHashes", () => {
  it("returns keccak256 of each accepted message and its standard-tree leaf, computed on the workers", async () => {
    const { keccak_256 } = await import("@noble/hashes/sha3");
    const { standardLeafHash } = await import("@amc/crypto");
    const hashing = new VerifyPool({ threads: 1, ...limits, messageHashes: true });
    try {
      await hashing.addCertificates([pki.root, pki.aa, pki.at]);
      const messages = mix.map(([, bytes]) => bytes);
      const results = await hashing.verifyBatch(messages, { now });
      let accepted = 0;
      for (const [i, result] of results.entries()) {
        if (!result.ok) {
          expect(result).not.toHaveProperty("messageHash");
          continue;
        }
        accepted++;
        const hash = `0x${toHex(keccak_256(messages[i]!))}` as const;
        expect(result.messageHash).toBe(hash);
        expect(result.leaf).toBe(standardLeafHash(["bytes32"], [hash]));
      }
      expect(accepted).toBe(4);
    } finally {
      await hashing.close();
    }
  });
});
