// The byte format of umbral-pre 0.10's `toBytes()` / `fromBytes()`: rust-umbral's serde structs encoded by
// rmp-serde, i.e. MessagePack fixarrays (0x90 | length) of fields, fixed-size byte strings as bin 8
// (0xc4, length, bytes) and booleans as 0xc2 / 0xc3. Umbral objects have fixed layouts, so this writes exactly those
// and reads them strictly: anything else (other MessagePack spellings included) is rejected with the offset.

import { InvalidInputError } from "@amc/utils";
import { concatBytes } from "@noble/hashes/utils";

export const BIN8 = 0xc4;

export const msgpackArray = (length: number): Uint8Array => Uint8Array.of(0x90 | length);
export const msgpackBin = (bytes: Uint8Array): Uint8Array => concatBytes(Uint8Array.of(BIN8, bytes.length), bytes);
export const msgpackBool = (value: boolean): Uint8Array => Uint8Array.of(value ? 0xc3 : 0xc2);

/** Reads one fixed-layout object; every mismatch is an InvalidInputError naming the object and field. */
export class MsgpackReader {
  readonly #bytes: Uint8Array;
  readonly #what: string;
  #offset = 0;

  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#what = what;
  }

  #fail(field: string, expected: string): never {
    throw new InvalidInputError(`${this.#what} bytes are malformed at offset ${this.#offset} (${field})`, {
      details: `expected ${expected}`,
      fix: `pass bytes produced by ${this.#what}ToBytes() or umbral-pre's toBytes()`,
    });
  }

  array(length: number, field: string): void {
    if (this.#bytes[this.#offset] !== (0x90 | length)) this.#fail(field, `a MessagePack array of ${length}`);
    this.#offset += 1;
  }

  bin(length: number, field: string): Uint8Array {
    const at = this.#offset;
    if (this.#bytes[at] !== BIN8 || this.#bytes[at + 1] !== length || at + 2 + length > this.#bytes.length) {
      this.#fail(field, `a MessagePack bin 8 of ${length} bytes`);
    }
    this.#offset = at + 2 + length;
    return this.#bytes.subarray(at + 2, at + 2 + length);
  }

  bool(field: string): boolean {
    const byte = this.#bytes[this.#offset];
    if (byte !== 0xc2 && byte !== 0xc3) this.#fail(field, "a MessagePack boolean");
    this.#offset += 1;
    return byte === 0xc3;
  }

  end(): void {
    if (this.#offset !== this.#bytes.length) this.#fail("end", "no bytes after the object");
  }
}
