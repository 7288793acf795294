// Outside answers for the ECDSA P-256 verification that every IEEE 1609.2 signature goes through (keys.ts
// verifyP256 with keys imported by publicKeyFromPoint): Google Wycheproof (P1363 and DER encodings, including
// malformed and edge cases) and NIST CAVP FIPS 186-3 SigVer [P-256,SHA-256] from Debian's
// python3-cryptography-vectors. Each vector's expected result must match; "acceptable" ones may go either way
// and are counted. Without the Debian package the NIST test is skipped, except under CI=true, where it fails.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { InvalidInputError } from "@amc/utils";
import { describe, expect, it } from "vitest";
import { publicKeyFromPoint, signatureFromP1363, verifyP256 } from "./keys.js";

const WYCHEPROOF = resolve(import.meta.dirname, "../../../../../shared/vectors/wycheproof");
const SIGVER = "/usr/lib/python3/dist-packages/cryptography_vectors/asymmetric/ECDSA/FIPS_186-3/SigVer.rsp";

const hex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

/** A big-endian unsigned integer as exactly 32 octets, or undefined when it does not fit. */
function fixed32(value: Uint8Array): Uint8Array | undefined {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const digits = value.subarray(start);
  if (digits.length > 32) return undefined;
  const out = new Uint8Array(32);
  out.set(digits, 32 - digits.length);
  return out;
}

/** Verifies through the 1609.2 path; any input the 1609.2 structures cannot carry counts as a rejection. */
function verify1609(qx: Uint8Array, qy: Uint8Array, message: Uint8Array, r: Uint8Array, s: Uint8Array): boolean {
  const x = fixed32(qx);
  const y = fixed32(qy);
  const r32 = fixed32(r);
  const s32 = fixed32(s);
  if (x === undefined || y === undefined || r32 === undefined || s32 === undefined) return false;
  let key: ReturnType<typeof publicKeyFromPoint>;
  try {
    key = publicKeyFromPoint({ type: "uncompressedP256", x, y });
  } catch (error) {
    if (error instanceof InvalidInputError) return false; // point not on the curve
    throw error;
  }
  const p1363 = new Uint8Array(64);
  p1363.set(r32, 0);
  p1363.set(s32, 32);
  return verifyP256(message, signatureFromP1363(p1363), key);
}

/** Strict DER ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }, minimal lengths and integers, no trailing data. */
function parseDer(der: Uint8Array): { r: Uint8Array; s: Uint8Array } | undefined {
  let i = 0;
  const length = (): number | undefined => {
    const first = der[i++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    if (first !== 0x81) return undefined; // P-256 signatures never need more than one length octet
    const n = der[i++];
    return n !== undefined && n >= 0x80 ? n : undefined;
  };
  const integer = (): Uint8Array | undefined => {
    if (der[i++] !== 0x02) return undefined;
    const n = length();
    if (n === undefined || n === 0 || i + n > der.length) return undefined;
    const v = der.subarray(i, i + n);
    i += n;
    if (v[0]! >= 0x80) return undefined; // negative
    if (n > 1 && v[0] === 0 && v[1]! < 0x80) return undefined; // not minimal
    return v;
  };
  if (der[i++] !== 0x30) return undefined;
  const total = length();
  if (total === undefined || i + total !== der.length) return undefined;
  const r = integer();
  const s = integer();
  if (r === undefined || s === undefined || i !== der.length) return undefined;
  return { r, s };
}

type WycheproofFile = {
  testGroups: Array<{
    publicKey: { wx: string; wy: string };
    tests: Array<{ tcId: number; msg: string; sig: string; result: "valid" | "invalid" | "acceptable" }>;
  }>;
};

function runWycheproof(file: string, split: (sig: Uint8Array) => { r: Uint8Array; s: Uint8Array } | undefined) {
  const data: WycheproofFile = JSON.parse(readFileSync(resolve(WYCHEPROOF, file), "utf8"));
  const tally = { valid: 0, invalid: 0, acceptable: 0, acceptedAcceptable: 0, mismatches: [] as number[] };
  for (const group of data.testGroups) {
    for (const test of group.tests) {
      const parts = split(hex(test.sig));
      const ok =
        parts !== undefined &&
        verify1609(hex(group.publicKey.wx), hex(group.publicKey.wy), hex(test.msg), parts.r, parts.s);
      if (test.result === "acceptable") {
        tally.acceptable++;
        if (ok) tally.acceptedAcceptable++;
      } else {
        tally[test.result]++;
        if (ok !== (test.result === "valid")) tally.mismatches.push(test.tcId);
      }
    }
  }
  return tally;
}

describe("ECDSA P-256 verification against outside vectors", () => {
  it("Wycheproof ecdsa_secp256r1_sha256_p1363: every valid accepted, every invalid rejected", () => {
    const tally = runWycheproof("ecdsa_secp256r1_sha256_p1363_test.json", (sig) =>
      sig.length === 64 ? { r: sig.subarray(0, 32), s: sig.subarray(32) } : undefined,
    );
    expect(tally.mismatches).toEqual([]);
    expect(tally).toMatchObject({ valid: 173, invalid: 89, acceptable: 0 });
  });

  it("Wycheproof ecdsa_secp256r1_sha256 (DER, converted strictly to r and s)", () => {
    const tally = runWycheproof("ecdsa_secp256r1_sha256_test.json", parseDer);
    expect(tally.mismatches).toEqual([]);
    expect(tally).toMatchObject({ valid: 174, invalid: 310, acceptable: 0 });
  });

  it("NIST CAVP FIPS 186-3 SigVer [P-256,SHA-256] (python3-cryptography-vectors)", (ctx) => {
    if (!existsSync(SIGVER)) {
      if (process.env.CI === "true")
        throw new Error(`${SIGVER} is missing: apt-get install python3-cryptography-vectors`);
      ctx.skip("apt-get install python3-cryptography-vectors");
    }
    const text = readFileSync(SIGVER, "utf8");
    const section = text.split("[P-256,SHA-256]")[1]?.split(/\n\[/)[0] ?? "";
    const records = section.split(/\n\s*\n/).filter((block) => block.includes("Msg ="));
    const field = (block: string, name: string) => new RegExp(`^${name} = (\\S+)`, "m").exec(block)?.[1] ?? "";
    let passed = 0;
    let failed = 0;
    const mismatches: string[] = [];
    for (const block of records) {
      const expected = field(block, "Result") === "P";
      if (expected) passed++;
      else failed++;
      const ok = verify1609(
        hex(field(block, "Qx")),
        hex(field(block, "Qy")),
        hex(field(block, "Msg")),
        hex(field(block, "R")),
        hex(field(block, "S")),
      );
      if (ok !== expected) mismatches.push(field(block, "R"));
    }
    expect(mismatches).toEqual([]);
    expect(records.length).toBe(15);
    // 3 good signatures; 12 bad ones with the message, R, S or Q changed (3 each).
    expect({ passed, failed }).toEqual({ passed: 3, failed: 12 });
  });
});
