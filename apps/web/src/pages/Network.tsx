// Network page: the consortium's chains with their heights (polled every 1.5 s), the members and their roles, the
// live cross-chain messages, and relayer and RSU health derived from them (a message pending long means the relayer
// or the destination's validators are behind).
import { useRef } from "react";
import { type ChainInfo, getJson, type Member, type RsuInfo, type XchainMessage } from "../api.js";
import { Age, Badge, Card, EmptyRow, ErrorBox, HashText, Loading, Page } from "../components/ui.js";
import { formatNumber, formatTime } from "../format.js";
import { useNow, usePoll } from "../hooks.js";
import type { MessageKey } from "../i18n.js";
import { useLocale } from "../locale.js";

/** A message pending longer than this counts against the relayer's health. */
const RELAY_SLA_SECONDS = 60;

function useHeightRate(chains: ChainInfo[] | undefined) {
  // Remembers when each chain's height last changed, to show "last block n s ago" without a block query.
  const seen = useRef(new Map<string, { height: number; at: number }>());
  if (chains)
    for (const c of chains) {
      if (c.blockNumber === null) continue;
      const prev = seen.current.get(c.name);
      if (!prev || prev.height !== c.blockNumber) seen.current.set(c.name, { height: c.blockNumber, at: Date.now() });
    }
  return seen.current;
}

function ChainCard({ chain, lastChange, now }: { chain: ChainInfo; lastChange?: number; now: number }) {
  const { t, locale } = useLocale();
  const tone = chain.role === "main" ? "info" : chain.role === "side" ? "ok" : "warn";
  return (
    <div className={`chain-card role-${chain.role}`} data-testid={`chain-${chain.name}`}>
      <div className="chain-card-head">
        <strong>{chain.name}</strong>
        <Badge tone={tone}>{t(`role.chain.${chain.role}` as MessageKey)}</Badge>
      </div>
      <div className="chain-height">
        {chain.blockNumber === null ? (
          <Badge tone="bad" testId={`chain-height-${chain.name}`}>
            {t("network.down")}
          </Badge>
        ) : (
          <span className="big-number" data-testid={`chain-height-${chain.name}`}>
            {formatNumber(chain.blockNumber, locale)}
          </span>
        )}
        <span className="muted small">
          {t("network.height")}
          {lastChange !== undefined && (
            <>
              {" · "}
              {t("network.lastBlock")} <Age seconds={(now - lastChange) / 1000} />
            </>
          )}
        </span>
      </div>
      <dl className="kv">
        <dt>{t("network.chainId")}</dt>
        <dd>{chain.chainId}</dd>
        <dt>{t("network.cell")}</dt>
        <dd>{chain.h3Cell ? <code>{chain.h3Cell}</code> : <span className="muted">—</span>}</dd>
        <dt>{t("network.validators")}</dt>
        <dd data-testid={`chain-validators-${chain.name}`}>
          {t("network.threshold", { m: chain.threshold, n: chain.validators.length })}
        </dd>
        <dt>{t("network.contracts")}</dt>
        <dd>{Object.keys(chain.contracts).length}</dd>
      </dl>
      {chain.validators.length > 0 && (
        <details>
          <summary>{t("network.showValidators")}</summary>
          <ul className="plain">
            {chain.validators.map((v) => (
              <li key={v}>
                <HashText value={v} />
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

export default function Network() {
  const { t, tOr, locale } = useLocale();
  const now = useNow(1000);
  const chains = usePoll("chains", (signal) => getJson<{ chains: ChainInfo[] }>("/v1/chains", { signal }), 1500);
  const members = usePoll(
    "members",
    (signal) => getJson<{ members: Member[] }>("/v1/governance/members", { signal }),
    15_000,
  );
  const messages = usePoll(
    "xchain",
    (signal) => getJson<{ messages: XchainMessage[] }>("/v1/xchain/messages?limit=50", { signal }),
    2000,
  );
  const rsus = usePoll("rsus", (signal) => getJson<{ rsus: RsuInfo[] }>("/v1/edge/rsus", { signal }), 5000);
  const lastChange = useHeightRate(chains.data?.chains);

  const list = messages.data?.messages ?? [];
  const pending = list.filter((m) => !m.delivered);
  const oldestPending = pending.reduce((min, m) => Math.min(min, m.timestamp), Number.POSITIVE_INFINITY);
  const relayAge = Number.isFinite(oldestPending) ? now / 1000 - oldestPending : 0;
  const chainsDown = (chains.data?.chains ?? []).filter((c) => c.blockNumber === null);

  return (
    <Page name="network" title={t("network.title")}>
      <Card title={t("network.chains")}>
        {chains.error !== undefined && <ErrorBox error={chains.error} />}
        {chains.loading ? (
          <Loading />
        ) : (
          <div className="chain-grid">
            {(chains.data?.chains ?? []).map((c) => (
              <ChainCard key={c.name} chain={c} lastChange={lastChange.get(c.name)?.at} now={now} />
            ))}
          </div>
        )}
      </Card>

      <div className="grid-2">
        <Card title={t("network.health")}>
          <ul className="health-list" data-testid="health">
            <li>
              <span>{t("network.chainsUp")}</span>
              {chains.data ? (
                <Badge tone={chainsDown.length === 0 ? "ok" : "bad"}>
                  {chains.data.chains.length - chainsDown.length} / {chains.data.chains.length}
                </Badge>
              ) : (
                <Badge tone="muted">…</Badge>
              )}
            </li>
            <li>
              <span>{t("network.relayer")}</span>
              {messages.error !== undefined && !messages.data ? (
                <Badge tone="muted">{t("common.unknown")}</Badge>
              ) : pending.length === 0 ? (
                <Badge tone="ok" testId="relayer-health">
                  {t("network.relayerIdle")}
                </Badge>
              ) : relayAge > RELAY_SLA_SECONDS ? (
                <Badge tone="bad" testId="relayer-health">
                  {t("network.relayerBehind", { n: pending.length })}
                </Badge>
              ) : (
                <Badge tone="warn" testId="relayer-health">
                  {t("network.relayerRelaying", { n: pending.length })}
                </Badge>
              )}
            </li>
            {(rsus.data?.rsus ?? []).map((r) => (
              <li key={r.name}>
                <span>
                  {t("network.rsu")} {r.name} <span className="muted small">({r.chain})</span>
                </span>
                <Badge tone={r.healthy ? "ok" : "bad"}>{r.healthy ? t("common.healthy") : t("common.unhealthy")}</Badge>
              </li>
            ))}
          </ul>
          {rsus.error !== undefined && <ErrorBox error={rsus.error} />}
        </Card>

        <Card title={t("network.members")}>
          {members.error !== undefined && <ErrorBox error={members.error} />}
          {members.loading ? (
            <Loading />
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>{t("network.member")}</th>
                  <th>{t("common.address")}</th>
                  <th>{t("network.roles")}</th>
                  <th>{t("network.joined")}</th>
                </tr>
              </thead>
              <tbody>
                {(members.data?.members ?? []).map((m) => (
                  <tr key={m.address} data-testid="member-row">
                    <td>{m.name}</td>
                    <td>
                      <HashText value={m.address} />
                    </td>
                    <td>
                      {m.roleNames.map((name) => (
                        <Badge key={name} tone="muted">
                          {tOr(`role.${name}`, name.startsWith("0x") ? name.slice(0, 10) : name)}
                        </Badge>
                      ))}
                    </td>
                    <td className="small">{m.joinedAt ? formatTime(m.joinedAt, locale) : "—"}</td>
                  </tr>
                ))}
                {members.data?.members.length === 0 && <EmptyRow colSpan={4}>{t("common.none")}</EmptyRow>}
              </tbody>
            </table>
          )}
        </Card>
      </div>

      <Card
        title={t("network.messages")}
        actions={
          messages.data && (
            <span className="muted small" data-testid="xchain-pending">
              {t("network.pendingCount", { n: pending.length, total: list.length })}
            </span>
          )
        }
      >
        {messages.error !== undefined && <ErrorBox error={messages.error} />}
        {messages.loading ? (
          <Loading />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>{t("network.messageId")}</th>
                <th>{t("network.route")}</th>
                <th>{t("network.nonce")}</th>
                <th>{t("network.sentBlock")}</th>
                <th>{t("common.status")}</th>
                <th>{t("common.age")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => (
                <tr key={m.id} data-testid="xchain-row" data-delivered={m.delivered}>
                  <td>
                    <HashText value={m.id} />
                  </td>
                  <td>
                    <strong>{m.origin}</strong> → <strong>{m.destination ?? t("common.unknown")}</strong>
                  </td>
                  <td>{m.nonce}</td>
                  <td>{formatNumber(m.blockNumber, locale)}</td>
                  <td>
                    {m.delivered ? (
                      <Badge tone="ok">
                        {t("network.delivered")}
                        {m.deliveredBlock !== null && ` #${m.deliveredBlock}`}
                      </Badge>
                    ) : (
                      <Badge tone={now / 1000 - m.timestamp > RELAY_SLA_SECONDS ? "bad" : "warn"}>
                        {t("network.pending")}
                      </Badge>
                    )}
                  </td>
                  <td>
                    <Age seconds={now / 1000 - m.timestamp} />
                  </td>
                </tr>
              ))}
              {list.length === 0 && <EmptyRow colSpan={6}>{t("network.noMessages")}</EmptyRow>}
            </tbody>
          </table>
        )}
      </Card>
    </Page>
  );
}
