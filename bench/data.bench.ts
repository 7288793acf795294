// Consented reads end to end (issue 6): a consumer's read through the gateway's HTTP API — DID auth, credential
// verification, the on-chain `covers` check, the disclosure-log append, re-encryption by 3 proxies — and, on the
// consumer's side, fragment verification, decapsulation and AES-GCM decryption. The reference, measured in the
// same run against the same gateway, is the floor every request pays: fetching the object's public record over
// HTTP (one database lookup, no checks, no crypto). Both run with the same client concurrency on a real anvil chain.
import { umbralPublicKey } from "@amc/data";
import { DataClient } from "@amc/sdk";
import type { Hex } from "viem";
import { startDataBed } from "../tests/support/data.js";
import type { BenchRow } from "./xchain.bench.js";

async function rate(
  seconds: number,
  concurrency: number,
  one: () => Promise<unknown>,
): Promise<{ perSecond: number; count: number }> {
  const deadline = performance.now() + seconds * 1000;
  let count = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await one();
        count += 1;
      }
    }),
  );
  return { perSecond: (count * 1000) / (performance.now() - started), count };
}

export async function consentedReads(options: { quick: boolean }): Promise<BenchRow[]> {
  const bed = await startDataBed();
  try {
    const car = await bed.newVehicle("WVWZZZ1KZ6W999999");
    const data = new Uint8Array(1024).map((_, i) => i % 251);
    const upload = DataClient.sealAndSign({
      meta: {
        subject: car.did,
        kind: "telemetry",
        dataClass: "personal",
        region: "CN",
        createdAt: bed.now(),
        contentType: "application/octet-stream",
      },
      data,
      ownerUmbralPk: umbralPublicKey(bed.ownerUmbralSk),
      vehicleKey: car.obu,
    });
    const objectId = (await bed.api.upload(upload)).objectId as Hex;
    const purpose = "usage-based insurance pricing";
    const validUntil = bed.now() + 86400;
    const consent = await bed.api.grant({
      owner: bed.owner,
      terms: {
        subject: car.did,
        grantee: bed.insurer.did,
        scopes: ["telemetry"],
        purpose,
        validFrom: bed.now() - 10,
        validUntil,
      },
      delegatingSk: bed.ownerUmbralSk,
      receivingPk: umbralPublicKey(bed.insurer.umbralSk),
    });
    const credential = await bed.issueGrant({
      issuer: bed.ownerDid,
      grantee: bed.insurer.did,
      vehicle: car.did,
      scopes: ["telemetry"],
      purpose,
      expiry: validUntil,
      consent: consent.consentId,
    });
    const read = async () => {
      const result = await bed.api.read({
        consumer: bed.insurer,
        receivingSk: bed.insurer.umbralSk,
        objectId,
        consentId: consent.consentId as Hex,
        purpose,
        credential: credential.jwt,
      });
      if (result.data.length !== data.length || result.data[1000] !== data[1000])
        throw new Error("the read returned other bytes");
    };
    const record = async () => {
      const response = await fetch(`${bed.base}/v1/data/objects/${objectId}`);
      if (!response.ok) throw new Error(`GET record: ${response.status}`);
      await response.arrayBuffer();
    };
    for (let i = 0; i < 5; i += 1) await read();
    const seconds = options.quick ? 3 : 8;
    const concurrency = 4;
    const ours = await rate(seconds, concurrency, read);
    const reference = await rate(seconds, concurrency, record);
    const logged = (await bed.api.disclosures(bed.owner, car.did)).length;
    if (logged < ours.count) throw new Error(`only ${logged} of ${ours.count} reads were logged`);
    return [
      {
        name: `consented reads end to end (1 KiB object, 3 proxies, threshold 2, ${concurrency} concurrent clients)`,
        ours: `${ours.perSecond.toFixed(0)} reads/s (${ours.count} reads, every one in the disclosure log)`,
        reference: `${reference.perSecond.toFixed(0)} plain record GETs/s on the same gateway`,
        ratio: (ours.perSecond / reference.perSecond).toFixed(2),
        note: "ours includes DID auth, credential + status check, ConsentRegistry.covers on anvil, a logged transaction, 3 re-encryptions, client-side verification and decryption",
      },
    ];
  } finally {
    await bed.stop();
  }
}
