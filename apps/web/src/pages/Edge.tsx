// Edge page: every RSU's live figures (messages per second with a sparkline of the last 60 samples, sessions,
// accepted and rejected messages, anchored batches, last anchor), the events confirmed on the cell chains, and a
// message-proof check that runs entirely in the browser against the chains (through the gateway's read-only RPC
// proxy), so the user need not trust the RSU that handed the proof out. The proof is editable: tampering with any
// field makes the check fail with its reason (docs/edge.md).
import { useEffect, useRef, useState } from "react";
import {
  ApiError,
  type EdgeEvent,
  type EdgeStats,
  getJson,
  type RecentMessage,
  type RsuStats,
  request,
} from "../api.js";
import { causeKey } from "../causes.js";
import { Sparkline } from "../components/charts.js";
import { Age, Badge, Card, EmptyRow, ErrorBox, HashText, Loading, Page } from "../components/ui.js";
import { formatNumber, formatTime } from "../format.js";
import { useNow, usePoll } from "../hooks.js";
import { type BrowserProofResult, verifyProofInBrowser } from "../lib/proof.js";
import { useLocale } from "../locale.js";
import { usePlatform } from "../platform.js";

const SAMPLES = 60;

/** Keeps the last SAMPLES messages-per-second figures of each RSU (one per distinct stats time). */
function useRateHistory(stats: EdgeStats | undefined) {
  const history = useRef(new Map<string, number[]>());
  const lastAt = useRef<number | undefined>(undefined);
  if (stats && stats.at !== lastAt.current) {
    lastAt.current = stats.at;
    for (const r of stats.rsus) {
      const list = history.current.get(r.name) ?? [];
      list.push(r.messagesPerSecond);
      if (list.length > SAMPLES) list.splice(0, list.length - SAMPLES);
      history.current.set(r.name, list);
    }
  }
  return history.current;
}

function RsuCard({ rsu, rates }: { rsu: RsuStats; rates: number[] }) {
  const { t, locale } = useLocale();
  const rejected = Object.entries(rsu.rejected).filter(([, n]) => n > 0);
  const rejectedTotal = rejected.reduce((s, [, n]) => s + n, 0);
  return (
    <div className="rsu-card" data-testid={`rsu-row-${rsu.name}`}>
      <div className="chain-card-head">
        <strong>{rsu.name}</strong>
        <Badge tone={rsu.healthy ? "ok" : "bad"}>{rsu.healthy ? t("common.healthy") : t("common.unhealthy")}</Badge>
      </div>
      <div className="muted small">
        {t("edge.cell")} <code>{rsu.cell}</code> · {t("edge.chain")} {rsu.chain}
      </div>
      <div className="rate">
        <div>
          <span className="big-number" data-testid={`rsu-mps-${rsu.name}`}>
            {formatNumber(rsu.messagesPerSecond, locale, 1)}
          </span>
          <span className="muted small"> {t("edge.perSecond")}</span>
        </div>
        <Sparkline values={rates} testId={`rsu-spark-${rsu.name}`} />
      </div>
      <dl className="kv">
        <dt>{t("edge.sessions")}</dt>
        <dd data-testid={`rsu-sessions-${rsu.name}`}>{formatNumber(rsu.sessions, locale)}</dd>
        <dt>{t("edge.accepted")}</dt>
        <dd data-testid={`rsu-accepted-${rsu.name}`}>{formatNumber(rsu.accepted, locale)}</dd>
        <dt>{t("edge.rejected")}</dt>
        <dd data-testid={`rsu-rejected-${rsu.name}`}>
          {formatNumber(rejectedTotal, locale)}
          {rejected.length > 0 && (
            <ul className="plain small">
              {rejected.map(([reason, n]) => (
                <li key={reason}>
                  <code>{reason}</code>: {formatNumber(n, locale)}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>{t("edge.batches")}</dt>
        <dd data-testid={`rsu-batches-${rsu.name}`}>{formatNumber(rsu.batchesAnchored, locale)}</dd>
        <dt>{t("edge.lastAnchor")}</dt>
        <dd>
          {rsu.lastAnchor ? (
            <>
              {t("edge.batchN", { n: rsu.lastAnchor.batchId, count: rsu.lastAnchor.count })} · #
              {rsu.lastAnchor.blockNumber} <HashText value={rsu.lastAnchor.txHash} />
            </>
          ) : (
            <span className="muted">{t("edge.noAnchor")}</span>
          )}
        </dd>
      </dl>
    </div>
  );
}

type Verdict =
  | { kind: "result"; result: BrowserProofResult }
  | { kind: "pending" }
  | { kind: "error"; error: unknown }
  | { kind: "json"; message: string };

function ProofChecker() {
  const { t, locale } = useLocale();
  const { config } = usePlatform();
  const recent = usePoll(
    "edge-recent",
    (signal) => getJson<{ messages: RecentMessage[] }>("/v1/edge/recent?limit=20", { signal }),
    5000,
  );
  const [hash, setHash] = useState("");
  const [text, setText] = useState("");
  // The hash whose proof the textarea holds (a changed hash means fetch again).
  const [loadedFor, setLoadedFor] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [verdict, setVerdict] = useState<Verdict>();
  const now = useNow(2000);

  // Prefill the hash with the newest recent message, once.
  const first = recent.data?.messages[0]?.hash;
  useEffect(() => {
    if (first) setHash((h) => h || first);
  }, [first]);

  const fetchProof = async (h: string): Promise<string | undefined> => {
    const response = await request<unknown>(`/v1/edge/proofs/${encodeURIComponent(h)}`);
    if (response.status === 202) {
      setVerdict({ kind: "pending" });
      return undefined;
    }
    const json = JSON.stringify(response.body, null, 2);
    setText(json);
    setLoadedFor(h);
    return json;
  };

  const verify = async () => {
    if (!config) {
      setVerdict({ kind: "error", error: new Error(t("edge.noConfig")) });
      return;
    }
    const registry = config.registry;
    const h = hash.trim();
    setBusy(true);
    setVerdict(undefined);
    try {
      let json: string | undefined = text;
      if (!text.trim() || loadedFor !== h) json = await fetchProof(h);
      if (json === undefined) return;
      let proof: unknown;
      try {
        proof = JSON.parse(json);
      } catch (e) {
        setVerdict({ kind: "json", message: e instanceof Error ? e.message : String(e) });
        return;
      }
      if (!registry) throw new Error(t("edge.noRegistry"));
      const byId = new Map(config.chains.map((c) => [c.chainId, c.name]));
      const result = await verifyProofInBrowser(proof, {
        rpcUrlFor: (chainId) => {
          const name = byId.get(chainId);
          if (!name) throw new Error(t("edge.unknownChain", { id: chainId }));
          return `${window.location.origin}/v1/rpc/${encodeURIComponent(name)}`;
        },
        mainChainId: config.main.chainId,
        registry,
        network: config.network,
      });
      setVerdict({ kind: "result", result });
    } catch (error) {
      setVerdict({ kind: "error", error });
    } finally {
      setBusy(false);
    }
  };

  const reload = async () => {
    setBusy(true);
    setVerdict(undefined);
    try {
      await fetchProof(hash.trim());
    } catch (error) {
      setVerdict({ kind: "error", error });
    } finally {
      setBusy(false);
    }
  };

  const validHash = /^0x[0-9a-fA-F]{64}$/.test(hash.trim());
  return (
    <Card title={t("edge.verifyTitle")}>
      <p className="muted small">{t("edge.verifyIntro")}</p>
      <div className="proof-form">
        <label htmlFor="proof-hash">{t("edge.messageHash")}</label>
        <input
          id="proof-hash"
          data-testid="proof-hash"
          value={hash}
          onChange={(e) => setHash(e.target.value)}
          placeholder="0x…"
          spellCheck={false}
          list="recent-hashes"
        />
        <select
          data-testid="proof-recent"
          value=""
          onChange={(e) => e.target.value && setHash(e.target.value)}
          aria-label={t("edge.recent")}
        >
          <option value="">{recent.data ? t("edge.pickRecent", { n: recent.data.messages.length }) : "…"}</option>
          {(recent.data?.messages ?? []).map((m) => (
            <option key={m.hash} value={m.hash}>
              {`${m.kind.toUpperCase()} · ${m.rsu} · ${formatTime(Math.floor(m.at / 1000), locale)} · ${m.hash.slice(0, 14)}…`}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="primary"
          data-testid="verify-proof"
          disabled={busy || !validHash}
          onClick={() => void verify()}
        >
          {busy ? t("common.working") : t("edge.verify")}
        </button>
        <button type="button" disabled={busy || !validHash} onClick={() => void reload()} data-testid="proof-reload">
          {t("edge.reload")}
        </button>
      </div>
      {recent.error !== undefined && <ErrorBox error={recent.error} title={t("edge.recent")} />}
      <textarea
        className="json"
        data-testid="proof-json"
        value={text}
        onChange={(e) => setText(e.target.value)}
        spellCheck={false}
        rows={14}
        placeholder={t("edge.proofPlaceholder")}
      />
      {loadedFor && text && <p className="muted small">{t("edge.tamperHint")}</p>}
      {verdict?.kind === "pending" && (
        <div className="state state-warn" data-testid="proof-pending">
          {t("edge.pending")}
        </div>
      )}
      {verdict?.kind === "json" && (
        <div className="state state-error proof-result" data-testid="proof-result" data-ok="false">
          ✗ {t("edge.badJson")}: {verdict.message}
        </div>
      )}
      {verdict?.kind === "error" &&
        (verdict.error instanceof ApiError ? (
          <div data-testid="proof-result" data-ok="false" data-error="true">
            <ErrorBox error={verdict.error} />
          </div>
        ) : (
          <div className="state state-error proof-result" data-testid="proof-result" data-ok="false" data-error="true">
            ✗ {t("edge.checkFailed")}: {verdict.error instanceof Error ? verdict.error.message : String(verdict.error)}
          </div>
        ))}
      {verdict?.kind === "result" &&
        (verdict.result.ok ? (
          <div className="state state-ok proof-result" data-testid="proof-result" data-ok="true">
            <div className="verdict">✓ {t("edge.verified")}</div>
            <dl className="kv wide">
              <dt>{t("edge.batch")}</dt>
              <dd>
                {verdict.result.batchId} ({t("edge.messages", { n: verdict.result.count })})
              </dd>
              <dt>{t("common.block")}</dt>
              <dd>
                #{verdict.result.blockNumber} · {t("edge.chainId", { id: verdict.result.chainId })}
              </dd>
              <dt>{t("edge.confirmations")}</dt>
              <dd data-testid="proof-confirmations">{verdict.result.confirmations}</dd>
              <dt>{t("common.tx")}</dt>
              <dd>
                <code>{verdict.result.txHash}</code>
              </dd>
              <dt>{t("edge.rsuDid")}</dt>
              <dd>
                <code>{verdict.result.rsuDid}</code>
              </dd>
            </dl>
          </div>
        ) : (
          <div className="state state-error proof-result" data-testid="proof-result" data-ok="false">
            <div className="verdict">
              ✗ {t("edge.rejectedProof")}: <code data-testid="proof-reason">{verdict.result.reason}</code>
            </div>
            <div className="problem-detail">{verdict.result.detail}</div>
          </div>
        ))}
      {recent.data && recent.data.messages.length > 0 && (
        <datalist id="recent-hashes">
          {recent.data.messages.map((m) => (
            <option key={m.hash} value={m.hash}>
              {`${m.kind} ${m.rsu}`}
            </option>
          ))}
        </datalist>
      )}
      {recent.data?.messages[0] && (
        <p className="muted small">
          {t("edge.newestRecent")} <Age seconds={(now - recent.data.messages[0].at) / 1000} />
        </p>
      )}
    </Card>
  );
}

export default function Edge() {
  const { t, locale } = useLocale();
  const now = useNow(1000);
  const stats = usePoll("edge-stats", (signal) => getJson<EdgeStats>("/v1/edge/stats", { signal }), 1000);
  const events = usePoll(
    "edge-events",
    (signal) => getJson<{ events: EdgeEvent[] }>("/v1/edge/events?limit=50", { signal }),
    2000,
  );
  const history = useRateHistory(stats.data);
  const eventList = events.data?.events ?? [];
  return (
    <Page name="edge" title={t("edge.title")}>
      <Card title={t("edge.rsus")}>
        {stats.error !== undefined && <ErrorBox error={stats.error} />}
        {stats.loading ? (
          <Loading />
        ) : (
          <div className="chain-grid">
            {(stats.data?.rsus ?? []).map((r) => (
              <RsuCard key={r.name} rsu={r} rates={history.get(r.name) ?? []} />
            ))}
            {stats.data?.rsus.length === 0 && <p className="muted">{t("edge.noRsus")}</p>}
          </div>
        )}
      </Card>
      <Card title={t("edge.events")}>
        {events.error !== undefined && <ErrorBox error={events.error} />}
        {events.loading ? (
          <Loading />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>{t("edge.cause")}</th>
                <th>{t("edge.chain")}</th>
                <th>{t("edge.position")}</th>
                <th>{t("edge.reporters")}</th>
                <th>{t("edge.confirmedAfter")}</th>
                <th>{t("common.block")}</th>
                <th>{t("common.tx")}</th>
                <th>{t("common.age")}</th>
              </tr>
            </thead>
            <tbody>
              {eventList.map((e) => (
                <tr key={e.eventId} data-testid="event-row">
                  <td>
                    {t(causeKey(e.causeCode))}{" "}
                    <span className="muted small">
                      ({e.causeCode}/{e.subCauseCode})
                    </span>
                  </td>
                  <td>{e.chain}</td>
                  <td className="small">
                    {formatNumber(e.latitude, "en", 5)}, {formatNumber(e.longitude, "en", 5)}
                  </td>
                  <td>{e.reporters}</td>
                  <td>{formatNumber(Math.max(0, e.confirmedAt - e.firstSeen) / 1000, locale, 1)} s</td>
                  <td>{e.blockNumber}</td>
                  <td>
                    <HashText value={e.txHash} />
                  </td>
                  <td>
                    <Age seconds={(now - e.confirmedAt) / 1000} />
                  </td>
                </tr>
              ))}
              {eventList.length === 0 && <EmptyRow colSpan={8}>{t("edge.noEvents")}</EmptyRow>}
            </tbody>
          </table>
        )}
      </Card>
      <ProofChecker />
    </Page>
  );
}
