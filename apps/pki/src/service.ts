// The platform's development V2X PKI service: root CA, pseudonym CA (PCA), enrolment authority (EA), linkage
// authorities LA1 and LA2, and the misbehaviour authority (MA) in one process behind one HTTP API (docs/v2x-pki.md).
//
// One process is a development convenience, not the trust model: in production each authority runs apart, run by
// a different consortium member (LA1 and LA2 in particular), and talks to the others over authenticated channels.
// Nothing here merges their knowledge: each keeps its own state (one file each, see state.ts) and the routes only
// pass between them what the protocol passes (the EA's request names no vehicle, the PCA sees only sealed chain
// ids). The logs keep that separation too: nothing logged joins a vehicle DID with a linkage value.
//
// Routes: GET /health, GET /v1/ca, POST /v1/enrol, POST /v1/tickets (signed by the OBU key, see
// packages/v2x/src/pki/client.ts for the wire format), POST /v1/revoke and POST /v1/trace (admin token).
import { createHash, timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import {
  contractAddress,
  type DeploymentManifest,
  mainChain,
  publicClientFor,
  type Topology,
  walletClientFor,
} from "@amc/chain";
import { createLogger, InvalidInputError, type Logger } from "@amc/utils";
import {
  type Certificate,
  CertificateCodec,
  EnrolmentAuthority,
  LinkageAuthority,
  PSID,
  PseudonymCa,
  type PsidSsp,
  p256KeyFromSec1,
  periodOf,
  pkiEnrolRequestSchema,
  pkiRevokeRequestSchema,
  pkiTicketsRequestSchema,
  pkiTraceRequestSchema,
  revocationSeeds,
  type Schedule,
  sec1Compressed,
  slotWindow,
  TicketAlreadyIssuedError,
  ticketSigner,
  time64FromDate,
  toHex,
  traceTicket,
  validityBounds,
  verifyPkiRequest,
} from "@amc/v2x";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { type Hex, isHex, zeroHash } from "viem";
import { type CaMaterial, loadOrCreateCa } from "./ca.js";
import { installProblemHandler, ProblemError, parseBody } from "./problem.js";
import { AuthorityFiles, ensurePrivateDir, loadOrCreateAdminToken } from "./state.js";
import { CertRole, memberKeyWithRoles, publishLinkageSeeds, registerCertificate } from "./trustStore.js";
import { chainVehicleCheck } from "./vehicleCheck.js";

/** Linkage authority ids of the development PKI (16-bit la_id of IEEE 1609.2.1). */
export const LA1_ID = 0x0a01;
export const LA2_ID = 0x0a02;

/** The default schedule: SCMS's week-long linkage periods of hour-long ticket slots. */
export const DEFAULT_PERIOD_SECONDS = 7 * 24 * 3600;
export const DEFAULT_SLOT_SECONDS = 3600;

/** What tickets may sign: CAM, DENM and the platform's own payloads (map observations; model updates and task results). */
export const ticketPermissions: PsidSsp[] = [
  ...new Set<number>([PSID.cam, PSID.denm, PSID.mapObservation, PSID.modelUpdate, PSID.taskResult]),
].map((psid) => ({ psid }));

export type PkiServiceOptions = {
  topology: Topology;
  manifest: DeploymentManifest;
  /** The platform's state folder; the PKI keeps its keys and records in `<home>/pki/`. */
  home: string;
  now?: () => Date;
  /**
   * The ticket schedule, fixed on the first run and kept after (an explicit value that differs from the kept one is
   * refused). Defaults: periods of 7 days, slots of 1 hour, period 0 starting at the slot the first run falls in.
   */
  schedule?: Partial<Schedule>;
  /** How many periods after the current one tickets may be asked for in advance (default 1). */
  periodsAhead?: number;
  logger?: Logger;
};

export type PkiService = {
  readonly app: FastifyInstance;
  readonly ca: CaMaterial;
  readonly schedule: Schedule;
  /** The misbehaviour authority's bearer token for /v1/revoke and /v1/trace (also in `<home>/pki/admin.token`). */
  readonly adminToken: string;
  /** Listens on host:port (port 0: any free one) and resolves with the base URL. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
};

const fromHex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const digestOf = (s: string) => createHash("sha256").update(s).digest();

function resolveSchedule(wanted: Partial<Schedule> | undefined, kept: Schedule | undefined, now: Date): Schedule {
  if (kept) {
    for (const key of ["periodSeconds", "slotSeconds", "epoch"] as const)
      if (wanted?.[key] !== undefined && wanted[key] !== kept[key])
        throw new InvalidInputError(
          `the PKI's ${key} is ${kept[key]} since its first run; ${wanted[key]} was asked for`,
          { fix: "keep the schedule, or delete <home>/pki to start a new PKI" },
        );
    return kept;
  }
  const periodSeconds = wanted?.periodSeconds ?? DEFAULT_PERIOD_SECONDS;
  const slotSeconds = wanted?.slotSeconds ?? DEFAULT_SLOT_SECONDS;
  if (!Number.isInteger(periodSeconds) || !Number.isInteger(slotSeconds) || slotSeconds < 1)
    throw new InvalidInputError("periodSeconds and slotSeconds must be positive integers");
  if (periodSeconds < slotSeconds || periodSeconds % slotSeconds !== 0)
    throw new InvalidInputError(`a period (${periodSeconds} s) must be a whole number of slots (${slotSeconds} s)`);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  return { periodSeconds, slotSeconds, epoch: wanted?.epoch ?? nowSeconds - (nowSeconds % slotSeconds) };
}

/**
 * Starts the PKI: loads (or on the first run creates) the CA keys and certificates and the authorities' state under
 * `<home>/pki/`, and makes sure the main chain's V2xTrustStore lists the root and the PCA (waiting for the
 * receipts). The HTTP API is ready to `listen` when this resolves.
 */
export async function createPkiService(options: PkiServiceOptions): Promise<PkiService> {
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? createLogger({ service: "pki" });
  const dir = join(options.home, "pki");
  ensurePrivateDir(dir);

  const { ca, created } = loadOrCreateCa(dir, {
    name: options.topology.network,
    appPermissions: ticketPermissions,
    now: now(),
  });
  const adminToken = loadOrCreateAdminToken(dir);
  const sign = ticketSigner({ certificate: ca.pca, privateKey: ca.pcaKey }, { appPermissions: ticketPermissions });
  const checkVehicle = chainVehicleCheck({ topology: options.topology, manifest: options.manifest, now });

  // The authorities: restored from their snapshots, or new (written LAs first, the PCA last: see state.ts).
  const files = new AuthorityFiles(dir);
  let la1: LinkageAuthority;
  let la2: LinkageAuthority;
  let ea: EnrolmentAuthority;
  let pca: PseudonymCa<Certificate>;
  if (files.exists()) {
    const s = files.readAll();
    la1 = LinkageAuthority.fromJSON(s.la1);
    la2 = LinkageAuthority.fromJSON(s.la2);
    pca = PseudonymCa.fromJSON(s.pca, sign);
    ea = EnrolmentAuthority.fromJSON(s.ea, checkVehicle, la1, la2);
    resolveSchedule(options.schedule, pca.schedule, now());
  } else {
    la1 = new LinkageAuthority(LA1_ID);
    la2 = new LinkageAuthority(LA2_ID);
    pca = new PseudonymCa(resolveSchedule(options.schedule, undefined, now()), la1.laId, la2.laId, sign);
    ea = new EnrolmentAuthority(checkVehicle, la1, la2);
    files.write([
      ["la1", la1],
      ["la2", la2],
      ["ea", ea],
      ["pca", pca],
    ]);
  }
  const schedule = pca.schedule;
  const pcaValidity = validityBounds(ca.pca.toBeSigned.validityPeriod);

  // The trust anchor on the main chain: the root (and the PCA under it), by the CERTIFICATE_AUTHORITY member.
  const main = mainChain(options.topology);
  const client = publicClientFor(main);
  const trustStore = contractAddress(options.manifest, main.name, "V2xTrustStore");
  const caAccess = {
    client,
    wallet: walletClientFor(main, memberKeyWithRoles(options.topology, ["CERTIFICATE_AUTHORITY"])),
    address: trustStore,
  };
  const maAccess = {
    client,
    wallet: walletClientFor(main, memberKeyWithRoles(options.topology, ["REGULATOR", "CERTIFICATE_AUTHORITY"])),
    address: trustStore,
  };
  const root = await registerCertificate(caAccess, ca.root, CertRole.Root, ca.root);
  const pcaRegistered = await registerCertificate(caAccess, ca.pca, CertRole.PseudonymCa, ca.root);
  logger.info("PKI ready", {
    root: toHex(ca.rootDigest),
    pca: toHex(ca.pcaDigest),
    created,
    trustStore: { root, pca: pcaRegistered },
    schedule,
  });

  // Chain writes go one at a time: one signing account, one nonce sequence.
  let chainQueue: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chainQueue.then(task);
    // The queue only orders; each caller gets its own task's result or error from `run`.
    chainQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };

  const requireAdmin = (request: FastifyRequest) => {
    const header = request.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match || !timingSafeEqual(digestOf(match[1] ?? ""), digestOf(adminToken)))
      throw new ProblemError(401, "Unauthorized", "this route needs the PKI's admin token as a Bearer token", {
        fix: "send authorization: Bearer <the content of <home>/pki/admin.token>",
      });
  };
  const obuKeyFrom = (hex: string) => {
    try {
      return p256KeyFromSec1(fromHex(hex));
    } catch (error) {
      if (error instanceof Error)
        throw new ProblemError(400, "Invalid public key", `${hex.slice(0, 16)}… is not a point on P-256`);
      throw error;
    }
  };

  const app = Fastify({ logger: false });
  installProblemHandler(app, (error) => logger.error("request failed", { error }));
  app.addHook("onSend", async (_request, reply, payload) => {
    if (reply.statusCode === 401) reply.header("www-authenticate", 'Bearer realm="amc-pki"');
    return payload;
  });

  app.get("/health", async () => ({ status: "ok", rootDigest: toHex(ca.rootDigest) }));

  app.get("/v1/ca", async () => ({
    root: toHex(ca.rootBytes),
    pca: toHex(ca.pcaBytes),
    rootDigest: toHex(ca.rootDigest),
    pcaDigest: toHex(ca.pcaDigest),
    schedule,
  }));

  app.post("/v1/enrol", async (request) => {
    const body = parseBody(pkiEnrolRequestSchema, request.body);
    const key = obuKeyFrom(body.obuKey);
    if (!verifyPkiRequest(body, key))
      throw new ProblemError(
        401,
        "Bad proof of possession",
        "the signature is not the OBU key's over the canonical request",
      );
    const result = await ea.enrol(body.vehicleDid, body.credential, sec1Compressed(key));
    if (!result.ok)
      throw result.code === "obu_key_conflict"
        ? new ProblemError(409, "Already enrolled", result.reason)
        : new ProblemError(403, "Enrolment refused", result.reason);
    files.write([["ea", ea]]);
    logger.info("OBU enrolled", { vehicleDid: body.vehicleDid });
    return { token: result.token };
  });

  app.post("/v1/tickets", async (request) => {
    const body = parseBody(pkiTicketsRequestSchema, request.body);
    const enrolled = ea.obuKeyOf(body.vehicleDid);
    if (!enrolled)
      throw new ProblemError(403, "Not enrolled", `${body.vehicleDid} has no enrolled OBU`, {
        fix: "POST /v1/enrol first",
      });
    if (!verifyPkiRequest(body, p256KeyFromSec1(enrolled)))
      throw new ProblemError(401, "Bad signature", "the request is not signed by the vehicle's enrolled OBU key");
    const current = periodOf(schedule, Math.floor(now().getTime() / 1000));
    const ahead = options.periodsAhead ?? 1;
    if (body.period < current || body.period > current + ahead)
      throw new ProblemError(
        400,
        "Period out of range",
        `tickets are issued for periods ${current} to ${current + ahead}, not ${body.period}`,
      );
    for (const slot of body.slots) {
      const window = slotWindow(schedule, body.period, slot);
      if (
        time64FromDate(window.start * 1000) < pcaValidity.start ||
        time64FromDate(window.end * 1000) > pcaValidity.end
      )
        throw new ProblemError(
          400,
          "Slot outside the PCA's validity",
          `slot ${slot} of period ${body.period} is not within the PCA certificate's validity`,
        );
    }
    const publicKeys = body.publicKeys.map((k) => sec1Compressed(obuKeyFrom(k)));
    let issued: ReturnType<typeof pca.issueBatch> | undefined;
    let failure: unknown;
    try {
      issued = pca.issueBatch(
        ea.ticketRequest(body.vehicleDid, body.period, body.slots, publicKeys, pca.keys.publicRaw),
      );
    } catch (error) {
      failure = error;
    }
    // A refused batch may still have opened the vehicle's linkage chains: keep whatever changed.
    files.write([
      ["la1", la1],
      ["la2", la2],
      ["ea", ea],
      ["pca", pca],
    ]);
    if (failure instanceof TicketAlreadyIssuedError)
      throw new ProblemError(409, "Slot already issued", failure.shortMessage, { slot: failure.slot });
    if (failure !== undefined || issued === undefined) throw failure;
    logger.info("tickets issued", { period: body.period, count: issued.length });
    return {
      period: body.period,
      tickets: issued.map((t) => ({
        slot: t.slot,
        certificate: toHex(CertificateCodec.encode(t.ticket)),
        linkageValue: toHex(t.linkageValue),
      })),
    };
  });

  app.post("/v1/revoke", async (request) => {
    requireAdmin(request);
    const body = parseBody(pkiRevokeRequestSchema, request.body);
    const lv = fromHex(body.linkageValue);
    if (!pca.lookup(lv))
      throw new ProblemError(404, "Unknown linkage value", "the PCA issued no ticket with this linkage value");
    const fromPeriod = body.fromPeriod ?? periodOf(schedule, Math.floor(now().getTime() / 1000));
    const seeds = revocationSeeds({ pca, la1, la2 }, lv, fromPeriod);
    const reportHash: Hex = body.reportHash !== undefined && isHex(body.reportHash) ? body.reportHash : zeroHash;
    const published = await serially(() => publishLinkageSeeds(maAccess, seeds, reportHash));
    logger.info("linkage seeds published", { period: seeds.period, txHash: published.txHash });
    return {
      txHash: published.txHash,
      period: seeds.period,
      ...(published.seedIndex === undefined ? {} : { seedIndex: published.seedIndex }),
    };
  });

  app.post("/v1/trace", async (request) => {
    requireAdmin(request);
    const body = parseBody(pkiTraceRequestSchema, request.body);
    const vehicleDid = traceTicket({ pca, la1, la2, ea }, fromHex(body.linkageValue));
    if (vehicleDid === undefined)
      throw new ProblemError(404, "Unknown linkage value", "no ticket with this linkage value traces to a vehicle");
    logger.warn("ticket traced", { by: "misbehaviour authority" });
    return { vehicleDid };
  });

  await app.ready();
  return {
    app,
    ca,
    schedule,
    adminToken,
    async listen(port, host = options.topology.services.host) {
      await app.listen({ port, host });
      const address = app.server.address();
      const bound = typeof address === "object" && address !== null ? address.port : port;
      return `http://${host}:${bound}`;
    },
    close: () => app.close(),
  };
}
