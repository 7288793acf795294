// The `amc` command line.
import { parseArgs } from "node:util";
import { defaultHome, defaultTopologyFile } from "@amc/chain";
import { BaseError, errorMessage } from "@amc/utils";
import { besuGenesisCommand } from "./besu.js";
import { down, reset, status, xchainSend } from "./commands.js";
import { vcIssue, vcPresent, vcRevoke, vcVerify } from "./credentials.js";
import {
  didCreate,
  didDeactivate,
  didResolve,
  didRotate,
  vehicleProduce,
  vehicleScrap,
  vehicleShow,
  vehicleTransfer,
} from "./identity.js";
import { up } from "./up.js";

const usage = `amc: run and inspect a local AutoMobile Chain consortium

usage:
  amc up [--fresh] [--no-services] [--no-sim]
                                         start chains, contracts, services, the dashboard and the simulator
                                         (Ctrl-C stops; --no-sim: without the simulated fleet)
  amc down                               stop what \`amc up\` started
  amc status [--json]                    chains with their heights, services with their health
  amc xchain send --from <chain> --to <chain> --body <text|0xhex> [--wait] [--json]
                                         send a cross-chain message to the destination's MessageInbox
  amc reset                              delete local chain state (next start begins anew)

  amc did create --type organisation|device|person [--as <address|dev:N>]
  amc did resolve <did> [--version-time <RFC 3339>]
  amc did rotate <did>                   publish a new key, revoke the old one
  amc did deactivate <did>
  amc vehicle produce --vin <VIN> [--make M --model M --year Y --powertrain BEV] [--as <OEM>]
  amc vehicle transfer <did> --to <address> [--as <current controller>]
  amc vehicle scrap <did>                deactivates the DID and tells every chain
  amc vehicle show <did>
  amc vc issue --issuer <did> --type <CredentialType> --subject '<json>' [--format sd-jwt --disclose a,b]
  amc vc revoke <credential id> --issuer <did> [--status revoked|suspended|active]
  amc vc present --holder <did> --credential <jwt|file> [--challenge c --domain d]
  amc vc verify <jwt|file> [--presentation --challenge c --domain d]   exit code 3 when not verified
  amc data keys <did>                    an Umbral key for a vehicle (its owner's) or a consumer, published in its DID
  amc data put --vehicle <did> --kind telemetry --class personal (--file f | --data text) [--region CN]
                                         the vehicle seals data for its owner and uploads it (anchored on chain)
  amc data grant --vehicle <did> --to <did> (--template insurer-ubi | --scopes a,b --purpose p --days n)
                                         the owner consents on chain; the grantee gets an access credential
  amc data get <objectId> --consent <id> [--out file]   the grantee reads by proxy re-encryption (logged)
  amc data revoke <consentId>            the owner revokes: the next read fails
  amc data log --vehicle <did>           who read the vehicle's data, when and why; breach notices
  amc data erase <objectId>              crypto-shredding: the key is destroyed, the chain keeps the hash
  amc token schedule [--at <date|+Ny>]   AMCT allocations: totals, what is available at the date, mining epochs
  amc token balance <address>
  amc token release technology|foundation   pay what the vesting allows now to its beneficiary
  amc token epochs                       reward epochs: the current one and those computed, committed, claimed
  amc token epoch <n>                    one epoch: root, every account's reward and contributions
  amc token recompute <n>                recompute an epoch from public records; exit 3 if it differs from the root
  amc fl round [--rounds n] [--attack overflow] [--from-sim]
                                         federated rounds of the simulated fleet through the RSUs
                                         (--from-sim: the city simulator's vehicles train on their own drives too)
  amc fl status                          the task's rounds on FLRegistry (cells, dropped, contributors, F1)
  amc fl model [--round n] [--out file]  download a published model and re-verify it against FLRegistry
  amc token claim --as <owner> [--epoch <n>] [--via <chain>]
                                         claim AMCT earned (all unclaimed epochs, or one); --via claims on an edge or
                                         side chain and is paid on main through the Mailbox
  amc besu genesis <chain> --out <dir> [--fund 0xA,0xB]   Besu QBFT genesis + validator configs (production)

  amc proof verify <file|0xmessageHash>  check a V2X message's inclusion proof against the chain (exit 3 if not)
  amc fleet run [--vehicles N]           drive a small fleet of real vehicles through the RSUs: CAMs, a hazard
                                         confirmed by k vehicles, a handover, a proof, a revocation

common options:
  --config <file>   topology file (default ${defaultTopologyFile})
  --home <dir>      state folder (default $AMC_HOME or .amc beside the topology file)`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string", default: defaultTopologyFile },
      home: { type: "string" },
      json: { type: "boolean", default: false },
      fresh: { type: "boolean", default: false },
      "no-services": { type: "boolean", default: false },
      "no-sim": { type: "boolean", default: false },
      from: { type: "string" },
      to: { type: "string" },
      body: { type: "string" },
      wait: { type: "boolean", default: false },
      timeout: { type: "string", default: "60" },
      help: { type: "boolean", short: "h", default: false },
      type: { type: "string" },
      as: { type: "string" },
      vin: { type: "string" },
      make: { type: "string" },
      model: { type: "string" },
      year: { type: "string" },
      powertrain: { type: "string" },
      "version-time": { type: "string" },
      issuer: { type: "string" },
      subject: { type: "string" },
      format: { type: "string" },
      disclose: { type: "string" },
      status: { type: "string" },
      holder: { type: "string" },
      credential: { type: "string" },
      challenge: { type: "string" },
      domain: { type: "string" },
      presentation: { type: "boolean", default: false },
      out: { type: "string" },
      fund: { type: "string" },
      vehicles: { type: "string" },
      vehicle: { type: "string" },
      kind: { type: "string" },
      class: { type: "string" },
      region: { type: "string" },
      file: { type: "string" },
      data: { type: "string" },
      template: { type: "string" },
      scopes: { type: "string" },
      purpose: { type: "string" },
      days: { type: "string" },
      threshold: { type: "string" },
      consent: { type: "string" },
      "retain-days": { type: "string" },
      at: { type: "string" },
      epoch: { type: "string" },
      via: { type: "string" },
      rounds: { type: "string" },
      attack: { type: "string" },
      round: { type: "string" },
      "from-sim": { type: "boolean", default: false },
    },
  });
  const config = values.config ?? defaultTopologyFile;
  const common = { config, home: values.home ?? defaultHome(config), json: values.json ?? false };
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return;
  }
  switch (command) {
    case "up":
      return up({
        ...common,
        fresh: values.fresh ?? false,
        services: !values["no-services"],
        sim: !values["no-services"] && !values["no-sim"],
      });
    case "down":
      return down(common);
    case "status":
      await status(common);
      return;
    case "reset":
      return reset(common);
    case "xchain": {
      if (sub !== "send")
        throw new BaseError(`unknown command: xchain ${sub ?? ""}`, { fix: "amc xchain send --help" });
      if (!values.from || !values.to || values.body === undefined)
        throw new BaseError("xchain send needs --from, --to and --body", {
          fix: "e.g. amc xchain send --from main --to services --body hi --wait",
        });
      const timeout = Number(values.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0)
        throw new BaseError("--timeout must be a positive number of seconds");
      return xchainSend({
        ...common,
        from: values.from,
        to: values.to,
        body: values.body,
        wait: values.wait ?? false,
        timeoutMs: timeout * 1000,
      });
    }
    case "did": {
      const did = positionals[2];
      switch (sub) {
        case "create":
          return didCreate({ ...common, type: values.type ?? "", as: values.as });
        case "resolve":
          return didResolve({ ...common, did, versionTime: values["version-time"] });
        case "rotate":
          return didRotate({ ...common, did, as: values.as });
        case "deactivate":
          return didDeactivate({ ...common, did, as: values.as });
        default:
          throw new BaseError(`unknown command: did ${sub ?? ""}`, { fix: "amc did create|resolve|rotate|deactivate" });
      }
    }
    case "vehicle": {
      const did = positionals[2];
      switch (sub) {
        case "produce":
          return vehicleProduce({
            ...common,
            vin: values.vin,
            as: values.as,
            make: values.make,
            model: values.model,
            year: values.year,
            powertrain: values.powertrain,
          });
        case "transfer":
          return vehicleTransfer({ ...common, did, to: values.to, as: values.as });
        case "scrap":
          return vehicleScrap({ ...common, did, as: values.as });
        case "show":
          return vehicleShow({ ...common, did });
        default:
          throw new BaseError(`unknown command: vehicle ${sub ?? ""}`, {
            fix: "amc vehicle produce|transfer|scrap|show",
          });
      }
    }
    case "vc": {
      const arg = positionals[2];
      switch (sub) {
        case "issue":
          return vcIssue({
            ...common,
            issuer: values.issuer,
            type: values.type,
            subject: values.subject,
            format: values.format,
            disclose: values.disclose,
          });
        case "revoke":
          return vcRevoke({ ...common, id: arg, issuer: values.issuer, status: values.status });
        case "present":
          return vcPresent({
            ...common,
            holder: values.holder,
            credential: values.credential ?? arg,
            challenge: values.challenge,
            domain: values.domain,
          });
        case "verify":
          return vcVerify({
            ...common,
            token: arg,
            presentation: values.presentation ?? false,
            challenge: values.challenge,
            domain: values.domain,
          });
        default:
          throw new BaseError(`unknown command: vc ${sub ?? ""}`, { fix: "amc vc issue|revoke|present|verify" });
      }
    }
    case "proof":
      if (sub !== "verify")
        throw new BaseError(`unknown command: proof ${sub ?? ""}`, { fix: "amc proof verify <file|hash>" });
      return (await import("./edge.js")).proofVerify({ ...common, target: positionals[2] });
    case "fleet":
      if (sub !== "run")
        throw new BaseError(`unknown command: fleet ${sub ?? ""}`, { fix: "amc fleet run [--vehicles N]" });
      return (await import("./edge.js")).fleetRun({ ...common, vehicles: values.vehicles });
    case "data": {
      const data = {
        ...common,
        as: values.as,
        vehicle: values.vehicle,
        to: values.to,
        kind: values.kind,
        class: values.class,
        region: values.region,
        file: values.file,
        data: values.data,
        out: values.out,
        template: values.template,
        scopes: values.scopes,
        purpose: values.purpose,
        days: values.days,
        threshold: values.threshold,
        consent: values.consent,
        credential: values.credential,
        retainDays: values["retain-days"],
      };
      const arg = positionals[2];
      // Command modules load on demand: each `amc` run pays only for what it uses.
      const { dataErase, dataGet, dataGrant, dataKeys, dataLog, dataPut, dataRevoke } = await import("./data.js");
      switch (sub) {
        case "keys":
          return dataKeys({ ...data, did: arg });
        case "put":
          return dataPut(data);
        case "get":
          return dataGet({ ...data, objectId: arg });
        case "grant":
          return dataGrant(data);
        case "revoke":
          return dataRevoke({ ...data, consentId: arg });
        case "log":
          return dataLog({ ...data, vehicle: values.vehicle ?? arg });
        case "erase":
          return dataErase({ ...data, objectId: arg });
        default:
          throw new BaseError(`unknown command: data ${sub ?? ""}`, {
            fix: "amc data keys|put|get|grant|revoke|log|erase",
          });
      }
    }
    case "token": {
      const token = {
        ...common,
        at: values.at,
        as: values.as,
        target: positionals[2],
        epoch: values.epoch,
        via: values.via,
      };
      const { tokenBalance, tokenRelease, tokenSchedule } = await import("./token.js");
      switch (sub) {
        case "schedule":
          return tokenSchedule(token);
        case "balance":
          return tokenBalance(token);
        case "release":
          return tokenRelease(token);
        case "epochs":
          return (await import("./rewards.js")).tokenEpochs(token);
        case "epoch":
          return (await import("./rewards.js")).tokenEpoch(token);
        case "recompute":
          return (await import("./rewards.js")).tokenRecompute(token);
        case "claim":
          return (await import("./rewards.js")).tokenClaim(token);
        default:
          throw new BaseError(`unknown command: token ${sub ?? ""}`, {
            fix: "amc token schedule|balance|release|epochs|epoch|recompute|claim",
          });
      }
    }
    case "fl": {
      const fl = {
        ...common,
        rounds: values.rounds,
        attack: values.attack,
        round: values.round,
        out: values.out,
        fromSim: values["from-sim"] ?? false,
      };
      const { flModel, flRound, flStatus } = await import("./fl.js");
      switch (sub) {
        case "round":
          return flRound(fl);
        case "status":
          return flStatus(fl);
        case "model":
          return flModel(fl);
        default:
          throw new BaseError(`unknown command: fl ${sub ?? ""}`, { fix: "amc fl round|status|model" });
      }
    }
    case "besu":
      if (sub !== "genesis")
        throw new BaseError(`unknown command: besu ${sub ?? ""}`, { fix: "amc besu genesis <chain> --out <dir>" });
      return besuGenesisCommand({ ...common, chain: positionals[2], out: values.out, fund: values.fund });
    default:
      throw new BaseError(`unknown command: ${command}`, { fix: "run `amc --help`" });
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`amc: ${errorMessage(error)}`);
  process.exit(error instanceof BaseError ? 2 : 1);
});
