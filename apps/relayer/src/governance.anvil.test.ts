// Validator sets come from governance and reach every chain: a proposal on main rotates main's validators; the
// change is dispatched to the edge cell's security module, delivered by the relayer (signed by the old set),
// and from then on the edge cell refuses messages signed by the old validators and accepts the new ones.
import { mailboxAbi, multisigIsmAbi } from "@amc/abi";
import {
  attestationDigest,
  contractAddress,
  devAccount,
  devKeyIndex,
  devPrivateKey,
  dispatch,
  execute,
  propose,
  publicClientFor,
  setValidatorSetAction,
  vote,
  walletClientFor,
} from "@amc/chain";
import { type LocalNet, startLocalNet } from "@amc/chain/testing";
import { waitFor } from "@amc/utils";
import {
  ContractFunctionRevertedError,
  concatHex,
  type Hex,
  hexToBigInt,
  stringToHex,
  BaseError as ViemBaseError,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LocalAgents, startLocalAgents } from "./local.js";

let net: LocalNet;
let local: LocalAgents;
beforeAll(async () => {
  net = await startLocalNet();
  local = startLocalAgents(net.topology, net.manifest);
});
afterAll(async () => {
  await local?.stop();
  await net?.stop();
});

async function signWith(keys: Hex[], origin: number, _message: Hex, id: Hex): Promise<Hex> {
  const mailbox = contractAddress(net.manifest, "main", "Mailbox");
  const signed = await Promise.all(
    keys.map(async (key) => {
      const account = privateKeyToAccount(key);
      return {
        signer: account.address,
        signature: await account.signMessage({ message: { raw: attestationDigest(origin, mailbox, id) } }),
      };
    }),
  );
  signed.sort((a, b) => (hexToBigInt(a.signer) < hexToBigInt(b.signer) ? -1 : 1));
  return concatHex(signed.map((s) => s.signature));
}

it("rotates main's validators by proposal and every chain's module follows", async () => {
  const [main, cell] = net.topology.chains as [LocalNet["topology"]["chains"][0], LocalNet["topology"]["chains"][0]];
  const mainClient = publicClientFor(main);
  const cellClient = publicClientFor(cell);
  const consortium = contractAddress(net.manifest, "main", "Consortium");
  const ism = contractAddress(net.manifest, "cell-a", "MultisigIsm");
  const newKeys = [30, 31, 32].map(devPrivateKey);
  const newValidators = [30, 31, 32].map((i) => devAccount(i).address);

  const asMember = (m: number) => ({
    wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember + m)),
    client: mainClient,
    consortium,
  });
  const id = await propose({
    ...asMember(0),
    actions: [setValidatorSetAction(consortium, main.chainId, newValidators, 2)],
    description: "rotate the main chain's validators",
  });
  await vote({ ...asMember(0), id, support: true });
  // One vote of three members is below the 50.01 % quorum: execution is refused with the contract's error.
  await expect(execute({ ...asMember(2), id })).rejects.toThrow(
    /ConsortiumQuorumNotReached|ConsortiumProposalNotSucceeded/,
  );
  await vote({ ...asMember(1), id, support: true });
  await execute({ ...asMember(2), id });

  // Main's own module applied it at once; the edge cell's gets it through the Mailbox.
  const mainIsm = contractAddress(net.manifest, "main", "MultisigIsm");
  const [onMain] = await mainClient.readContract({
    address: mainIsm,
    abi: multisigIsmAbi,
    functionName: "validatorsAndThreshold",
    args: [main.chainId],
  });
  expect(onMain).toEqual(newValidators);
  await waitFor(
    async () => {
      const version = await cellClient.readContract({
        address: ism,
        abi: multisigIsmAbi,
        functionName: "validatorSetVersion",
        args: [main.chainId],
      });
      return version === 2n ? true : undefined;
    },
    { timeoutMs: 30_000, what: "the edge cell to learn main's new validator set" },
  );
  const [onCell, threshold] = await cellClient.readContract({
    address: ism,
    abi: multisigIsmAbi,
    functionName: "validatorsAndThreshold",
    args: [main.chainId],
  });
  expect(onCell).toEqual(newValidators);
  expect(threshold).toBe(2);

  // A message from main signed by the retired validators is refused; the new validators' signatures pass.
  const sent = await dispatch({
    wallet: walletClientFor(main, devPrivateKey(devKeyIndex.firstMember)),
    client: mainClient,
    mailbox: contractAddress(net.manifest, "main", "Mailbox"),
    destination: cell.chainId,
    recipient: contractAddress(net.manifest, "cell-a", "MessageInbox"),
    body: stringToHex("after rotation"),
  });
  const oldKeys = main.validators.slice(0, 2).map((v) => {
    const index = Array.from({ length: 64 }, (_, i) => i).find((i) => devAccount(i).address === v)!;
    return devPrivateKey(index);
  });
  const simulate = async (metadata: Hex) => {
    try {
      await cellClient.simulateContract({
        account: devAccount(devKeyIndex.relayer),
        address: contractAddress(net.manifest, "cell-a", "Mailbox"),
        abi: [...mailboxAbi, ...multisigIsmAbi],
        functionName: "process",
        args: [metadata, sent.message],
      });
      return "accepted";
    } catch (error) {
      const revert =
        error instanceof ViemBaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
      return revert instanceof ContractFunctionRevertedError ? (revert.data?.errorName ?? "undecoded") : String(error);
    }
  };
  expect(await simulate(await signWith(oldKeys, main.chainId, sent.message, sent.messageId))).toBe(
    "MultisigIsmSignerNotValidator",
  );
  expect(await simulate(await signWith(newKeys.slice(1), main.chainId, sent.message, sent.messageId))).toBe("accepted");
});
