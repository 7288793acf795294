import { describe, expect, it } from "vitest";
import { certificateDigest } from "../ieee1609/hash.js";
import { signData } from "../ieee1609/sign.js";
import { createTestPki, PSID } from "../ieee1609/testing.js";
import { RsuVerifier } from "./rsu.js";
import { RevocationSet } from "./ticketing.js";

describe("RsuVerifier", () => {
  const pki = createTestPki();
  const rootId = Buffer.from(certificateDigest(pki.root));
  const trusted = (digest: Uint8Array) => Buffer.from(digest).equals(rootId);
  const message = (generationTime = new Date(), mode: "digest" | "certificate" = "certificate") =>
    signData({
      payload: new Uint8Array([1, 2, 3]),
      psid: PSID.cam,
      generationTime,
      signer: { certificate: pki.at, privateKey: pki.atKey.privateKey },
      signerIdentifierMode: mode,
    });

  it("accepts a fresh message once, refuses its replay, and learns the ticket for digest-signed messages", () => {
    const rsu = new RsuVerifier({
      caChains: [[pki.aa, pki.root]],
      isTrustedRoot: trusted,
      revocations: new RevocationSet(24),
    });
    expect(rsu.verify(message(new Date(), "digest"))).toMatchObject({ ok: false, reason: "unknown_signer" });
    const first = message();
    expect(rsu.verify(first)).toMatchObject({ ok: true, psid: PSID.cam });
    expect(rsu.verify(first)).toMatchObject({ ok: false, reason: "replayed" });
    expect(rsu.verify(message(new Date(), "digest"))).toMatchObject({ ok: true });
  });

  it("refuses stale and future messages with their reasons", () => {
    const rsu = new RsuVerifier({
      caChains: [[pki.aa, pki.root]],
      isTrustedRoot: trusted,
      revocations: new RevocationSet(24),
      replayWindowMs: 5_000,
    });
    expect(rsu.verify(message(new Date(Date.now() - 60_000)))).toMatchObject({ ok: false, reason: "stale" });
    expect(rsu.verify(message(new Date(Date.now() + 60_000)))).toMatchObject({ ok: false, reason: "future" });
  });

  it("will not start with a CA chain that ends in an untrusted root", () => {
    expect(
      () =>
        new RsuVerifier({
          caChains: [[pki.aa, pki.root]],
          isTrustedRoot: () => false,
          revocations: new RevocationSet(24),
        }),
    ).toThrow("CA chain refused: untrusted_root");
  });
});
