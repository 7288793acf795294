// Owner authentication. A vehicle's owner is the Ethereum account that controls the vehicle's DID (the account
// that signs consents). Requests an owner makes (list my objects, my disclosure log, erase, revoke) carry
// `Authorization: Owner <token>`: base64url of { message, signature }, an EIP-712 `OwnerAuth` message signed by that
// account — the same key and wallet that sign consents, no extra credential. Tokens live at most 5 minutes and each
// is accepted once (its nonce is remembered until it expires).
import { randomBytes } from "node:crypto";
import type { Address, Hex, LocalAccount } from "viem";
import { bytesToHex, recoverTypedDataAddress } from "viem";
import { z } from "zod";

export const ownerAuthDomain = { name: "AMC Gateway", version: "1" } as const;
export const ownerAuthTypes = {
  OwnerAuth: [
    { name: "audience", type: "string" },
    { name: "issuedAt", type: "uint64" },
    { name: "expires", type: "uint64" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

const MAX_LIFETIME = 300;

export async function createOwnerToken(
  account: LocalAccount,
  audience: string,
  options: { now?: number; ttlSeconds?: number } = {},
): Promise<string> {
  const issuedAt = options.now ?? Math.floor(Date.now() / 1000);
  const message = {
    audience,
    issuedAt: BigInt(issuedAt),
    expires: BigInt(issuedAt + Math.min(options.ttlSeconds ?? 120, MAX_LIFETIME)),
    nonce: bytesToHex(randomBytes(32)),
  };
  const signature = await account.signTypedData({
    domain: ownerAuthDomain,
    types: ownerAuthTypes,
    primaryType: "OwnerAuth",
    message,
  });
  const body = { ...message, issuedAt: Number(message.issuedAt), expires: Number(message.expires), signature };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

const tokenSchema = z.object({
  audience: z.string().max(200),
  issuedAt: z.number().int().nonnegative(),
  expires: z.number().int().nonnegative(),
  nonce: z.string().regex(/^0x[0-9a-f]{64}$/),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
});

export type OwnerAuthResult = { ok: true; address: Address } | { ok: false; reason: string };

/** A verifier for one audience (the gateway's public URL or name); replays are refused. */
export function ownerAuthVerifier(audience: string, now: () => number = () => Math.floor(Date.now() / 1000)) {
  const seen = new Map<string, number>();
  return async (token: string): Promise<OwnerAuthResult> => {
    let parsed: z.infer<typeof tokenSchema>;
    try {
      const result = tokenSchema.safeParse(JSON.parse(Buffer.from(token, "base64url").toString("utf8")));
      if (!result.success) return { ok: false, reason: "the owner token is malformed" };
      parsed = result.data;
    } catch {
      return { ok: false, reason: "the owner token is not base64url JSON" };
    }
    const t = now();
    if (parsed.audience !== audience) return { ok: false, reason: `the token is for "${parsed.audience}"` };
    if (parsed.expires <= t) return { ok: false, reason: "the owner token has expired" };
    if (parsed.issuedAt > t + 30) return { ok: false, reason: "the owner token is issued in the future" };
    if (parsed.expires - parsed.issuedAt > MAX_LIFETIME)
      return { ok: false, reason: `an owner token may live at most ${MAX_LIFETIME} s` };
    if (seen.has(parsed.nonce)) return { ok: false, reason: "the owner token was already used" };
    const address = await recoverTypedDataAddress({
      domain: ownerAuthDomain,
      types: ownerAuthTypes,
      primaryType: "OwnerAuth",
      message: {
        audience: parsed.audience,
        issuedAt: BigInt(parsed.issuedAt),
        expires: BigInt(parsed.expires),
        nonce: parsed.nonce as Hex,
      },
      signature: parsed.signature as Hex,
    }).catch(() => undefined);
    if (!address) return { ok: false, reason: "the owner token's signature does not recover" };
    for (const [nonce, expires] of seen) if (expires <= t) seen.delete(nonce);
    seen.set(parsed.nonce, parsed.expires);
    return { ok: true, address };
  };
}
