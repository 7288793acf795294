// The cross-chain message codec, byte-for-byte the same as contracts/src/xchain/libs/Message.sol
// (spec: docs/cross-chain-messaging.md). Decoding validates, because messages arrive from untrusted relayers.
import { InvalidInputError } from "@amc/utils";
import {
  type Address,
  concatHex,
  encodePacked,
  getAddress,
  type Hex,
  hexToBigInt,
  hexToNumber,
  isHex,
  keccak256,
  numberToHex,
  pad,
  size,
  sliceHex,
} from "viem";

export const MESSAGE_VERSION = 1;
export const MESSAGE_HEADER_BYTES = 77;
export const MAX_BODY_BYTES = 65_536;
/** Domain tag inside the digest that validators sign; changing it invalidates every signature. */
export const SIGNING_TAG = "AMC/xchain/v1";

export type XChainMessage = {
  version: number;
  nonce: number;
  origin: number;
  /** Sender on the origin chain, left-padded to 32 bytes. */
  sender: Hex;
  destination: number;
  /** Recipient on the destination chain, left-padded to 32 bytes. */
  recipient: Hex;
  body: Hex;
};

export const addressToBytes32 = (address: Address): Hex => pad(address, { size: 32 }).toLowerCase() as Hex;

export function bytes32ToAddress(value: Hex): Address {
  if (size(value) !== 32) throw new InvalidInputError(`expected 32 bytes, got ${size(value)}`);
  if (hexToBigInt(sliceHex(value, 0, 12)) !== 0n) throw new InvalidInputError(`${value} is not a left-padded address`);
  return getAddress(sliceHex(value, 12, 32));
}

export function encodeMessage(message: XChainMessage): Hex {
  if (size(message.body) > MAX_BODY_BYTES)
    throw new InvalidInputError(`message body is ${size(message.body)} bytes, the maximum is ${MAX_BODY_BYTES}`);
  return concatHex([
    numberToHex(message.version, { size: 1 }),
    numberToHex(message.nonce, { size: 4 }),
    numberToHex(message.origin, { size: 4 }),
    pad(message.sender, { size: 32 }),
    numberToHex(message.destination, { size: 4 }),
    pad(message.recipient, { size: 32 }),
    message.body,
  ]);
}

export function decodeMessage(bytes: Hex): XChainMessage {
  if (!isHex(bytes, { strict: true })) throw new InvalidInputError("message is not hex");
  const length = size(bytes);
  if (length < MESSAGE_HEADER_BYTES)
    throw new InvalidInputError(`message is ${length} bytes, shorter than its ${MESSAGE_HEADER_BYTES}-byte header`);
  if (length - MESSAGE_HEADER_BYTES > MAX_BODY_BYTES)
    throw new InvalidInputError(`message body exceeds ${MAX_BODY_BYTES} bytes`);
  return {
    version: hexToNumber(sliceHex(bytes, 0, 1)),
    nonce: hexToNumber(sliceHex(bytes, 1, 5)),
    origin: hexToNumber(sliceHex(bytes, 5, 9)),
    sender: sliceHex(bytes, 9, 41),
    destination: hexToNumber(sliceHex(bytes, 41, 45)),
    recipient: sliceHex(bytes, 45, 77),
    body: length === MESSAGE_HEADER_BYTES ? "0x" : sliceHex(bytes, 77),
  };
}

export const messageId = (message: Hex): Hex => keccak256(message);

/**
 * The 32 bytes a validator signs (as an EIP-191 personal message) to attest that `messageId` was dispatched by
 * the Mailbox at `originMailbox` on `origin`. Matches MultisigIsm.signingDigest before the EIP-191 prefix.
 */
export function attestationDigest(origin: number, originMailbox: Address, id: Hex): Hex {
  return keccak256(
    encodePacked(
      ["string", "uint32", "bytes32", "bytes32"],
      [SIGNING_TAG, origin, addressToBytes32(originMailbox), id],
    ),
  );
}
