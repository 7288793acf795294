// Accounts and signatures of the dashboard, in the browser. The dashboard signs two things for its user: the owner
// token of the data API (`Authorization: Owner <token>`) and EIP-712 revocations of consents. Both must be exactly
// what the Node code produces (packages/data/src/ownerAuth.ts createOwnerToken, packages/chain/src/consent.ts
// signRevocation), because the gateway and the ConsentRegistry verify them; those modules pull in node:crypto and
// zod, so the same encodings are rebuilt here on viem alone, and wallet.test.ts pins them byte for byte.
// On a development platform the dashboard may sign in as one of the accounts of anvil's PUBLIC test mnemonic
// (packages/chain/src/devKeys.ts): test only, never for anything of value.
// Specs: EIP-712 (typed structured data signing), BIP-32/BIP-39/BIP-44 (dev account derivation), RFC 4648 §5
// (base64url without padding).

import { pbkdf2 } from "@noble/hashes/pbkdf2";
import { sha512 } from "@noble/hashes/sha2";
import { type Address, getAddress, type Hex, isAddress, isHex, type TypedDataDefinition, toHex } from "viem";
import { type HDAccount, HDKey, hdKeyToAccount, type LocalAccount, privateKeyToAccount } from "viem/accounts";

/** An account the dashboard signs with: a dev account, an imported private key, or a wrapped browser wallet. */
export type DashboardAccount = {
  address: Address;
  label: string;
  /** EIP-712 signing, as viem's `LocalAccount.signTypedData` (a browser wallet can be wrapped into this shape). */
  signTypedData: (args: TypedDataDefinition) => Promise<Hex>;
};

/** Bad input to the wallet helpers (a malformed key, an unknown dev index, an out-of-range field). */
export class WalletInputError extends Error {
  override readonly name = "WalletInputError";
}

// ---------------------------------------------------------------------------------------------------------------
// accounts

/** anvil's well-known mnemonic (the same as DEV_MNEMONIC_TEST_ONLY of @amc/chain). PUBLIC: test chains only. */
const DEV_MNEMONIC_TEST_ONLY = "test test test test test test test test test test test junk";

/**
 * What each funded dev account is in the default topology (amc.config.json and the README walkthroughs): 0 deploys,
 * 1 relays, 2..6 are the consortium members, 7 is the demo vehicle owner, 8 and 9 are spare test accounts.
 */
const DEV_LABELS = [
  "Deployer",
  "Relayer",
  "Demo Motors (OEM)",
  "Havel Road Operations (RSU operator)",
  "Transport Regulator",
  "Parts Supplier Co.",
  "Mutual Insurance & Bank (insurer)",
  "Vehicle owner (demo)",
  "Test account 8",
  "Test account 9",
] as const;

// BIP-39's seed takes 2048 rounds of PBKDF2-HMAC-SHA512, about 100 ms in JavaScript: viem's mnemonicToAccount would
// run them again for each of the ten accounts and freeze the page for a second. The seed is made once, each
// account derived from it (BIP-44 m/44'/60'/0'/0/index, as mnemonicToAccount does) once.
let devMaster: HDKey | undefined;
const derived = new Map<number, HDAccount>();

function devHdAccount(index: number): HDAccount {
  if (!Number.isInteger(index) || index < 0 || index >= DEV_LABELS.length)
    throw new WalletInputError(
      `dev account index ${String(index)} is not one of the funded test accounts 0..${DEV_LABELS.length - 1}`,
    );
  let account = derived.get(index);
  if (account === undefined) {
    devMaster ??= HDKey.fromMasterSeed(
      pbkdf2(sha512, DEV_MNEMONIC_TEST_ONLY.normalize("NFKD"), "mnemonic", { c: 2048, dkLen: 64 }),
    );
    account = hdKeyToAccount(devMaster, { addressIndex: index });
    derived.set(index, account);
  }
  return account;
}

const devLabel = (index: number) => `dev:${index} · ${DEV_LABELS[index] ?? "test account"}`;

const fromLocal = (account: LocalAccount, label: string): DashboardAccount => ({
  address: account.address,
  label,
  signTypedData: (args) => account.signTypedData(args),
});

/**
 * The ten funded accounts of anvil's public test mnemonic, for "sign in as test account N" on a development
 * platform (GET /v1/dashboard/config says `devKeys: true`). TEST ONLY.
 */
export function devAccounts(): { index: number; address: Address; label: string }[] {
  return DEV_LABELS.map((_, index) => ({ index, address: devHdAccount(index).address, label: devLabel(index) }));
}

/** The signing account of dev account `index` (0..9). Throws WalletInputError for any other index. TEST ONLY. */
export function accountFromDevIndex(index: number): DashboardAccount {
  return fromLocal(devHdAccount(index), devLabel(index));
}

const isPrivateKeyHex = (value: string): value is Hex => /^0x[0-9a-fA-F]{64}$/.test(value);

/**
 * An account from a raw secp256k1 private key (0x and 64 hex digits, surrounding spaces ignored). Throws
 * WalletInputError, never echoing the key, when it is malformed or not a valid secp256k1 scalar.
 */
export function accountFromPrivateKey(key: Hex): DashboardAccount {
  const trimmed = typeof key === "string" ? key.trim() : key;
  if (typeof trimmed !== "string" || !isPrivateKeyHex(trimmed)) {
    const shape =
      typeof trimmed !== "string"
        ? `a ${typeof trimmed}`
        : trimmed.startsWith("0x")
          ? `0x and ${trimmed.length - 2} characters`
          : `${trimmed.length} characters without 0x`;
    throw new WalletInputError(`a private key must be 0x followed by 64 hex digits; got ${shape}`);
  }
  let account: LocalAccount;
  try {
    account = privateKeyToAccount(trimmed);
  } catch (error) {
    throw new WalletInputError("the private key is not a valid secp256k1 key (it must be between 1 and n - 1)", {
      cause: error,
    });
  }
  return fromLocal(account, `Imported ${account.address.slice(0, 6)}…${account.address.slice(-4)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// owner tokens (packages/data/src/ownerAuth.ts)

const ownerAuthDomain = { name: "AMC Gateway", version: "1" } as const;
const ownerAuthTypes = {
  OwnerAuth: [
    { name: "audience", type: "string" },
    { name: "issuedAt", type: "uint64" },
    { name: "expires", type: "uint64" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;
/** The gateway refuses tokens that live longer, or whose audience is longer. */
const MAX_LIFETIME_SECONDS = 300;
const MAX_AUDIENCE_LENGTH = 200;
const NONCE = /^0x[0-9a-f]{64}$/;

/** RFC 4648 §5 base64url, no padding, of the UTF-8 bytes of `text` (what Buffer's "base64url" gives). */
function base64url(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export type OwnerTokenOptions = {
  /** Unix seconds of issue (default now). */
  now?: number;
  /** Lifetime in seconds, at most 300 (default 120). */
  ttlSeconds?: number;
  /** 32 lowercase-hex bytes (default random): the gateway accepts each nonce once. */
  nonce?: Hex;
};

/**
 * The token of `Authorization: Owner <token>` for the gateway whose audience (GET /v1/data/config) is `audience`:
 * base64url of the JSON { audience, issuedAt, expires, nonce, signature }, an EIP-712 OwnerAuth signed by
 * `account`, as createOwnerToken of @amc/data makes it. Each token is accepted once: make one per request.
 *
 * @example
 * const token = await ownerToken(accountFromDevIndex(7), config.audience);
 * await fetch(`/v1/data/objects?subject=${did}`, { headers: { authorization: `Owner ${token}` } });
 */
export async function ownerToken(
  account: DashboardAccount,
  audience: string,
  options: OwnerTokenOptions = {},
): Promise<string> {
  if (typeof audience !== "string" || audience.length > MAX_AUDIENCE_LENGTH)
    throw new WalletInputError(`the audience must be a string of at most ${MAX_AUDIENCE_LENGTH} characters`);
  const issuedAt = options.now ?? Math.floor(Date.now() / 1000);
  const ttl = Math.min(options.ttlSeconds ?? 120, MAX_LIFETIME_SECONDS);
  if (!Number.isSafeInteger(issuedAt) || issuedAt < 0 || !Number.isSafeInteger(ttl) || ttl <= 0)
    throw new WalletInputError(`an owner token needs whole non-negative times; got now ${issuedAt}, ttl ${ttl}`);
  const nonce = options.nonce ?? toHex(crypto.getRandomValues(new Uint8Array(32)));
  if (!NONCE.test(nonce)) throw new WalletInputError("the nonce must be 0x and 64 lowercase hex digits");
  const message = { audience, issuedAt: BigInt(issuedAt), expires: BigInt(issuedAt + ttl), nonce };
  const signature = await account.signTypedData({
    domain: ownerAuthDomain,
    types: ownerAuthTypes,
    primaryType: "OwnerAuth",
    message,
  });
  // Field order and JSON numbers as createOwnerToken writes them.
  const body = { audience, issuedAt, expires: issuedAt + ttl, nonce, signature };
  return base64url(JSON.stringify(body));
}

// ---------------------------------------------------------------------------------------------------------------
// consent revocations (packages/chain/src/consent.ts)

const consentRevocationTypes = {
  Revocation: [
    { name: "consentId", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export type RevocationParameters = {
  /** Main chain id (the ConsentRegistry's chain; GET /v1/data/config `chainId`). */
  chainId: number;
  /** The ConsentRegistry (GET /v1/data/config `consentRegistry`). */
  consentRegistry: Address;
  /** The consent id (bytes32). */
  consentId: Hex;
  /** Unix seconds until which the signature may be used. */
  deadline: number;
};

/**
 * The EIP-712 `Revocation { consentId, deadline }` signature under the ConsentRegistry's domain, for
 * POST /v1/data/consents/:id/revoke { deadline, signature }: the same bytes as signRevocation of @amc/chain.
 * The signer must be the consent's granter or the subject's current controller.
 */
export async function signRevocationInBrowser(account: DashboardAccount, p: RevocationParameters): Promise<Hex> {
  if (!Number.isSafeInteger(p.chainId) || p.chainId <= 0)
    throw new WalletInputError(`chainId must be a positive integer, got ${String(p.chainId)}`);
  if (typeof p.consentRegistry !== "string" || !isAddress(p.consentRegistry, { strict: false }))
    throw new WalletInputError(`consentRegistry must be a 20-byte address, got ${String(p.consentRegistry)}`);
  if (typeof p.consentId !== "string" || !isHex(p.consentId) || p.consentId.length !== 66)
    throw new WalletInputError(`consent id must be 32 bytes of hex, got ${String(p.consentId)}`);
  if (!Number.isSafeInteger(p.deadline) || p.deadline < 0)
    throw new WalletInputError(`deadline must be whole Unix seconds, got ${String(p.deadline)}`);
  return account.signTypedData({
    domain: {
      name: "AMC ConsentRegistry",
      version: "1",
      chainId: p.chainId,
      // Normalised: a mis-checksummed address names the same contract.
      verifyingContract: getAddress(p.consentRegistry),
    },
    types: consentRevocationTypes,
    primaryType: "Revocation",
    message: { consentId: p.consentId, deadline: BigInt(p.deadline) },
  });
}
