// Authorization tickets as IEEE 1609.2 certificates, and the RSU side of revocation: the PCA's signer turns
// ticket content into an explicit certificate whose id is the linkage data (iCert = period, linkage value), and a
// RevocationSet built from published linkage seeds refuses every ticket of a revoked vehicle from that period on.
import { createPublicKey, ECDH, type KeyObject } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import { pointFromPublicKey } from "../ieee1609/keys.js";
import { issueCertificate } from "../ieee1609/sign.js";
import { time32FromDate } from "../ieee1609/time.js";
import type { Certificate, GeographicRegion, PsidSsp } from "../ieee1609/types.js";
import type { TicketContent } from "./authorities.js";
import { type PublishedSeeds, revokedLinkageValues } from "./linkage.js";

/** A P-256 public key from its SEC1 encoding (compressed, 33 bytes, or uncompressed, 65). */
export function p256KeyFromSec1(bytes: Uint8Array): KeyObject {
  if (bytes.length !== 33 && bytes.length !== 65) throw new InvalidInputError("a SEC1 P-256 point has 33 or 65 bytes");
  const full = Buffer.from(ECDH.convertKey(bytes, "prime256v1", undefined, undefined, "uncompressed") as Buffer);
  return createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: full.subarray(1, 33).toString("base64url"),
      y: full.subarray(33).toString("base64url"),
    },
    format: "jwk",
  });
}

/** The SEC1 compressed encoding of a P-256 public key, as OBUs put in ticket requests. */
export function sec1Compressed(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: "jwk" });
  const x = Buffer.from(jwk.x ?? "", "base64url");
  const y = Buffer.from(jwk.y ?? "", "base64url");
  return new Uint8Array(Buffer.concat([Buffer.from([(y.at(-1) ?? 0) & 1 ? 3 : 2]), x]));
}

export type TicketProfile = {
  /** What the ticket may sign: e.g. CAM (36) and DENM (37). */
  appPermissions: PsidSsp[];
  region?: GeographicRegion | undefined;
};

/** The PCA's signer: ticket content → a signed explicit certificate (linkage data id, one slot of validity). */
export function ticketSigner(pca: { certificate: Certificate; privateKey: KeyObject }, profile: TicketProfile) {
  return (content: TicketContent): Certificate =>
    issueCertificate({
      toBeSigned: {
        id: { type: "linkageData", linkageData: { iCert: content.period, linkageValue: content.linkageValue } },
        cracaId: new Uint8Array(3),
        crlSeries: 0,
        validityPeriod: {
          start: time32FromDate(new Date(content.validFrom * 1000)),
          duration: { unit: "seconds", value: content.validTo - content.validFrom },
        },
        ...(profile.region ? { region: profile.region } : {}),
        appPermissions: profile.appPermissions,
        verifyKeyIndicator: {
          type: "verificationKey",
          key: { type: "ecdsaNistP256", point: pointFromPublicKey(p256KeyFromSec1(content.publicKey)) },
        },
      },
      issuer: pca,
    });
}

/** The linkage value and period of a ticket, or undefined when its id is not linkage data. */
export function ticketLinkage(ticket: Certificate): { linkageValue: Uint8Array; period: number } | undefined {
  const id = ticket.toBeSigned.id;
  return id.type === "linkageData"
    ? { linkageValue: id.linkageData.linkageValue, period: id.linkageData.iCert }
    : undefined;
}

/**
 * The linkage values an RSU refuses: for each published seed pair, every value of periods [entry.period,
 * entry.period + horizon) and every slot. Rebuilt as entries arrive from the edge chain's mirror.
 */
export class RevocationSet {
  private readonly values = new Set<string>();
  private entries = 0;

  constructor(
    private readonly slotsPerPeriod: number,
    private readonly horizonPeriods = 4,
  ) {}

  get size(): number {
    return this.entries;
  }

  add(entry: PublishedSeeds): void {
    for (const lv of revokedLinkageValues(entry, entry.period + this.horizonPeriods - 1, this.slotsPerPeriod))
      this.values.add(lv);
    this.entries++;
  }

  isRevoked(ticket: Certificate): boolean {
    const linkage = ticketLinkage(ticket);
    return linkage !== undefined && this.values.has(Buffer.from(linkage.linkageValue).toString("hex"));
  }
}
