// The RSU-side verifier: what an RSU runs on every V2X message before it logs or counts it. On top of the
// IEEE 1609.2 checks of verifySignedData (structure, signer certificate issued by a trusted CA, validity, PSID
// permission, region, freshness, signature) it refuses tickets revoked by published linkage seeds and messages
// it has already seen (replay window), and learns tickets from messages that carry them so that later
// digest-signed messages verify. Every refusal is a typed reason.
import { certificateDigest, sha256, toHex } from "../ieee1609/hash.js";
import type { Certificate } from "../ieee1609/types.js";
import {
  type VerifiedSignedData,
  type VerifyFailureReason,
  verifyCertificateChain,
  verifySignedData,
} from "../ieee1609/verify.js";
import type { RevocationSet } from "./ticketing.js";

export type RsuRejection = { ok: false; reason: VerifyFailureReason | "revoked" | "replayed"; detail: string };

export type RsuVerifierOptions = {
  /** The CA chain(s) the RSU trusts, leaf CA first, root last (e.g. [PCA, root]); checked at construction. */
  caChains: Certificate[][];
  /** Whether a root is a trust anchor (its HashedId8 is trusted in the main chain's V2xTrustStore). */
  isTrustedRoot: (digest: Uint8Array, root: Certificate) => boolean;
  revocations: RevocationSet;
  /** Messages older than this are stale (verifySignedData) and drop out of the replay window (default 30 s). */
  replayWindowMs?: number;
  /** Tickets remembered from messages that carried them (default 100 000). */
  maxTickets?: number;
  now?: () => Date;
};

export class RsuVerifier {
  private readonly store = new Map<string, Certificate>();
  private readonly tickets = new Map<string, Certificate>();
  private readonly seen = new Map<string, number>();
  private readonly windowMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: RsuVerifierOptions) {
    this.windowMs = options.replayWindowMs ?? 30_000;
    this.now = options.now ?? (() => new Date());
    for (const chain of options.caChains) {
      const result = verifyCertificateChain(chain, { now: this.now(), isTrustedRoot: options.isTrustedRoot });
      if (!result.ok) throw new Error(`CA chain refused: ${result.reason}: ${result.detail}`);
      for (const [i, cert] of chain.entries())
        this.store.set(toHex(result.digests[i] ?? certificateDigest(cert)), cert);
    }
  }

  private lookup = (digest: Uint8Array) => {
    const id = toHex(digest);
    return this.store.get(id) ?? this.tickets.get(id);
  };

  verify(bytes: Uint8Array): VerifiedSignedData | RsuRejection {
    const now = this.now();
    const result = verifySignedData(bytes, { certificateByDigest: this.lookup, now, maxAgeMs: this.windowMs });
    if (!result.ok) return result;
    if (this.options.revocations.isRevoked(result.certificate))
      return {
        ok: false,
        reason: "revoked",
        detail: `ticket ${toHex(result.signerDigest)} belongs to a revoked vehicle`,
      };
    // Replay: the same signed bytes inside the freshness window. Older copies are already refused as stale.
    const id = toHex(sha256(bytes));
    const t = now.getTime();
    if (this.seen.has(id)) return { ok: false, reason: "replayed", detail: "this message was already received" };
    this.seen.set(id, t);
    if (this.seen.size > 10_000) for (const [k, at] of this.seen) if (t - at > this.windowMs) this.seen.delete(k);
    const signerId = toHex(result.signerDigest);
    if (!this.store.has(signerId) && !this.tickets.has(signerId)) {
      if (this.tickets.size >= (this.options.maxTickets ?? 100_000)) this.tickets.clear();
      this.tickets.set(signerId, result.certificate);
    }
    return result;
  }
}
