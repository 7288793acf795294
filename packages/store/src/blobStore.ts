// A content-addressed blob store on the file system: a blob's name is the SHA-256 of its bytes, so storing the
// same bytes twice stores them once, and a read can prove it returns what was stored. Blobs fan out over two
// directory levels (ab/cd/abcd…) so no directory grows past a few thousand entries. Writes are atomic and
// durable: a temporary file in the target directory is written and fsynced, renamed over the final name, and the
// directory fsynced, so a crash leaves either no blob or the whole blob, never a torn one under its hash.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { BaseError, InvalidInputError } from "@amc/utils";

/** A stored blob's bytes no longer hash to its name: the file was damaged or edited outside the store. */
export class BlobCorruptedError extends BaseError {
  override name = "BlobCorruptedError";
}

const HASH = /^[0-9a-f]{64}$/;

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}

/** fsync a directory, so that a rename or unlink in it survives a crash. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * @example
 * const blobs = new BlobStore(join(home, "blobs"));
 * const hash = await blobs.put(ciphertext);   // "9f86d08…", the lowercase hex SHA-256
 * const same = await blobs.get(hash);         // verified against the hash on read
 */
export class BlobStore {
  constructor(readonly dir: string) {}

  /** Where the blob of `hash` lives (whether or not it exists). Refuses anything but a lowercase hex SHA-256. */
  pathOf(hash: string): string {
    if (typeof hash !== "string" || !HASH.test(hash))
      throw new InvalidInputError(`not a blob hash: ${JSON.stringify(String(hash).slice(0, 80))}`, {
        details: "a blob hash is the SHA-256 of its bytes as 64 lowercase hex digits",
      });
    return join(this.dir, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  /**
   * Stores `bytes` and returns their hash. Bytes already stored are not written again (a stored file of the right
   * size is trusted here; get() verifies); a stored file of the wrong size is replaced.
   */
  async put(bytes: Uint8Array): Promise<string> {
    if (!(bytes instanceof Uint8Array)) throw new InvalidInputError("BlobStore.put takes a Uint8Array");
    const hash = sha256(bytes);
    const path = this.pathOf(hash);
    if ((await this.#sizeAt(path)) === bytes.byteLength) return hash;
    const directory = join(this.dir, hash.slice(0, 2), hash.slice(2, 4));
    const created = await mkdir(directory, { recursive: true });
    const temporary = join(directory, `.${hash}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      const handle = await open(temporary, "wx");
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await syncDirectory(directory);
    // New fan-out directories are entries in their parents, which need their own fsync to survive a crash.
    if (created !== undefined) {
      await syncDirectory(join(this.dir, hash.slice(0, 2)));
      await syncDirectory(this.dir);
    }
    return hash;
  }

  /** The blob's bytes, or undefined when it is not stored; throws BlobCorruptedError when they fail the hash. */
  async get(hash: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(hash);
    let buffer: Buffer;
    try {
      buffer = await readFile(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const actual = sha256(buffer);
    if (actual !== hash)
      throw new BlobCorruptedError(`blob ${hash} is corrupted: its bytes hash to ${actual}`, {
        details: `file ${path}, ${buffer.byteLength} bytes`,
        fix: "delete it (BlobStore.delete) and store the original bytes again, or restore the file from a backup",
      });
    // A plain Uint8Array, not a Buffer; copied only if the Buffer is a slice of a larger (pooled) allocation.
    return buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength
      ? new Uint8Array(buffer.buffer)
      : new Uint8Array(buffer);
  }

  /** Whether a blob of this hash is stored (not verified; get() verifies). */
  async has(hash: string): Promise<boolean> {
    return (await this.size(hash)) !== undefined;
  }

  /** The stored blob's size in bytes, or undefined when it is not stored. */
  size(hash: string): Promise<number | undefined> {
    return this.#sizeAt(this.pathOf(hash));
  }

  /** Removes the blob; false when it was not stored. */
  async delete(hash: string): Promise<boolean> {
    const path = this.pathOf(hash);
    try {
      await unlink(path);
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    await syncDirectory(join(this.dir, hash.slice(0, 2), hash.slice(2, 4)));
    return true;
  }

  async #sizeAt(path: string): Promise<number | undefined> {
    try {
      return (await stat(path)).size;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }
}
