// A minimal WebAssembly binary encoder: just what arithmetic.ts needs to emit its module in-process (one memory,
// functions over i32/i64, straight-line bodies). Format: WebAssembly Core Specification 2.0, chapter 5 (binary).

export const I32 = 0x7f;
export const I64 = 0x7e;

export function uleb(value: number): number[] {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const vector = (items: readonly number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (text: string): number[] => [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/** Instructions used by the generator (opcodes from the spec's §5.4). */
export const op = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  i32Const: (v: number) => [0x41, ...sleb(BigInt(v))],
  i64Const: (v: bigint) => [0x42, ...sleb(v)],
  /** i64.load with 8-byte alignment at a constant offset from the address on the stack. */
  i64Load: (offset: number) => [0x29, 3, ...uleb(offset)],
  i64Store: (offset: number) => [0x37, 3, ...uleb(offset)],
  call: (index: number) => [0x10, ...uleb(index)],
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64ShrS: 0x87,
  i64ExtendI32S: 0xac,
} as const;

export type FunctionSpec = {
  name: string;
  params: number[];
  /** Number of i64 locals after the parameters. */
  i64Locals: number;
  body: number[];
  exported: boolean;
};

/** A module with the given functions (none return a value) and one exported memory of `pages` × 64 KiB. */
export function encodeModule(functions: readonly FunctionSpec[], pages: number): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((p) => [p])), 0]);
  const exports = functions.flatMap((f, i) => (f.exported ? [[...name(f.name), 0x00, ...uleb(i)]] : []));
  const bodies = functions.map((f) => {
    const body = [...(f.i64Locals > 0 ? vector([[...uleb(f.i64Locals), I64]]) : [0]), ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(5, vector([[0x00, ...uleb(pages)]])),
    ...section(7, vector([...exports, [...name("memory"), 0x02, 0x00]])),
    ...section(10, vector(bodies)),
  ]);
}
