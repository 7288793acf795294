// The destination's security checks, exercised with real signatures on real anvil chains: a forged, an
// under-signed, a replayed and a wrongly addressed message are each refused with the module's custom error.
import { mailboxAbi, multisigIsmAbi } from "@amc/abi";
import {
  ContractFunctionRevertedError,
  concatHex,
  type Hex,
  hexToBigInt,
  stringToHex,
  BaseError as ViemBaseError,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publicClientFor, walletClientFor } from "./clients.js";
import { devKeyIndex, devPrivateKey, devPrivateKeyOf } from "./devKeys.js";
import { dispatch } from "./mailbox.js";
import { contractAddress } from "./manifest.js";
import { attestationDigest, decodeMessage, encodeMessage, messageId } from "./message.js";
import { type LocalNet, startLocalNet } from "./testing/localNet.js";

let net: LocalNet;
beforeAll(async () => {
  net = await startLocalNet();
});
afterAll(async () => net?.stop());

const chain = (name: string) => net.topology.chains.find((c) => c.name === name)!;

async function sign(keys: Hex[], origin: number, message: Hex): Promise<Hex> {
  const mailbox = contractAddress(net.manifest, "main", "Mailbox");
  const signed = await Promise.all(
    keys.map(async (key) => {
      const account = privateKeyToAccount(key);
      return {
        signer: account.address,
        signature: await account.signMessage({
          message: { raw: attestationDigest(origin, mailbox, messageId(message)) },
        }),
      };
    }),
  );
  signed.sort((a, b) => (hexToBigInt(a.signer) < hexToBigInt(b.signer) ? -1 : 1));
  return concatHex(signed.map((s) => s.signature));
}

async function processError(on: string, metadata: Hex, message: Hex): Promise<string | undefined> {
  const target = chain(on);
  try {
    await publicClientFor(target).simulateContract({
      account: privateKeyToAccount(devPrivateKey(devKeyIndex.relayer)),
      address: contractAddress(net.manifest, on, "Mailbox"),
      // The ISM's errors bubble up through the Mailbox, so decode with both ABIs.
      abi: [...mailboxAbi, ...multisigIsmAbi],
      functionName: "process",
      args: [metadata, message],
    });
    return undefined;
  } catch (error) {
    const revert =
      error instanceof ViemBaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    if (!(revert instanceof ContractFunctionRevertedError)) return `not a revert: ${String(error)}`;
    return revert.data?.errorName ?? `undecoded revert ${revert.raw ?? ""}`;
  }
}

async function dispatched(text: string): Promise<Hex> {
  const main = chain("main");
  const sent = await dispatch({
    wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember)),
    client: publicClientFor(main),
    mailbox: contractAddress(net.manifest, "main", "Mailbox"),
    destination: chain("cell-a").chainId,
    recipient: contractAddress(net.manifest, "cell-a", "MessageInbox"),
    body: stringToHex(text),
  });
  return sent.message;
}

const mainValidatorKeys = () => chain("main").validators.map((v) => devPrivateKeyOf(v)!);

describe("destination security (real anvil)", () => {
  it("accepts a quorum of the origin's validators, then refuses the replay", async () => {
    const message = await dispatched("genuine");
    const metadata = await sign(mainValidatorKeys().slice(0, 2), chain("main").chainId, message);
    expect(await processError("cell-a", metadata, message)).toBeUndefined();
    const cell = chain("cell-a");
    const wallet = walletClientFor(cell, devPrivateKey(devKeyIndex.relayer));
    const hash = await wallet.writeContract({
      address: contractAddress(net.manifest, "cell-a", "Mailbox"),
      abi: mailboxAbi,
      functionName: "process",
      args: [metadata, message],
    });
    expect((await publicClientFor(cell).waitForTransactionReceipt({ hash })).status).toBe("success");
    expect(await processError("cell-a", metadata, message)).toBe("MailboxAlreadyDelivered");
  });

  it("refuses an under-signed message", async () => {
    const message = await dispatched("one signature");
    const metadata = await sign(mainValidatorKeys().slice(0, 1), chain("main").chainId, message);
    expect(await processError("cell-a", metadata, message)).toBe("MultisigIsmInsufficientSignatures");
  });

  it("refuses a forged message signed by outsiders", async () => {
    const genuine = decodeMessage(await dispatched("pay 1"));
    const forged = encodeMessage({ ...genuine, body: stringToHex("pay 1000000") });
    const outsiders = [devPrivateKey(40), devPrivateKey(41)];
    expect(await processError("cell-a", await sign(outsiders, genuine.origin, forged), forged)).toBe(
      "MultisigIsmSignerNotValidator",
    );
  });

  it("refuses a forged message whose signatures were made for another message", async () => {
    const genuine = await dispatched("original");
    const metadata = await sign(mainValidatorKeys().slice(0, 2), chain("main").chainId, genuine);
    const forged = encodeMessage({ ...decodeMessage(genuine), body: stringToHex("tampered") });
    // The recovered signers are unrelated addresses, so the module refuses them as non-validators.
    expect(await processError("cell-a", metadata, forged)).toBe("MultisigIsmSignerNotValidator");
  });

  it("refuses a message addressed to another chain", async () => {
    const message = await dispatched("for cell-a only");
    const metadata = await sign(mainValidatorKeys().slice(0, 2), chain("main").chainId, message);
    expect(await processError("main", metadata, message)).toBe("MailboxWrongDestination");
  });
});
