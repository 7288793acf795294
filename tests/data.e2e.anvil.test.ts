// Data sharing end to end on a real anvil chain through the gateway's HTTP API (docs/data-sharing.md): a vehicle
// uploads a sealed object, the owner consents to an insurer on chain, the insurer reads it by proxy re-encryption
// and decrypts it, the owner sees the read in the disclosure log (anchored on chain), revokes, and the next read
// fails; erasure, retention, regions, breach notices, data requests and a sale that voids consents.
import { aMCTAbi, consentRegistryAbi, dataEscrowAbi, dataLedgerAbi } from "@amc/abi";
import { contractAddress, devPrivateKey, publicClientFor, walletClientFor } from "@amc/chain";
import { buildMerkleTree } from "@amc/crypto";
import { didId, openAsOwner, paymentIdOf } from "@amc/data";
import { transferVehicle } from "@amc/did";
import { DataClient, GatewayError } from "@amc/sdk";
import { type Hex, hexToBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DataBed,
  grantInsurer,
  INSURER,
  type Org,
  readObject,
  startDataBed,
  type UploadMeta,
  uploadObject,
  type Vehicle,
} from "./support/data.js";

let bed: DataBed;
let car: Vehicle;
beforeAll(async () => {
  bed = await startDataBed();
  car = await bed.newVehicle("WVWZZZ1KZ6W000001");
}, 180_000);
afterAll(async () => bed?.stop());

const telemetry = { speedKmh: [52, 54, 57, 61], harshBrakes: 1, odometerKm: 12_345.6 };
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

const upload = (vehicle: Vehicle, data: unknown, meta: UploadMeta = {}) => uploadObject(bed, vehicle, data, meta);
const grant = (vehicle: Vehicle, scopes?: string[], purpose?: string, days?: number) =>
  grantInsurer(bed, vehicle, scopes, purpose, days);
const read = (objectId: Hex, consentId: Hex, credential: string, consumer?: Org, purpose?: string) =>
  readObject(bed, objectId, consentId, credential, consumer, purpose);

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe("data sharing under consent (real anvil, real HTTP)", () => {
  it("upload → consent → re-encrypted read → disclosure log → revoke → the next read fails", async () => {
    const client = publicClientFor(bed.net.topology.chains[0]!);
    const ledger = contractAddress(bed.net.manifest, "main", "DataLedger");
    const registry = contractAddress(bed.net.manifest, "main", "ConsentRegistry");

    const { body, stored } = await upload(car, telemetry);
    expect(stored).toMatchObject({ created: true, subject: car.did, kind: "telemetry", dataClass: "personal" });
    // The same upload again is the same object.
    expect((await bed.api.upload(body)).created).toBe(false);
    // The platform holds only ciphertext: no plaintext byte pattern in what it stored.
    const blob = await bed.routes.service.store.query<{ blob: string }>(
      "select blob from vault_objects where object_id = $1",
      [stored.objectId],
    );
    expect(blob.rows[0]?.blob).toMatch(/^[0-9a-f]{64}$/);

    // Anchored: the salted hash is on chain.
    expect(await bed.routes.service.anchorPending()).toMatchObject({ objects: 1 });
    const onChain = await client.readContract({
      address: ledger,
      abi: dataLedgerAbi,
      functionName: "object",
      args: [stored.objectId as Hex],
    });
    expect(JSON.stringify(onChain, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).toContain(stored.saltedHash);

    // No consent yet: the insurer is refused even with a credential the owner issued.
    const { consent, credential } = await grant(car);
    expect(consent.status).toBe("active");
    expect(
      await client.readContract({
        address: registry,
        abi: consentRegistryAbi,
        functionName: "isValid",
        args: [consent.consentId as Hex],
      }),
    ).toBe(true);

    const result = await read(stored.objectId as Hex, consent.consentId as Hex, credential.jwt);
    expect(JSON.parse(new TextDecoder().decode(result.data))).toEqual(telemetry);
    expect(result.validFragments).toBe(3);
    expect(result.disclosure.seq).toBe(0);

    // The owner sees who read what, when and why.
    const log = await bed.api.disclosures(bed.owner, car.did);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      consumer: bed.insurer.did,
      objectId: stored.objectId,
      purpose: "usage-based insurance pricing",
      consentId: consent.consentId,
    });

    // The log's root is anchored and recomputable from the owner's listing.
    const anchored = await bed.routes.service.anchorDisclosures();
    expect(anchored).toBeDefined();
    const tree = buildMerkleTree([log[0]!.leaf as Hex], { sortLeaves: false });
    expect(anchored?.root).toBe(tree.root);
    // The public export carries the anchored entries and their anchors: anyone recomputes the same root.
    const exported = (await (await fetch(`${bed.base}/v1/data/disclosures/export?from=0&to=10`)).json()) as {
      entries: { seq: number; leaf: Hex }[];
      anchors: { root: Hex; fromSeq: number; toSeq: number }[];
    };
    expect(exported.anchors?.[0]?.root, JSON.stringify(exported)).toBe(anchored?.root);
    expect(
      buildMerkleTree(
        exported.entries.map((e) => e.leaf),
        { sortLeaves: false },
      ).root,
    ).toBe(anchored?.root);

    // Revoke (owner-signed, relayed): the chain says no, the proxies dropped their fragments, the read fails.
    const revoked = await bed.api.revoke(bed.owner, consent.consentId as Hex);
    expect(revoked.status).toBe("revoked");
    expect(
      await client.readContract({
        address: registry,
        abi: consentRegistryAbi,
        functionName: "isValid",
        args: [consent.consentId as Hex],
      }),
    ).toBe(false);
    const refused = await refusal(read(stored.objectId as Hex, consent.consentId as Hex, credential.jwt));
    expect(refused.status).toBe(403);
    expect(refused.code).toBe("no_consent");
    // The refused read is not in the log.
    expect(await bed.api.disclosures(bed.owner, car.did)).toHaveLength(1);
  });

  it("refuses readers outside the consent: another DID, another kind, another purpose, a forged credential", async () => {
    const { stored } = await upload(car, { lat: 31.23, lon: 121.47 }, { kind: "location" });
    const tele = await upload(car, { rpm: 2100 });
    const { consent, credential } = await grant(car, ["telemetry"]);
    // A stranger replays the insurer's credential.
    expect(
      (await refusal(read(tele.stored.objectId as Hex, consent.consentId as Hex, credential.jwt, bed.stranger))).code,
    ).toBe("credential_rejected");
    // Location is not granted.
    expect((await refusal(read(stored.objectId as Hex, consent.consentId as Hex, credential.jwt))).status).toBe(403);
    // Another purpose than consented.
    expect(
      (
        await refusal(
          read(tele.stored.objectId as Hex, consent.consentId as Hex, credential.jwt, bed.insurer, "marketing"),
        )
      ).code,
    ).toBe("no_consent");
    // A credential issued by someone who does not control the vehicle.
    const forged = await bed
      .issueGrant({
        issuer: bed.stranger,
        grantee: bed.insurer.did,
        vehicle: car.did,
        scopes: ["telemetry"],
        purpose: "usage-based insurance pricing",
        expiry: bed.now() + 3600,
      })
      .catch((e: Error) => e);
    expect(forged).toBeInstanceOf(Error);
    // And the granted read works.
    const ok = await read(tele.stored.objectId as Hex, consent.consentId as Hex, credential.jwt);
    expect(JSON.parse(new TextDecoder().decode(ok.data))).toEqual({ rpm: 2100 });
  });

  it("refuses uploads not signed by the vehicle and consents not signed by its owner", async () => {
    const other = await bed.newVehicle("WVWZZZ1KZ6W000005");
    // Signed with another vehicle's key, but claiming to be this car's data.
    const forgedUpload = DataClient.sealAndSign({
      meta: {
        subject: car.did,
        kind: "telemetry",
        dataClass: "personal",
        region: "CN",
        createdAt: bed.now(),
        contentType: "text/plain",
      },
      data: bytes({ fake: true }),
      ownerUmbralPk: (await import("@amc/data")).umbralPublicKey(bed.ownerUmbralSk),
      vehicleKey: { kid: car.obu.kid, privateJwk: other.obu.privateJwk },
    });
    const unsigned = await refusal(bed.api.upload(forgedUpload));
    expect(unsigned.status).toBe(401);
    expect(unsigned.code).toBe("bad_signature");
    // A consent for this car signed by a stranger's account: the registry refuses it, nothing is stored.
    const stranger = privateKeyToAccount(devPrivateKey(9));
    const refused = await refusal(
      bed.api.grant({
        owner: stranger,
        terms: {
          subject: car.did,
          grantee: bed.insurer.did,
          scopes: ["telemetry"],
          purpose: "x",
          validFrom: bed.now() - 10,
          validUntil: bed.now() + 3600,
        },
        delegatingSk: bed.ownerUmbralSk,
        receivingPk: (await import("@amc/data")).umbralPublicKey(bed.insurer.umbralSk),
      }),
    );
    expect(refused.status).toBe(400);
    expect(refused.message).toMatch(/ConsentRegistryBadSignature/);
  });

  it("an expired consent no longer covers reads", async () => {
    const { stored } = await upload(car, { soc: 81 }, { kind: "battery" });
    const { consent, credential } = await grant(car, ["battery"], "usage-based insurance pricing", 1);
    await read(stored.objectId as Hex, consent.consentId as Hex, credential.jwt);
    bed.clock.offset += 2 * 86400;
    try {
      expect((await refusal(read(stored.objectId as Hex, consent.consentId as Hex, credential.jwt))).status).toBe(403);
    } finally {
      bed.clock.offset -= 2 * 86400;
    }
  });

  it("erasure shreds the key: nothing can open the object afterwards, the chain still proves it existed", async () => {
    const { body, stored } = await upload(car, { trip: "home → work" }, { kind: "location", dataClass: "sensitive" });
    // Before erasure the owner can open it with the vehicle's data key.
    expect(
      new TextDecoder().decode(
        openAsOwner(bed.ownerUmbralSk, hexToBytes(body.capsule as Hex), (await import("@amc/data")).fromUpload(body)),
      ),
    ).toContain("home");
    const { consent, credential } = await grant(car, ["location"]);
    await bed.routes.service.anchorPending();
    const erased = await bed.api.erase(bed.owner, stored.objectId as Hex);
    expect(erased.eraseReason).toBe("owner_request");
    const gone = await refusal(read(stored.objectId as Hex, consent.consentId as Hex, credential.jwt));
    expect(gone.status).toBe(410);
    const row = await bed.routes.service.store.query<{ capsule: unknown; wrapped_key: unknown; blob: unknown }>(
      "select capsule, wrapped_key, blob from vault_objects where object_id = $1",
      [stored.objectId],
    );
    expect(row.rows[0]).toEqual({ capsule: null, wrapped_key: null, blob: null });
    // The erasure is on chain next to the salted hash.
    await bed.routes.service.anchorPending();
    const client = publicClientFor(bed.net.topology.chains[0]!);
    const record = (await client.readContract({
      address: contractAddress(bed.net.manifest, "main", "DataLedger"),
      abi: dataLedgerAbi,
      functionName: "object",
      args: [stored.objectId as Hex],
    })) as { erasedAt: bigint; saltedHash: Hex };
    expect(record.erasedAt).toBeGreaterThan(0n);
    expect(record.saltedHash).toBe(stored.saltedHash);
  });

  it("keeps important data in its country and erases what outlives its retention", async () => {
    const abroad = await refusal(
      upload(car, { map: "tiles" }, { dataClass: "important", region: "DE-BB" }).then((r) => r.stored),
    );
    expect(abroad.code).toBe("region_refused");
    const home = await upload(car, { map: "tiles" }, { dataClass: "important", region: "CN-11" });
    expect(home.stored.dataClass).toBe("important");
    const tooLong = await refusal(
      upload(car, { x: 1 }, { dataClass: "sensitive", retainUntil: bed.now() + 400 * 86400 }).then((r) => r.stored),
    );
    expect(tooLong.status).toBe(400);
    const short = await upload(car, { x: 2 }, { retainUntil: bed.now() + 60 });
    bed.clock.offset += 120;
    try {
      const erased = await bed.routes.service.sweepRetention();
      expect(erased).toContain(short.stored.objectId);
      expect((await bed.routes.service.object(short.stored.objectId)).eraseReason).toBe("retention_expiry");
    } finally {
      bed.clock.offset -= 120;
    }
  });

  it("a breach notifies every affected owner, and the incident is on chain", async () => {
    const a = await upload(car, { n: 1 });
    const other = await bed.newVehicle("WVWZZZ1KZ6W000002");
    const b = await upload(other, { n: 2 });
    const response = await fetch(`${bed.base}/v1/data/incidents`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${bed.routes.adminToken}` },
      body: JSON.stringify({
        title: "Backup exposed",
        description: "An encrypted backup was publicly readable for 2 h.",
        detectedAt: bed.now(),
        objectIds: [a.stored.objectId, b.stored.objectId],
      }),
    });
    expect(response.status).toBe(201);
    const incident = (await response.json()) as { incidentId: Hex; notifiedOwners: number; tx: Hex };
    expect(incident.notifiedOwners).toBe(2);
    for (const vehicle of [car, other]) {
      const notices = await bed.api.notifications(bed.owner, vehicle.did);
      expect(notices.map((n) => n.incidentId)).toContain(incident.incidentId);
    }
    // Without the admin token: refused.
    const anonymous = await fetch(`${bed.base}/v1/data/incidents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(anonymous.status).toBe(401);
  });

  it("data requests: owners opt in to a funded request, and are paid in AMCT from the escrow on delivery", async () => {
    const main = bed.net.topology.chains[0]!;
    const client = publicClientFor(main);
    const token = contractAddress(bed.net.manifest, "main", "AMCT");
    const escrow = contractAddress(bed.net.manifest, "main", "DataEscrow");
    const config = await bed.api.config();
    expect(config).toMatchObject({ dataEscrow: escrow, token });
    const balanceOf = (account: Hex) =>
      client.readContract({ address: token, abi: aMCTAbi, functionName: "balanceOf", args: [account] });
    const escrowOf = (id: Hex) =>
      client.readContract({ address: escrow, abi: dataEscrowAbi, functionName: "escrows", args: [id] });

    const price = 10n ** 18n;
    const now = bed.now();
    const purpose = "study of harsh braking";
    const request = await bed.api.createRequest(bed.insurer, {
      kinds: ["driving_behaviour"],
      purpose,
      validFrom: now,
      validUntil: now + 30 * 86400,
      price: price.toString(),
      maxParticipants: 10,
    });
    const requestId = request.requestId;
    expect(request.escrow).toMatchObject({ deposited: false, status: "none", remaining: "0" });
    const vehicle = await bed.newVehicle("WVWZZZ1KZ6W000003");
    const receivingPk = (await import("@amc/data")).umbralPublicKey(bed.insurer.umbralSk);
    const optIn = (scopes = ["driving_behaviour"]) =>
      bed.api.grant({
        owner: bed.owner,
        terms: {
          subject: vehicle.did,
          grantee: bed.insurer.did,
          scopes,
          purpose,
          validFrom: now,
          validUntil: now + 30 * 86400,
        },
        delegatingSk: bed.ownerUmbralSk,
        receivingPk,
        requestId,
      });
    // An opt-in that widens the request is refused.
    expect((await refusal(optIn(["driving_behaviour", "location"]))).status).toBe(400);
    // An exact opt-in before the requester deposited is refused: nobody would be sure to be paid.
    const unfunded = await refusal(optIn());
    expect(unfunded.status).toBe(409);
    expect(unfunded.code).toBe("unfunded");
    expect(unfunded.message).toMatch(/not funded: the requester must deposit/);

    // The insurer's chain account (its DID's controller) buys AMCT from the IDO allocation (the deployer's) and
    // deposits price × 2 for the request until the request ends.
    const insurerWallet = walletClientFor(main, devPrivateKey(INSURER));
    const deployer = walletClientFor(main, devPrivateKey(0));
    const funding = await deployer.writeContract({
      address: token,
      abi: aMCTAbi,
      functionName: "transfer",
      args: [insurerWallet.account.address, price * 3n],
    });
    expect((await client.waitForTransactionReceipt({ hash: funding })).status).toBe("success");
    await DataClient.fundRequest({
      wallet: insurerWallet,
      client,
      escrow,
      token,
      requestId,
      amount: price * 2n,
      deadline: now + 30 * 86400,
    });
    expect((await bed.api.request(requestId)).escrow).toMatchObject({
      deposited: true,
      status: "open",
      remaining: (price * 2n).toString(),
      released: "0",
      requester: insurerWallet.account.address,
      deadline: now + 30 * 86400,
    });

    // Funded: the owner's opt-in joins the request.
    const joined = await optIn();
    expect(joined.requestId).toBe(requestId);
    const listed = await bed.api.requests("open");
    expect(listed.find((r) => r.requestId === requestId)?.participants).toMatchObject([
      { subject: vehicle.did, consentId: joined.consentId, payment: null },
    ]);

    // Delivery: the insurer's first read of the participant's data under the consent that joined.
    const { stored } = await upload(vehicle, { harshBrakes: 3 }, { kind: "driving_behaviour" });
    const credential = await bed.issueGrant({
      issuer: bed.ownerDid,
      grantee: bed.insurer.did,
      vehicle: vehicle.did,
      scopes: ["driving_behaviour"],
      purpose,
      expiry: now + 30 * 86400,
      consent: joined.consentId,
    });
    const result = await read(stored.objectId as Hex, joined.consentId as Hex, credential.jwt, bed.insurer, purpose);
    expect(JSON.parse(new TextDecoder().decode(result.data))).toEqual({ harshBrakes: 3 });
    const paymentId = paymentIdOf(requestId, vehicle.did);
    expect((await bed.api.request(requestId)).participants[0]?.payment).toEqual({
      paymentId,
      status: "due",
      amount: price.toString(),
      recipient: null,
      tx: null,
      error: null,
    });

    // Settled: the owner's account is paid exactly the price; the escrow has one price left.
    const ownerBefore = await balanceOf(bed.owner.address);
    expect(await bed.routes.service.settlePayments()).toEqual({ paid: 1, failed: 0 });
    expect(await balanceOf(bed.owner.address)).toBe(ownerBefore + price);
    expect((await escrowOf(requestId)).amount).toBe(price);
    expect(
      await client.readContract({ address: escrow, abi: dataEscrowAbi, functionName: "isPaid", args: [paymentId] }),
    ).toBe(true);
    const settled = await bed.api.request(requestId);
    expect(settled.escrow).toMatchObject({ remaining: price.toString(), released: price.toString(), status: "open" });
    expect(settled.participants[0]?.payment).toMatchObject({
      status: "paid",
      amount: price.toString(),
      recipient: bed.owner.address,
      tx: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });

    // A second read is no second delivery; a second settlement pays nothing.
    await read(stored.objectId as Hex, joined.consentId as Hex, credential.jwt, bed.insurer, purpose);
    expect(await bed.routes.service.settlePayments()).toEqual({ paid: 0, failed: 0 });
    expect(await balanceOf(bed.owner.address)).toBe(ownerBefore + price);
    const { rows } = await bed.routes.store.query<{ n: number }>(
      "select count(*)::int as n from request_payments where request_id = $1",
      [requestId],
    );
    expect(rows[0]?.n).toBe(1);

    // Crash safety: released on chain but not marked in the database (a crash between the two) — the next run
    // marks it paid without paying again.
    await bed.routes.store.query(
      "update request_payments set status = 'due', tx = null, recipient = null, settled_at = null where payment_id = $1",
      [paymentId],
    );
    expect(await bed.routes.service.settlePayments()).toEqual({ paid: 1, failed: 0 });
    expect(await balanceOf(bed.owner.address)).toBe(ownerBefore + price);
    expect((await escrowOf(requestId)).amount).toBe(price);
    expect((await bed.api.request(requestId)).participants[0]?.payment?.status).toBe("paid");
  });

  it("a sale voids the previous owner's consents, and only the owner may list or erase", async () => {
    const vehicle = await bed.newVehicle("WVWZZZ1KZ6W000004");
    const { stored } = await upload(vehicle, { v: 1 });
    const { consent, credential } = await grant(vehicle, ["telemetry"]);
    await read(stored.objectId as Hex, consent.consentId as Hex, credential.jwt);
    // A stranger cannot list the owner's log or erase.
    const stranger = privateKeyToAccount(devPrivateKey(9));
    expect((await refusal(bed.api.disclosures(stranger, vehicle.did))).status).toBe(403);
    expect((await refusal(bed.api.erase(stranger, stored.objectId as Hex))).status).toBe(403);
    // The owner sells the car: the consent they signed no longer covers reads.
    const main = bed.net.topology.chains[0]!;
    const lifecycle = contractAddress(bed.net.manifest, "main", "VehicleLifecycle");
    await transferVehicle(
      { wallet: walletClientFor(main, devPrivateKey(7)), client: publicClientFor(main), lifecycle },
      { id: didId(vehicle.did), to: stranger.address },
    );
    expect((await refusal(read(stored.objectId as Hex, consent.consentId as Hex, credential.jwt))).status).toBe(403);
  });

  it("anonymised releases: DP aggregates within a budget that refuses the next query, and k-anonymous classes", async () => {
    const districts = ["Huangpu", "Xuhui", "Pudong", "Jing'an"];
    const records = Array.from({ length: 240 }, (_, i) => ({
      age: 20 + ((i * 7) % 50),
      district: districts[i % districts.length]!,
      km: 5 + ((i * 13) % 80),
      harshBrakes: i % 5,
    }));
    const dataset = (await bed.api.createDataset(bed.insurer, {
      name: "trips 2026-11",
      columns: [
        { name: "age", type: "integer" },
        { name: "district", type: "category" },
        { name: "km", type: "integer" },
        { name: "harshBrakes", type: "integer" },
      ],
      records,
      budget: { epsilon: 1 },
    })) as unknown as { datasetId: string; records: number };
    expect(dataset.records).toBe(240);
    const first = await bed.api.queryDataset(bed.insurer, dataset.datasetId, { aggregate: "count", epsilon: 0.5 });
    // Discrete Laplace noise with scale 2: far from the true count only with negligible probability.
    expect(Math.abs(Number(first.value) - 240)).toBeLessThan(60);
    const mean = await bed.api.queryDataset(bed.insurer, dataset.datasetId, {
      aggregate: "mean",
      column: "km",
      lower: 0,
      upper: 100,
      epsilon: 0.4,
    });
    expect(typeof mean.value).toBe("number");
    // 0.9 of 1 spent: a query for 0.2 more is refused and spends nothing; one for 0.1 still fits.
    const refused = await refusal(
      bed.api.queryDataset(bed.insurer, dataset.datasetId, { aggregate: "count", epsilon: 0.2 }),
    );
    expect(refused.status).toBe(429);
    expect(refused.code).toBe("budget_exceeded");
    const last = await bed.api.queryDataset(bed.insurer, dataset.datasetId, {
      aggregate: "sum",
      column: "harshBrakes",
      lower: 0,
      upper: 4,
      epsilon: 0.1,
    });
    expect((last.remaining as { epsilon: number }).epsilon).toBeLessThan(1e-9);

    const release = (await bed.api.releaseDataset(bed.insurer, dataset.datasetId, {
      k: 10,
      quasiIdentifiers: ["age", "district"],
      sensitive: ["harshBrakes"],
    })) as unknown as {
      classes: { size: number; sensitive: unknown[] }[];
    };
    expect(release.classes.length).toBeGreaterThan(1);
    expect(release.classes.every((c) => c.size >= 10 && c.sensitive.length === c.size)).toBe(true);
    expect(release.classes.reduce((n, c) => n + c.size, 0)).toBe(240);
  });
});
