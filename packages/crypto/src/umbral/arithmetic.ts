// secp256k1 field and point arithmetic in WebAssembly, emitted by this file at load time (no binary is checked in).
//
// Why: scalar multiplication is all Umbral costs, and JavaScript has no fast 256-bit arithmetic: a BigInt
// multiply-and-reduce takes ~650 ns in V8 and exact float64 limb arithmetic ~100 ns, while WebAssembly's i64
// multiply makes it ~40 ns. The module is generated from the code below, so what runs is what is reviewed here.
//
// Representation: a field element is 10 signed 64-bit limbs of radix 2^26 at an 80-byte-aligned address of the
// module's memory, value = Σ limb[i]·2^(26·i), defined modulo p = 2^256 − 2^32 − 977 and not unique.
// - "Reduced" (what mul, sqr, reduce, lin2r and lin3r write): limbs of magnitude ≤ 2^26 + 16.
// - add, sub, scale and lin2 do not carry ("lazy"). mul and sqr accept limbs of magnitude ≤ 2^29 (8 reduced
//   elements summed), so a column of 10 products stays below 10·2^58 < 2^62 and i64 arithmetic is exact; the
//   reductions accept anything below 2^62.
// - Reduction: 2^260 ≡ 2^4·(2^32 + 977) = 2^36 + 15632 (mod p), so column 10 + k folds into column k (× 15632)
//   and column k + 1 (× 2^10); carries are arithmetic shifts by 26 (floor division), remainders masks.
// Points are Jacobian (X/Z², Y/Z³, three consecutive elements) with a = 0: doubling dbl-2009-l, mixed addition
// madd-2007-bl, general addition add-2007-bl (Explicit-Formulas Database), all incomplete (see curve.ts).
//
// Memory: [0, 10 KiB) scratch elements (point formulas, addition chains, JS helpers), then a persistent region for
// the fixed-base tables of G and U, then an arena for per-call data that `withArena` releases when a public
// Umbral function returns. All of it is single-threaded and synchronous.

import { AssertionError } from "@amc/utils";
import { encodeModule, type FunctionSpec, I32, op } from "./wasmEncoder.js";

/** A field element: its byte address in the module's memory. */
export type Fe = number;

export const ELEMENT = 80;
const LIMBS = 10;
const RADIX = 2 ** 26;
const MASK = 0x3ffffffn;

// Scratch slots used inside the module: T0..T11 by the point formulas, X0..X11 by the addition chains.
const T = (i: number) => i * ELEMENT;
const X = (i: number) => (16 + i) * ELEMENT;
/** Scratch slots 0..79 for JavaScript helpers (module slots 40..119); never held across a call to another helper. */
export function jsScratch(i: number): Fe {
  if (!(i >= 0 && i < 80)) throw new AssertionError(`umbral arithmetic: no scratch slot ${i}`);
  return (40 + i) * ELEMENT;
}
const BETA_SLOT = 120 * ELEMENT;
const PERSISTENT_START = 128 * ELEMENT;
const PERSISTENT_BYTES = 512 * 1024;
const ARENA_START = PERSISTENT_START + PERSISTENT_BYTES;
const PAGE = 65536;

// ---------------------------------------------------------------------------------------------------------------
// Code generation.

type Arg = number[];
const get = op.localGet;
/** The address `offset` bytes past the pointer in local `local`. */
const at = (local: number, offset = 0): Arg =>
  offset === 0 ? get(local) : [...get(local), ...op.i32Const(offset), op.i32Add];
const addr = (address: number): Arg => op.i32Const(address);

/** Collects functions by name, so that bodies can call functions declared after them. */
class Emitter {
  readonly specs: FunctionSpec[] = [];
  readonly #index = new Map<string, number>();
  readonly #pending: (() => void)[] = [];

  declare(name: string, params: number, i64Locals: number, exported: boolean, body: (e: Emitter) => number[]): void {
    this.#index.set(name, this.specs.length);
    this.specs.push({ name, params: Array(params).fill(I32), i64Locals, body: [], exported });
    this.#pending.push(() => {
      this.specs[this.#index.get(name)!]!.body = body(this);
    });
  }

  call(name: string, ...args: Arg[]): number[] {
    const index = this.#index.get(name);
    if (index === undefined) throw new AssertionError(`wasm: unknown function ${name}`);
    return [...args.flat(), ...op.call(index)];
  }

  finish(pages: number): Uint8Array {
    for (const emit of this.#pending) emit();
    return encodeModule(this.specs, pages);
  }
}

/** Floor-carry column `from` into column `to` (locals holding i64 columns). */
const carry = (from: number, to: number): number[] => [
  ...get(to),
  ...get(from),
  ...op.i64Const(26n),
  op.i64ShrS,
  op.i64Add,
  ...op.localSet(to),
  ...get(from),
  ...op.i64Const(MASK),
  op.i64And,
  ...op.localSet(from),
];

/** local[target] += local[source] · factor */
const addScaled = (target: number, source: number, factor: bigint): number[] => [
  ...get(target),
  ...get(source),
  ...op.i64Const(factor),
  op.i64Mul,
  op.i64Add,
  ...op.localSet(target),
];

/**
 * Reduces columns c[0..9] (i64 locals, each below 2^62) plus c[10] (a multiple of 2^260, may be preset) and
 * stores the reduced element at the address in local `out`.
 */
function reduceLow(c: (i: number) => number, out: number): number[] {
  const code: number[] = [];
  for (let k = 0; k < LIMBS; k++) code.push(...carry(c(k), c(k + 1)));
  code.push(...addScaled(c(0), c(10), 15632n), ...addScaled(c(1), c(10), 1024n));
  for (let k = 0; k < 3; k++) code.push(...carry(c(k), c(k + 1)));
  for (let k = 0; k < LIMBS; k++) code.push(...get(out), ...get(c(k)), ...op.i64Store(8 * k));
  return code;
}

/** Body of mul (square = false: params o, a, b) or sqr (params o, a). */
function productBody(square: boolean): number[] {
  const params = square ? 2 : 3;
  const a = (i: number) => params + i;
  const b = (i: number) => params + LIMBS + i; // for sqr: 2·a
  const c = (i: number) => params + 2 * LIMBS + i;
  const code: number[] = [];
  for (let i = 0; i < LIMBS; i++) code.push(...get(1), ...op.i64Load(8 * i), ...op.localSet(a(i)));
  for (let i = 0; i < LIMBS; i++) {
    if (square) code.push(...get(a(i)), ...get(a(i)), op.i64Add, ...op.localSet(b(i)));
    else code.push(...get(2), ...op.i64Load(8 * i), ...op.localSet(b(i)));
  }
  for (let k = 0; k < 2 * LIMBS - 1; k++) {
    let terms = 0;
    for (let i = 0; i < LIMBS; i++) {
      const j = k - i;
      if (j < 0 || j >= LIMBS || (square && j < i)) continue;
      code.push(...get(a(i)), ...get(square && j === i ? a(j) : b(j)), op.i64Mul);
      if (terms++ > 0) code.push(op.i64Add);
    }
    code.push(...op.localSet(c(k)));
  }
  // Carry columns 10..18 to 26 bits (c19 takes the overflow), then fold them into columns 0..10.
  for (let k = 10; k < 18; k++) code.push(...carry(c(k), c(k + 1)));
  code.push(...get(c(18)), ...op.i64Const(26n), op.i64ShrS, ...op.localSet(c(19)));
  code.push(...get(c(18)), ...op.i64Const(MASK), op.i64And, ...op.localSet(c(18)));
  code.push(...addScaled(c(0), c(10), 15632n));
  for (let k = 1; k < LIMBS; k++) code.push(...addScaled(c(k), c(10 + k), 15632n), ...addScaled(c(k), c(9 + k), 1024n));
  code.push(...get(c(19)), ...op.i64Const(1024n), op.i64Mul, ...op.localSet(c(10)));
  code.push(...reduceLow(c, 0));
  return code;
}

/** Body of a reduction of Σ k_j·x_j: params o, then (x_j, k_j) pairs (k_j an i32), or just o, x when unscaled. */
function linearBody(inputs: number, scaled: boolean, reduce: boolean): number[] {
  const params = 1 + inputs * (scaled ? 2 : 1);
  const c = (i: number) => params + i;
  const code: number[] = [];
  for (let i = 0; i < LIMBS; i++) {
    for (let j = 0; j < inputs; j++) {
      const x = scaled ? 1 + 2 * j : 1 + j;
      code.push(...get(x), ...op.i64Load(8 * i));
      if (scaled) code.push(...get(x + 1), op.i64ExtendI32S, op.i64Mul);
      if (j > 0) code.push(op.i64Add);
    }
    if (reduce) code.push(...op.localSet(c(i)));
    else code.push(...op.localSet(c(i)), ...get(0), ...get(c(i)), ...op.i64Store(8 * i));
  }
  if (reduce) code.push(...op.i64Const(0n), ...op.localSet(c(10)), ...reduceLow(c, 0));
  return code;
}

/** Body of o = a ± b, lazy (params o, a, b). */
function addBody(opcode: number): number[] {
  const code: number[] = [];
  for (let i = 0; i < LIMBS; i++) {
    code.push(
      ...get(0),
      ...get(1),
      ...op.i64Load(8 * i),
      ...get(2),
      ...op.i64Load(8 * i),
      opcode,
      ...op.i64Store(8 * i),
    );
  }
  return code;
}

/** Body of jselect(o, a, b, bit): the three elements at o = a if bit is 0, b if 1, without branching. */
function selectBody(): number[] {
  const code: number[] = [];
  for (let i = 0; i < 3 * LIMBS; i++) {
    const load = (p: number) => [...get(p), ...op.i64Load(8 * i)];
    code.push(...get(0), ...load(1), ...get(3), op.i64ExtendI32S, ...load(2), ...load(1), op.i64Sub, op.i64Mul);
    code.push(op.i64Add, ...op.i64Store(8 * i));
  }
  return code;
}

/** o = a^(2^n) · b as calls (o may alias a or b). */
const sqrNMul = (e: Emitter, o: Arg, a: Arg, n: number, b: Arg): number[] => {
  const code = e.call("sqr", o, a);
  for (let i = 1; i < n; i++) code.push(...e.call("sqr", o, o));
  return [...code, ...e.call("mul", o, o, b)];
};

/** libsecp256k1's addition chain prefix, x_k = a^(2^k − 1) in X slots; a is the address in local 1. */
function chainPrefix(e: Emitter): number[] {
  const a = get(1);
  // X(0..10) hold x2, x3, x6, x9, x11, x22, x44, x88, x176, x220, x223.
  const x = (i: number) => addr(X(i));
  return [
    ...e.call("sqr", x(0), a),
    ...e.call("mul", x(0), x(0), a),
    ...e.call("sqr", x(1), x(0)),
    ...e.call("mul", x(1), x(1), a),
    ...sqrNMul(e, x(2), x(1), 3, x(1)),
    ...sqrNMul(e, x(3), x(2), 3, x(1)),
    ...sqrNMul(e, x(4), x(3), 2, x(0)),
    ...sqrNMul(e, x(5), x(4), 11, x(4)),
    ...sqrNMul(e, x(6), x(5), 22, x(5)),
    ...sqrNMul(e, x(7), x(6), 44, x(6)),
    ...sqrNMul(e, x(8), x(7), 88, x(7)),
    ...sqrNMul(e, x(9), x(8), 44, x(6)),
    ...sqrNMul(e, x(10), x(9), 3, x(1)),
  ];
}

const CHAIN = { x2: addr(X(0)), x22: addr(X(5)), x223: addr(X(10)), t: addr(X(11)) };

/** Jacobian doubling, params o, p (o may be p). Comments give lazy bounds as multiples of a reduced element. */
function doubleBody(e: Emitter): number[] {
  const [x, y, z] = [at(1), at(1, ELEMENT), at(1, 2 * ELEMENT)];
  const [ox, oy, oz] = [at(0), at(0, ELEMENT), at(0, 2 * ELEMENT)];
  const [a, b, c, d, m, twoY] = [addr(T(0)), addr(T(1)), addr(T(2)), addr(T(3)), addr(T(4)), addr(T(5))];
  return [
    ...e.call("sqr", a, x), // A = X²
    ...e.call("sqr", b, y), // B = Y²
    ...e.call("sqr", c, b), // C = B²
    ...e.call("add", m, x, b), // 2
    ...e.call("sqr", m, m),
    ...e.call("lin3r", d, m, op.i32Const(2), a, op.i32Const(-2), c, op.i32Const(-2)), // D = 2((X + B)² − A − C)
    ...e.call("add", twoY, y, y), // before Y is overwritten
    ...e.call("sqr", m, a), // F = (3A)² = 9A²
    ...e.call("lin2r", ox, m, op.i32Const(9), d, op.i32Const(-2)), // X3 = F − 2D
    ...e.call("sub", m, d, ox), // 2
    ...e.call("mul", m, a, m),
    ...e.call("lin2r", oy, m, op.i32Const(3), c, op.i32Const(-8)), // Y3 = 3A·(D − X3) − 8C
    ...e.call("mul", oz, twoY, z), // Z3 = 2·Y·Z
  ];
}

/** Mixed addition o = p + (qx, ±qy), params o, p, qx, qy, negate (0/1); o may be p. */
function mixedAddBody(e: Emitter): number[] {
  const [x1, y1, z1] = [at(1), at(1, ELEMENT), at(1, 2 * ELEMENT)];
  const [ox, oy, oz] = [at(0), at(0, ELEMENT), at(0, 2 * ELEMENT)];
  const [zz, h, r, hh, j, v, n, twoZ, m, qy] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => addr(T(i)));
  const sign = [...op.i32Const(1), ...get(4), ...op.i32Const(2), op.i32Mul, op.i32Sub]; // 1 − 2·negate
  return [
    ...e.call("scale", qy!, get(3), sign),
    ...e.call("sqr", zz!, z1), // Z1Z1
    ...e.call("mul", h!, get(2), zz!), // U2
    ...e.call("sub", h!, h!, x1), // H = U2 − X1, 2
    ...e.call("mul", r!, qy!, z1),
    ...e.call("mul", r!, r!, zz!), // S2
    ...e.call("sub", r!, r!, y1), // R = S2 − Y1 = r/2, 2
    ...e.call("sqr", hh!, h!), // H²
    ...e.call("mul", j!, h!, hh!), // J/4 = H³
    ...e.call("mul", v!, x1, hh!), // V/4 = X1·H²
    ...e.call("mul", n!, y1, j!), // Y1·J/4, before Y1 is overwritten
    ...e.call("add", twoZ!, z1, z1), // before Z1 is overwritten
    ...e.call("sqr", m!, r!),
    ...e.call("lin3r", ox, m!, op.i32Const(4), j!, op.i32Const(-4), v!, op.i32Const(-8)), // X3 = r² − J − 2V
    ...e.call("lin2", m!, v!, op.i32Const(4), ox, op.i32Const(-1)), // V − X3, 5
    ...e.call("mul", m!, r!, m!),
    ...e.call("lin2r", oy, m!, op.i32Const(2), n!, op.i32Const(-8)), // Y3 = r·(V − X3) − 2·Y1·J
    ...e.call("mul", oz, twoZ!, h!), // Z3 = 2·Z1·H
  ];
}

/** General addition o = p + q, params o, p, q (o may be p or q). */
function addPointsBody(e: Emitter): number[] {
  const [x1, y1, z1] = [at(1), at(1, ELEMENT), at(1, 2 * ELEMENT)];
  const [x2, y2, z2] = [at(2), at(2, ELEMENT), at(2, 2 * ELEMENT)];
  const [ox, oy, oz] = [at(0), at(0, ELEMENT), at(0, 2 * ELEMENT)];
  const [z1z1, z2z2, u1, h, s1, r, hh, j, v, n, z3, m] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => addr(T(i)));
  return [
    ...e.call("sqr", z1z1!, z1),
    ...e.call("sqr", z2z2!, z2),
    ...e.call("mul", u1!, x1, z2z2!), // U1
    ...e.call("mul", h!, x2, z1z1!), // U2
    ...e.call("sub", h!, h!, u1!), // H, 2
    ...e.call("mul", s1!, y1, z2),
    ...e.call("mul", s1!, s1!, z2z2!), // S1
    ...e.call("mul", r!, y2, z1),
    ...e.call("mul", r!, r!, z1z1!), // S2
    ...e.call("sub", r!, r!, s1!), // R = r/2, 2
    ...e.call("mul", z3!, z1, z2),
    ...e.call("add", z3!, z3!, z3!),
    ...e.call("mul", z3!, z3!, h!), // Z3 = 2·Z1·Z2·H (p and q are not read below)
    ...e.call("sqr", hh!, h!),
    ...e.call("mul", j!, h!, hh!), // J/4
    ...e.call("mul", v!, u1!, hh!), // V/4
    ...e.call("mul", n!, s1!, j!), // S1·J/4
    ...e.call("sqr", m!, r!),
    ...e.call("lin3r", ox, m!, op.i32Const(4), j!, op.i32Const(-4), v!, op.i32Const(-8)),
    ...e.call("lin2", m!, v!, op.i32Const(4), ox, op.i32Const(-1)),
    ...e.call("mul", m!, r!, m!),
    ...e.call("lin2r", oy, m!, op.i32Const(2), n!, op.i32Const(-8)),
    ...e.call("lin2r", oz, z3!, op.i32Const(1), z3!, op.i32Const(0)),
  ];
}

/** The module's bytes. */
export function arithmeticModule(pages: number): Uint8Array {
  const e = new Emitter();
  e.declare("mul", 3, 4 * LIMBS, true, () => productBody(false));
  e.declare("sqr", 2, 4 * LIMBS, true, () => productBody(true));
  e.declare("reduce", 2, LIMBS + 1, true, () => linearBody(1, false, true));
  e.declare("lin2r", 5, LIMBS + 1, true, () => linearBody(2, true, true));
  e.declare("lin3r", 7, LIMBS + 1, true, () => linearBody(3, true, true));
  e.declare("lin2", 5, LIMBS, true, () => linearBody(2, true, false));
  e.declare("scale", 3, LIMBS, true, () => linearBody(1, true, false));
  e.declare("add", 3, 0, true, () => addBody(op.i64Add));
  e.declare("sub", 3, 0, true, () => addBody(op.i64Sub));
  e.declare("jselect", 4, 0, true, selectBody);
  e.declare("dbl", 2, 0, true, doubleBody);
  e.declare("madd", 5, 0, true, mixedAddBody);
  e.declare("jadd", 3, 0, true, addPointsBody);
  // a^(p−2) and a^((p+1)/4), params o, a.
  e.declare("inv", 2, 0, true, (em) => [
    ...chainPrefix(em),
    ...sqrNMul(em, CHAIN.t, CHAIN.x223, 23, CHAIN.x22),
    ...sqrNMul(em, CHAIN.t, CHAIN.t, 5, get(1)),
    ...sqrNMul(em, CHAIN.t, CHAIN.t, 3, CHAIN.x2),
    ...sqrNMul(em, get(0), CHAIN.t, 2, get(1)),
  ]);
  e.declare("sqrt", 2, 0, true, (em) => [
    ...chainPrefix(em),
    ...sqrNMul(em, CHAIN.t, CHAIN.x223, 23, CHAIN.x22),
    ...sqrNMul(em, CHAIN.t, CHAIN.t, 6, CHAIN.x2),
    ...em.call("sqr", CHAIN.t, CHAIN.t),
    ...em.call("sqr", get(0), CHAIN.t),
  ]);
  return e.finish(pages);
}

// ---------------------------------------------------------------------------------------------------------------
// Runtime.

// Typed locally: the project compiles without the DOM lib, which is where TypeScript declares WebAssembly.
type WasmMemory = { readonly buffer: ArrayBuffer; grow(pages: number): number };
type WasmExports = Readonly<Record<string, unknown>>;
type WasmRuntime = {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: WasmExports };
};

type Exports = {
  memory: WasmMemory;
  mul(o: Fe, a: Fe, b: Fe): void;
  sqr(o: Fe, a: Fe): void;
  reduce(o: Fe, a: Fe): void;
  lin2r(o: Fe, a: Fe, ka: number, b: Fe, kb: number): void;
  lin3r(o: Fe, a: Fe, ka: number, b: Fe, kb: number, c: Fe, kc: number): void;
  lin2(o: Fe, a: Fe, ka: number, b: Fe, kb: number): void;
  scale(o: Fe, a: Fe, k: number): void;
  add(o: Fe, a: Fe, b: Fe): void;
  sub(o: Fe, a: Fe, b: Fe): void;
  jselect(o: number, a: number, b: number, bit: number): void;
  dbl(o: number, p: number): void;
  madd(o: number, p: number, qx: Fe, qy: Fe, negate: number): void;
  jadd(o: number, p: number, q: number): void;
  inv(o: Fe, a: Fe): void;
  sqrt(o: Fe, a: Fe): void;
};

const FUNCTIONS = ["mul", "sqr", "reduce", "lin2r", "lin3r", "lin2", "scale", "add", "sub", "jselect", "dbl", "madd"];

const isRuntime = (value: unknown): value is WasmRuntime =>
  typeof value === "object" &&
  value !== null &&
  typeof Reflect.get(value, "Module") === "function" &&
  typeof Reflect.get(value, "Instance") === "function";

const isMemory = (value: unknown): value is WasmMemory =>
  typeof value === "object" &&
  value !== null &&
  Reflect.get(value, "buffer") instanceof ArrayBuffer &&
  typeof Reflect.get(value, "grow") === "function";

const isArithmetic = (exports: WasmExports): exports is WasmExports & Exports =>
  isMemory(exports.memory) &&
  [...FUNCTIONS, "jadd", "inv", "sqrt"].every((name) => typeof exports[name] === "function");

function instantiate(): Exports {
  const runtime: unknown = Reflect.get(globalThis, "WebAssembly");
  if (!isRuntime(runtime)) throw new AssertionError("umbral arithmetic needs WebAssembly, which this runtime lacks");
  const module = new runtime.Module(arithmeticModule(Math.ceil(ARENA_START / PAGE) + 4));
  const { exports } = new runtime.Instance(module);
  if (!isArithmetic(exports)) throw new AssertionError("umbral arithmetic: the generated module lacks an export");
  return exports;
}

/** The module's functions (addresses in, results written to memory). */
export const wasm: Exports = instantiate();

let words = new Int32Array(wasm.memory.buffer);
/** The memory as 32-bit words, refreshed after the memory grows. */
function memoryWords(): Int32Array {
  if (words.buffer !== wasm.memory.buffer) words = new Int32Array(wasm.memory.buffer);
  return words;
}

let persistentTop = PERSISTENT_START;
/** Elements that live for the whole process (fixed-base tables of G and U). */
export function persistentAlloc(elements: number): Fe {
  const start = persistentTop;
  persistentTop += elements * ELEMENT;
  if (persistentTop > ARENA_START) throw new AssertionError("umbral arithmetic: persistent region exhausted");
  return start;
}

let arenaTop = ARENA_START;
let arenaDepth = 0;

/** Elements valid until the enclosing `withArena` returns. */
export function arenaAlloc(elements: number): Fe {
  if (arenaDepth === 0) throw new AssertionError("umbral arithmetic: arena allocation outside withArena");
  const start = arenaTop;
  arenaTop += elements * ELEMENT;
  const needed = arenaTop - wasm.memory.buffer.byteLength;
  if (needed > 0) wasm.memory.grow(Math.ceil(needed / PAGE) + 4);
  return start;
}

/** Runs `body` with an arena for wasm-memory allocations, released (also on throw) when it returns. */
export function withArena<T>(body: () => T): T {
  const mark = arenaTop;
  arenaDepth += 1;
  try {
    return body();
  } finally {
    arenaDepth -= 1;
    arenaTop = mark;
  }
}

/** Writes 10 limbs (integers of magnitude < 2^31) as i64. */
export function writeLimbs(target: Fe, limbs: ArrayLike<number>): void {
  const w = memoryWords();
  const base = target >> 2;
  for (let i = 0; i < LIMBS; i++) {
    const limb = limbs[i]!;
    w[base + 2 * i] = limb;
    w[base + 2 * i + 1] = limb < 0 ? -1 : 0;
  }
}

export function copyElements(target: Fe, source: Fe, elements: number): void {
  memoryWords().copyWithin(target >> 2, source >> 2, (source >> 2) + (elements * ELEMENT) / 4);
}

/** The canonical limbs (each in [0, 2^26), value in [0, p)) of an element. */
export function canonicalLimbs(a: Fe, out: Int32Array = new Int32Array(LIMBS)): Int32Array {
  const w = memoryWords();
  const base = a >> 2;
  const l: number[] = [];
  // |limb| < 2^53 after any chain of our operations, so hi·2^32 + lo is exact.
  for (let i = 0; i < LIMBS; i++) l.push(w[base + 2 * i + 1]! * 2 ** 32 + (w[base + 2 * i]! >>> 0));
  const ripple = (): number => {
    let carryOut = 0;
    for (let i = 0; i < LIMBS; i++) {
      const q = Math.floor(l[i]! / RADIX);
      l[i] = l[i]! - q * RADIX;
      if (i + 1 < LIMBS) l[i + 1] = l[i + 1]! + q;
      else carryOut = q;
    }
    return carryOut;
  };
  // Fold multiples of 2^260 until the value is in [0, 2^260), then multiples of 2^256 until it is below 2^256.
  for (let t = ripple(); t !== 0; t = ripple()) {
    l[0] = l[0]! + t * 15632;
    l[1] = l[1]! + t * 1024;
  }
  for (let h = Math.floor(l[9]! / 2 ** 22); h !== 0; h = Math.floor(l[9]! / 2 ** 22)) {
    l[9] = l[9]! - h * 2 ** 22;
    l[0] = l[0]! + h * 977;
    l[1] = l[1]! + h * 64;
    ripple();
  }
  // value ≥ p  ⇔  value + 2^32 + 977 ≥ 2^256.
  const trial = l.slice();
  trial[0] = trial[0]! + 977;
  trial[1] = trial[1]! + 64;
  for (let i = 0; i < LIMBS - 1; i++) {
    const q = Math.floor(trial[i]! / RADIX);
    trial[i] = trial[i]! - q * RADIX;
    trial[i + 1] = trial[i + 1]! + q;
  }
  const reduced = trial[9]! >= 2 ** 22;
  if (reduced) trial[9] = trial[9]! - 2 ** 22;
  const result = reduced ? trial : l;
  for (let i = 0; i < LIMBS; i++) out[i] = result[i]!;
  return out;
}

export function limbsEqual(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < LIMBS; i++) if (a[i] !== b[i]) return false;
  return true;
}

const zeroLimbs = new Int32Array(LIMBS);
const compareA = new Int32Array(LIMBS);
const compareB = new Int32Array(LIMBS);

export function feIsZero(a: Fe): boolean {
  return limbsEqual(canonicalLimbs(a, compareA), zeroLimbs);
}

export function feEquals(a: Fe, b: Fe): boolean {
  return limbsEqual(canonicalLimbs(a, compareA), canonicalLimbs(b, compareB));
}

/** Canonical limbs → the value as a bigint. */
export function limbsToBigInt(limbs: ArrayLike<number>): bigint {
  let v = 0n;
  for (let i = LIMBS - 1; i >= 0; i--) v = (v << 26n) | BigInt(limbs[i]!);
  return v;
}

/** A value in [0, 2^260) → limbs. */
export function bigIntToLimbs(value: bigint, out: Int32Array = new Int32Array(LIMBS)): Int32Array {
  let v = value;
  for (let i = 0; i < LIMBS; i++) {
    out[i] = Number(v & MASK);
    v >>= 26n;
  }
  return out;
}

/** Canonical limbs → 32 big-endian bytes written at out[offset..offset+32). */
export function limbsToBytes(limbs: ArrayLike<number>, out: Uint8Array, offset: number): void {
  // Byte k (from the least significant) holds bits 8k..8k+7, which span at most two limbs.
  for (let k = 0; k < 32; k++) {
    const bit = 8 * k;
    const limb = Math.floor(bit / 26);
    const shift = bit - 26 * limb;
    let value = limbs[limb]! >>> shift;
    if (shift > 18 && limb + 1 < LIMBS) value |= limbs[limb + 1]! << (26 - shift);
    out[offset + 31 - k] = value & 0xff;
  }
}

/** 32 big-endian bytes → limbs (the value may be ≥ p; callers check). */
export function bytesToLimbs(bytes: Uint8Array, out: Int32Array = new Int32Array(LIMBS)): Int32Array {
  out.fill(0);
  for (let k = 0; k < 32; k++) {
    const value = bytes[31 - k]!;
    const bit = 8 * k;
    const limb = Math.floor(bit / 26);
    const shift = bit - 26 * limb;
    out[limb] = out[limb]! | ((value << shift) & 0x3ffffff);
    if (shift > 18 && limb + 1 < LIMBS) out[limb + 1] = out[limb + 1]! | (value >>> (26 - shift));
  }
  return out;
}

export const BETA_ELEMENT: Fe = BETA_SLOT;
writeLimbs(BETA_SLOT, bigIntToLimbs(0x7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501een));
