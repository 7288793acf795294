// Development keys. They come from anvil's well-known test mnemonic, which is PUBLIC: these keys are for local
// chains and tests only and must never hold anything of value. Roles are fixed by index so that the default
// topology (amc.config.json) can name the addresses.
import { type Address, bytesToHex, type Hex } from "viem";
import { type HDAccount, mnemonicToAccount } from "viem/accounts";

export const DEV_MNEMONIC_TEST_ONLY = "test test test test test test test test test test test junk";

export const devKeyIndex = {
  deployer: 0,
  relayer: 1,
  /** Consortium members of the default topology: indices 2..6. */
  firstMember: 2,
  /** Validators of the default topology: three per chain from index 10. */
  firstValidator: 10,
} as const;

/** How many dev accounts anvil funds; validators (index >= 10) sign off-chain and need no funds. */
export const DEV_FUNDED_ACCOUNTS = 10;
const SEARCHED = 64;

const cache = new Map<number, HDAccount>();

export function devAccount(index: number): HDAccount {
  let account = cache.get(index);
  if (!account) {
    account = mnemonicToAccount(DEV_MNEMONIC_TEST_ONLY, { addressIndex: index });
    cache.set(index, account);
  }
  return account;
}

export function devPrivateKey(index: number): Hex {
  const key = devAccount(index).getHdKey().privateKey;
  if (!key) throw new Error(`no private key for dev account ${index}`);
  return bytesToHex(key);
}

/** Finds the dev key of an address among the first 64 dev accounts, if it is one. */
export function devPrivateKeyOf(address: Address): Hex | undefined {
  for (let index = 0; index < SEARCHED; index++) {
    if (devAccount(index).address.toLowerCase() === address.toLowerCase()) return devPrivateKey(index);
  }
  return undefined;
}
