// A VerifyPool worker (pool.ts), loaded through pool.worker.mjs: keeps its own trust store, decoded once from the
// COER certificates the pool sends, and verifies packed batches of messages with verifySignedData. The store's
// lookup function stays the same object for the worker's life, so verifySignedData's per-store cache keeps each
// signer's KeyObject, hash and region across batches.
import { parentPort, workerData } from "node:worker_threads";
import { keccak_256 } from "@noble/hashes/sha3";
import { CertificateCodec } from "./codec.js";
import { certificateDigest, toHex } from "./hash.js";
import {
  toVerifyResult,
  type VerifyResult,
  type WorkerRequest,
  type WorkerResponse,
  type WorkerSetup,
} from "./pool.js";
import type { Certificate, HashedId8 } from "./types.js";
import { type VerifySignedDataOptions, verifySignedData } from "./verify.js";

const port = parentPort;
if (port === null) throw new Error("pool.worker.ts runs only as a VerifyPool worker thread");
const setup: WorkerSetup = workerData;

const store = new Map<string, Certificate>();
const certificateByDigest = (digest: HashedId8): Certificate | undefined => store.get(toHex(digest));

function add(certificates: readonly Uint8Array[]): void {
  for (const bytes of certificates) {
    const certificate = CertificateCodec.decode(bytes);
    store.set(toHex(certificateDigest(certificate)), certificate);
  }
}

function verify(request: Extract<WorkerRequest, { type: "verify" }>): VerifyResult[] {
  const options: VerifySignedDataOptions = {
    certificateByDigest,
    now: request.now,
    maxAgeMs: setup.maxAgeMs,
    maxFutureMs: setup.maxFutureMs,
    psids: setup.psids,
  };
  const { bytes, offsets } = request;
  const results: VerifyResult[] = new Array(offsets.length - 1);
  for (let i = 0; i < results.length; i++) {
    const message = bytes.subarray(offsets[i]!, offsets[i + 1]!);
    const result = toVerifyResult(verifySignedData(message, options));
    if (setup.messageHashes && result.ok) {
      // leaf = keccak256(keccak256(abi.encode(bytes32 messageHash))), and abi.encode of a bytes32 is its 32 bytes.
      const hash = keccak_256(message);
      result.messageHash = `0x${toHex(hash)}`;
      result.leaf = `0x${toHex(keccak_256(keccak_256(hash)))}`;
    }
    results[i] = result;
  }
  return results;
}

const reply = (response: WorkerResponse) => port.postMessage(response);

add(setup.certificates);
port.on("message", (request: WorkerRequest) => {
  switch (request.type) {
    case "add":
      add(request.certificates);
      reply({ type: "done", id: request.id });
      return;
    case "remove":
      for (const digest of request.digests) store.delete(digest);
      reply({ type: "done", id: request.id });
      return;
    case "verify":
      reply({ type: "results", id: request.id, results: verify(request) });
      return;
    case "crash":
      // Uncaught on purpose: the pool sees the worker's error and exit, as for any bug or fault in here.
      throw new Error("simulated crash (VerifyPool.simulateCrash)");
  }
});
reply({ type: "ready" });
