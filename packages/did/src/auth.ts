// DID authentication for write requests: the caller sends `Authorization: DID <jwt>`, an ES256 JWT whose `kid`
// is one of the `authentication` methods of the caller's DID (`iss`), for one audience, valid for minutes.
// The verifier resolves the DID (so a rotated or deactivated key stops working at once) and refuses replays.
import { createPrivateKey, createPublicKey, randomUUID, sign, verify } from "node:crypto";
import type { DIDResolutionResult, JsonWebKey as DidJwk } from "did-resolver";
import { z } from "zod";

export type PrivateJwk = { kty: string; crv: string; x: string; y: string; d: string };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Creates a DID-auth token signed with `privateJwk` (ES256) for `audience`, valid `ttlSeconds` (max 300). */
export function createDidAuthToken(params: {
  did: string;
  kid: string;
  privateJwk: PrivateJwk;
  audience: string;
  ttlSeconds?: number;
  now?: number;
}): string {
  const iat = params.now ?? Math.floor(Date.now() / 1000);
  const header = b64({ alg: "ES256", typ: "JWT", kid: params.kid });
  const payload = b64({
    iss: params.did,
    aud: params.audience,
    iat,
    exp: iat + Math.min(params.ttlSeconds ?? 120, 300),
    jti: randomUUID(),
  });
  const key = createPrivateKey({ key: params.privateJwk, format: "jwk" });
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), { key, dsaEncoding: "ieee-p1363" });
  return `${header}.${payload}.${signature.toString("base64url")}`;
}

const headerSchema = z.object({ alg: z.literal("ES256"), kid: z.string().min(1).max(400), typ: z.string().optional() });
const payloadSchema = z.object({
  iss: z.string().startsWith("did:"),
  aud: z.string(),
  iat: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(8).max(100),
});

export type DidAuthResult = { ok: true; did: string; kid: string } | { ok: false; reason: string };

export type DidAuthVerifier = {
  verify(token: string): Promise<DidAuthResult>;
};

/** A verifier bound to one audience; `resolve` is any did-resolver style resolution function. */
export function didAuthVerifier(params: {
  audience: string;
  resolve: (did: string) => Promise<DIDResolutionResult>;
  now?: () => number;
  maxLifetimeSeconds?: number;
}): DidAuthVerifier {
  const seen = new Map<string, number>();
  const now = params.now ?? (() => Math.floor(Date.now() / 1000));
  const parse = <T>(schema: z.ZodType<T>, part: string | undefined): T | undefined => {
    try {
      const result = schema.safeParse(JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8")));
      return result.success ? result.data : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    async verify(token) {
      const parts = token.split(".");
      if (parts.length !== 3) return { ok: false, reason: "the token is not a compact JWS" };
      const header = parse(headerSchema, parts[0]);
      const payload = parse(payloadSchema, parts[1]);
      if (!header || !payload)
        return {
          ok: false,
          reason: "the token's header or claims are malformed (ES256, kid, iss, aud, iat, exp, jti)",
        };
      const t = now();
      if (payload.aud !== params.audience)
        return { ok: false, reason: `the token is for "${payload.aud}", not "${params.audience}"` };
      if (payload.exp <= t) return { ok: false, reason: "the token has expired" };
      if (payload.iat > t + 30) return { ok: false, reason: "the token is issued in the future" };
      if (payload.exp - payload.iat > (params.maxLifetimeSeconds ?? 300))
        return { ok: false, reason: "the token lives too long (max 300 s)" };
      const kidDid = header.kid.split("#")[0];
      if (kidDid !== payload.iss) return { ok: false, reason: "kid does not belong to iss" };
      const resolution = await params.resolve(payload.iss);
      if (resolution.didResolutionMetadata.error || !resolution.didDocument)
        return {
          ok: false,
          reason: `cannot resolve ${payload.iss}: ${resolution.didResolutionMetadata.error ?? "no document"}`,
        };
      const document = resolution.didDocument;
      const allowed = (document.authentication ?? []).some(
        (entry) => (typeof entry === "string" ? entry : entry.id) === header.kid,
      );
      const method = document.verificationMethod?.find((m) => m.id === header.kid);
      const jwk: DidJwk | undefined = method?.publicKeyJwk;
      if (!allowed || !jwk || jwk.crv !== "P-256")
        return { ok: false, reason: `${header.kid} is not a P-256 authentication key of ${payload.iss}` };
      let valid = false;
      try {
        const key = createPublicKey({
          key: { kty: "EC", crv: "P-256", x: jwk.x ?? "", y: jwk.y ?? "" },
          format: "jwk",
        });
        valid = verify(
          "sha256",
          Buffer.from(`${parts[0]}.${parts[1]}`),
          { key, dsaEncoding: "ieee-p1363" },
          Buffer.from(parts[2] ?? "", "base64url"),
        );
      } catch {
        valid = false;
      }
      if (!valid) return { ok: false, reason: "bad signature" };
      for (const [jti, exp] of seen) if (exp <= t) seen.delete(jti);
      if (seen.has(payload.jti)) return { ok: false, reason: "the token was already used" };
      seen.set(payload.jti, payload.exp);
      return { ok: true, did: payload.iss, kid: header.kid };
    },
  };
}
