// The dashboard's signing helpers against the Node code they must match: owner tokens are accepted by the gateway's
// own verifier (and are byte-identical to createOwnerToken's for the same time and nonce), revocation signatures
// equal signRevocation's, dev accounts are devAccount's, and bad input is refused with a clear error.
import { consentTypes, devAccount, devPrivateKey, signRevocation } from "@amc/chain";
import { createOwnerToken, ownerAuthDomain, ownerAuthTypes, ownerAuthVerifier } from "@amc/data";
import fc from "fast-check";
import { type Address, type Hex, recoverTypedDataAddress, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  accountFromDevIndex,
  accountFromPrivateKey,
  devAccounts,
  ownerToken,
  signRevocationInBrowser,
  WalletInputError,
} from "./wallet.js";

const AUDIENCE = "http://127.0.0.1:8080";
const decode = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token, "base64url").toString("utf8"));

describe("devAccounts", () => {
  it("lists the ten funded accounts of the test mnemonic, as devAccount derives them", () => {
    const accounts = devAccounts();
    expect(accounts.map((a) => a.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const a of accounts) expect(a.address).toBe(devAccount(a.index).address);
    expect(accounts[7]?.label).toMatch(/^dev:7 .*owner/i);
    expect(accounts[2]?.label).toContain("OEM");
    expect(new Set(accounts.map((a) => a.label)).size).toBe(10);
  });

  it("signs as the dev account of an index", async () => {
    const account = accountFromDevIndex(7);
    expect(account.address).toBe(devAccount(7).address);
    const signature = await account.signTypedData({
      domain: ownerAuthDomain,
      types: ownerAuthTypes,
      primaryType: "OwnerAuth",
      message: { audience: "x", issuedAt: 1n, expires: 2n, nonce: toHex(1, { size: 32 }) },
    });
    const recovered = await recoverTypedDataAddress({
      domain: ownerAuthDomain,
      types: ownerAuthTypes,
      primaryType: "OwnerAuth",
      message: { audience: "x", issuedAt: 1n, expires: 2n, nonce: toHex(1, { size: 32 }) },
      signature,
    });
    expect(recovered).toBe(devAccount(7).address);
  });

  it.each([-1, 10, 1.5, Number.NaN])("refuses dev index %s", (index) => {
    expect(() => accountFromDevIndex(index)).toThrow(WalletInputError);
    expect(() => accountFromDevIndex(index)).toThrow(/funded test accounts 0\.\.9/);
  });
});

describe("accountFromPrivateKey", () => {
  it("imports a key (surrounding spaces ignored)", () => {
    const key = devPrivateKey(3);
    expect(accountFromPrivateKey(key).address).toBe(devAccount(3).address);
    expect(accountFromPrivateKey(` ${key}\n` as Hex).address).toBe(devAccount(3).address);
  });

  it.each<[string, string, RegExp]>([
    ["too short", "0x1234", /0x followed by 64 hex digits; got 0x and 4 characters/],
    ["without 0x", "ab".repeat(32), /got 64 characters without 0x/],
    ["not hex", `0x${"zz".repeat(32)}`, /0x followed by 64 hex digits/],
    ["zero", `0x${"00".repeat(32)}`, /not a valid secp256k1 key/],
    [
      "the group order",
      "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
      /not a valid secp256k1 key/,
    ],
  ])("refuses a key that is %s, without echoing it", (_what, key, message) => {
    let thrown: unknown;
    try {
      accountFromPrivateKey(key as Hex);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WalletInputError);
    expect((thrown as Error).message).toMatch(message);
    if (key.length > 10) expect((thrown as Error).message).not.toContain(key.slice(2, 12));
  });
});

describe("ownerToken", () => {
  it("is accepted by the gateway's verifier and recovers the signer", async () => {
    const verify = ownerAuthVerifier(AUDIENCE);
    for (const index of [7, 2]) {
      const token = await ownerToken(accountFromDevIndex(index), AUDIENCE);
      expect(await verify(token)).toEqual({ ok: true, address: devAccount(index).address });
      // Each token once: the verifier remembers its nonce.
      expect(await verify(token)).toEqual({ ok: false, reason: "the owner token was already used" });
    }
    const imported = await ownerToken(accountFromPrivateKey(devPrivateKey(6)), AUDIENCE);
    expect(await verify(imported)).toEqual({ ok: true, address: devAccount(6).address });
  });

  it("is refused for another audience and after it expires", async () => {
    const now = 1_800_000_000;
    const token = await ownerToken(accountFromDevIndex(7), AUDIENCE, { now, ttlSeconds: 60 });
    expect(await ownerAuthVerifier("http://elsewhere", () => now)(token)).toMatchObject({ ok: false });
    expect(await ownerAuthVerifier(AUDIENCE, () => now + 59)(token)).toMatchObject({ ok: true });
    expect(await ownerAuthVerifier(AUDIENCE, () => now + 60)(token)).toEqual({
      ok: false,
      reason: "the owner token has expired",
    });
  });

  it("is byte for byte createOwnerToken's token for the same time and nonce (any audience)", async () => {
    const node = privateKeyToAccount(devPrivateKey(7));
    const browser = accountFromDevIndex(7);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200, unit: "grapheme" }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.integer({ min: 1, max: 1000 }),
        async (audience, now, ttlSeconds) => {
          const expected = await createOwnerToken(node, audience, { now, ttlSeconds });
          const nonce = decode(expected).nonce as Hex;
          expect(await ownerToken(browser, audience, { now, ttlSeconds, nonce })).toBe(expected);
        },
      ),
      { seed: 9, numRuns: 40 },
    );
  });

  it("refuses an audience the gateway would refuse and a malformed nonce", async () => {
    await expect(ownerToken(accountFromDevIndex(7), "a".repeat(201))).rejects.toThrow(/at most 200 characters/);
    await expect(ownerToken(accountFromDevIndex(7), AUDIENCE, { nonce: `0x${"AB".repeat(32)}` })).rejects.toThrow(
      /64 lowercase hex digits/,
    );
  });
});

describe("signRevocationInBrowser", () => {
  it("declares the ConsentRegistry's Revocation type", () => {
    // The browser copy of the type must not drift from @amc/chain's (the contract's typehash).
    expect(consentTypes.Revocation).toEqual([
      { name: "consentId", type: "bytes32" },
      { name: "deadline", type: "uint256" },
    ]);
  });

  it("equals signRevocation of @amc/chain for the same inputs", async () => {
    const node = privateKeyToAccount(devPrivateKey(7));
    const browser = accountFromDevIndex(7);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        async (chainId, registryBytes, idBytes, deadline) => {
          const registry: Address = toHex(registryBytes);
          const consentId = toHex(idBytes);
          const expected = await signRevocation(node, chainId, registry, consentId, BigInt(deadline));
          const actual = await signRevocationInBrowser(browser, {
            chainId,
            consentRegistry: registry,
            consentId,
            deadline,
          });
          expect(actual).toBe(expected);
        },
      ),
      { seed: 12, numRuns: 30 },
    );
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["a short consent id", { consentId: "0x1234" }, /consent id must be 32 bytes/],
    ["a bad registry", { consentRegistry: "0x1234" }, /consentRegistry must be a 20-byte address/],
    ["a fractional deadline", { deadline: 1.5 }, /deadline must be whole Unix seconds/],
    ["chain id 0", { chainId: 0 }, /chainId must be a positive integer/],
  ])("refuses %s", async (_what, change, message) => {
    const p = {
      chainId: 71000,
      consentRegistry: devAccount(0).address,
      consentId: toHex(5, { size: 32 }),
      deadline: 1_800_000_000,
      ...change,
    } as Parameters<typeof signRevocationInBrowser>[1];
    await expect(signRevocationInBrowser(accountFromDevIndex(7), p)).rejects.toThrow(message);
  });
});
