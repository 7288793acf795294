// The blob store: what goes in comes out under its SHA-256, twice in is stored once, damage is detected on read,
// and a hash argument can never name a path outside the store.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BlobCorruptedError, BlobStore } from "./blobStore.js";

let dir: string;
let blobs: BlobStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "amc-blobs-"));
  blobs = new BlobStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Every file under `root`, relative to it. */
const files = (root: string): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();

describe("BlobStore", () => {
  it("stores bytes under their SHA-256 in fan-out folders and returns them", async () => {
    const bytes = new TextEncoder().encode("hello, vehicle");
    const hash = await blobs.put(bytes);
    expect(hash).toBe(hex(bytes));
    expect(files(dir)).toEqual([join(hash.slice(0, 2), hash.slice(2, 4), hash)]);
    const back = await blobs.get(hash);
    expect(back).toStrictEqual(bytes);
    expect(Object.getPrototypeOf(back)).toBe(Uint8Array.prototype);
    expect(await blobs.has(hash)).toBe(true);
    expect(await blobs.size(hash)).toBe(bytes.byteLength);
  });

  it("stores the same bytes once, and stores the empty blob", async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const [a, b] = await Promise.all([blobs.put(bytes), blobs.put(bytes)]);
    expect(a).toBe(b);
    expect(await blobs.put(bytes)).toBe(a);
    expect(files(dir)).toHaveLength(1); // and no temporary files left behind
    const empty = await blobs.put(new Uint8Array());
    expect(empty).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(await blobs.get(empty)).toStrictEqual(new Uint8Array());
  });

  it("answers undefined and false for a blob it does not have", async () => {
    const absent = hex(new Uint8Array([9]));
    expect(await blobs.get(absent)).toBeUndefined();
    expect(await blobs.has(absent)).toBe(false);
    expect(await blobs.size(absent)).toBeUndefined();
    expect(await blobs.delete(absent)).toBe(false);
  });

  it("deletes", async () => {
    const hash = await blobs.put(new Uint8Array([7, 7]));
    expect(await blobs.delete(hash)).toBe(true);
    expect(await blobs.get(hash)).toBeUndefined();
    expect(await blobs.delete(hash)).toBe(false);
  });

  it("detects a damaged blob on read, and put() replaces a truncated one", async () => {
    const bytes = new Uint8Array(1000).fill(0xab);
    const hash = await blobs.put(bytes);
    const path = blobs.pathOf(hash);
    const damaged = readFileSync(path);
    damaged.writeUInt8(damaged.readUInt8(500) ^ 0x01, 500);
    writeFileSync(path, damaged);
    const error = await blobs.get(hash).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobCorruptedError);
    expect((error as BlobCorruptedError).shortMessage).toBe(
      `blob ${hash} is corrupted: its bytes hash to ${hex(damaged)}`,
    );
    writeFileSync(path, bytes.subarray(0, 10)); // torn by something outside the store
    expect(await blobs.put(bytes)).toBe(hash);
    expect(await blobs.get(hash)).toStrictEqual(bytes);
  });

  it("refuses anything but a lowercase hex SHA-256 as a hash", async () => {
    const valid = hex(new Uint8Array([1]));
    for (const bad of [
      "../../etc/passwd",
      `../${valid.slice(3)}`,
      valid.toUpperCase(),
      `${valid}0`,
      valid.slice(1),
      `/${valid.slice(1)}`,
      "",
    ]) {
      await expect(blobs.get(bad)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(blobs.has(bad)).rejects.toThrow("not a blob hash");
      await expect(blobs.delete(bad)).rejects.toThrow("not a blob hash");
    }
  });

  it("round-trips any bytes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        const hash = await blobs.put(bytes);
        expect(hash).toBe(hex(bytes));
        expect(await blobs.size(hash)).toBe(bytes.byteLength);
        expect(await blobs.get(hash)).toStrictEqual(Uint8Array.from(bytes));
      }),
      { seed: 20240229, numRuns: 200 },
    );
  });
});
