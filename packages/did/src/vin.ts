// Vehicle identifiers derived from VINs. The id is HMAC-SHA256 under a key that only the registry operators
// hold, so one VIN maps to exactly one DID and anyone with the key can recompute it, while the ledger (and anyone
// without the key) learns nothing about the VIN: a plain hash of a VIN could be brute-forced, since VINs have
// little entropy (WMI + model + serial). See docs/did-method-amc.md, "Vehicle identifiers".
import { createHmac } from "node:crypto";
import { InvalidInputError } from "@amc/utils";
import type { Hex } from "viem";

/** ISO 3779 alphabet: digits and capital letters except I, O and Q. */
const VIN = /^[A-HJ-NPR-Z0-9]{17}$/;
const TRANSLITERATION: Record<string, number> = {
  A: 1,
  B: 2,
  C: 3,
  D: 4,
  E: 5,
  F: 6,
  G: 7,
  H: 8,
  J: 1,
  K: 2,
  L: 3,
  M: 4,
  N: 5,
  P: 7,
  R: 9,
  S: 2,
  T: 3,
  U: 4,
  V: 5,
  W: 6,
  X: 7,
  Y: 8,
  Z: 9,
};
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** Upper-cases, strips spaces and dashes, and checks the ISO 3779 shape; throws InvalidInputError otherwise. */
export function normaliseVin(input: string): string {
  const vin = input.replace(/[\s-]/g, "").toUpperCase();
  if (!VIN.test(vin))
    throw new InvalidInputError("a VIN has 17 characters from 0-9 and A-Z without I, O and Q", {
      details: `got "${input}"`,
    });
  return vin;
}

/**
 * The North American check digit (49 CFR 565.15), position 9. Only some regions require it, so it is checked
 * when asked (`requireCheckDigit`), not always.
 */
export function vinCheckDigit(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = vin[i] ?? "0";
    const value = /[0-9]/.test(c) ? Number(c) : (TRANSLITERATION[c] ?? 0);
    sum += value * (WEIGHTS[i] ?? 0);
  }
  const r = sum % 11;
  return r === 10 ? "X" : String(r);
}

export type VinKey = Uint8Array;

/** Derives a vehicle's 32-byte DID id from its VIN under the registry operators' key. */
export function vehicleIdFromVin(vinInput: string, key: VinKey, options: { requireCheckDigit?: boolean } = {}): Hex {
  if (key.length < 32) throw new InvalidInputError("the VIN key must be at least 32 bytes");
  const vin = normaliseVin(vinInput);
  if (options.requireCheckDigit && vin[8] !== vinCheckDigit(vin))
    throw new InvalidInputError(`VIN ${vin} fails its check digit (expected ${vinCheckDigit(vin)} at position 9)`);
  return `0x${createHmac("sha256", key).update(`amc:vin:v1:${vin}`).digest("hex")}`;
}

/**
 * The registry operators' VIN key from AMC_VIN_KEY (64 hex digits). Without it, on a dev topology only, a fixed
 * key derived from a public label is used: TEST ONLY, anyone can recompute those ids.
 */
export function vinKeyFromEnvironment(network: string): VinKey {
  const value = process.env.AMC_VIN_KEY;
  if (value) {
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(value)) throw new InvalidInputError("AMC_VIN_KEY must be 32 bytes of hex");
    return Buffer.from(value.replace(/^0x/, ""), "hex");
  }
  if (network !== "dev" && network !== "test")
    throw new InvalidInputError("AMC_VIN_KEY is not set", {
      fix: "registry operators set AMC_VIN_KEY=<64 hex digits>",
    });
  return createHmac("sha256", "amc-dev-vin-key-TEST-ONLY").update(network).digest();
}
