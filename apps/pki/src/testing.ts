// Test support: an OEM of the consortium with a DID and a signing key on a local net, which produces vehicles and
// issues their VehicleIdentityCredential, as the enrolment authority expects to see them. Not for production keys.
import {
  contractAddress,
  type DeploymentManifest,
  mainChain,
  publicClientFor,
  type Topology,
  walletClientFor,
} from "@amc/chain";
import {
  addKey,
  createDid,
  formatDid,
  generateP256,
  kidFor,
  produceVehicle,
  publicOf,
  scrapVehicle,
  specHash,
  vehicleIdFromVin,
} from "@amc/did";
import { issueCredential } from "@amc/vc";
import type { Hex } from "viem";
import { memberKeyWithRoles } from "./trustStore.js";

export type TestVehicle = { vehicleId: Hex; vehicleDid: string; credential: string };

export type TestOem = {
  oemDid: string;
  /** Produces a vehicle from its VIN and issues its identity credential. */
  produce(vin: string): Promise<TestVehicle>;
  scrap(vehicleId: Hex): Promise<void>;
};

const VIN_KEY = Buffer.alloc(32, 9);

export async function testOem(net: { topology: Topology; manifest: DeploymentManifest }): Promise<TestOem> {
  const main = mainChain(net.topology);
  const client = publicClientFor(main);
  const wallet = walletClientFor(main, memberKeyWithRoles(net.topology, ["OEM"]));
  const registry = contractAddress(net.manifest, main.name, "DIDRegistry");
  const lifecycle = contractAddress(net.manifest, main.name, "VehicleLifecycle");
  const { id } = await createDid({ wallet, client, registry }, { subjectType: "organisation" });
  const oemDid = formatDid(net.topology.network, id);
  const key = generateP256();
  await addKey({ wallet, client, registry }, { id, jwk: publicOf(key), relationship: "assertionMethod" });
  return {
    oemDid,
    async produce(vin) {
      const vehicleId = vehicleIdFromVin(vin, VIN_KEY);
      const vehicleDid = formatDid(net.topology.network, vehicleId);
      await produceVehicle({ wallet, client, lifecycle }, { id: vehicleId, specHash: specHash({}) });
      const credential = issueCredential({
        type: "VehicleIdentityCredential",
        issuer: oemDid,
        kid: kidFor(oemDid, key, "assertionMethod"),
        privateKey: key,
        subject: { id: vehicleDid, vin, make: "Demo", model: "E1", year: 2026, powertrain: "BEV" },
        format: "vc+jwt",
      });
      return { vehicleId, vehicleDid, credential };
    },
    async scrap(vehicleId) {
      await scrapVehicle({ wallet, client, lifecycle }, vehicleId);
    },
  };
}
