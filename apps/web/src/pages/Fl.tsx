// Federated-learning page: the task as FLRegistry and the gateway hold it (model, secure aggregation, robust rule),
// the rounds (cells committed, accepted and dropped, contributors) and the published models' metrics over rounds.
import { type FlTask, getJson } from "../api.js";
import { LineChart } from "../components/charts.js";
import { Badge, Card, EmptyRow, ErrorBox, HashText, Loading, Page } from "../components/ui.js";
import { formatNumber } from "../format.js";
import { usePoll } from "../hooks.js";
import { useLocale } from "../locale.js";

export default function Fl() {
  const { t, tOr, locale } = useLocale();
  const task = usePoll("fl-task", (signal) => getJson<FlTask>("/v1/fl/task", { signal }), 5000);
  const data = task.data;
  const published = (data?.rounds ?? []).filter((r) => r.status === "published");
  const rounds = [...(data?.rounds ?? [])].reverse();
  const lastRound = Math.max(1, ...published.map((r) => r.round));
  return (
    <Page name="fl" title={t("fl.title")}>
      {task.error !== undefined && <ErrorBox error={task.error} />}
      {task.loading ? (
        <Loading />
      ) : data ? (
        <>
          <div className="grid-2">
            <Card title={t("fl.task")}>
              <dl className="kv wide" data-testid="fl-task">
                <dt>{t("fl.name")}</dt>
                <dd>{data.config.name}</dd>
                <dt>{t("fl.taskId")}</dt>
                <dd>
                  <HashText value={data.taskId} />
                </dd>
                <dt>{t("fl.registry")}</dt>
                <dd>
                  <HashText value={data.registry} />
                </dd>
                <dt>{t("fl.model")}</dt>
                <dd>
                  {data.config.model.kind}
                  {typeof data.config.model.d === "number" && ` · d = ${data.config.model.d}`}
                </dd>
                <dt>{t("fl.secure")}</dt>
                <dd>{tOr(`fl.mode.${data.config.secure.mode}`, data.config.secure.mode)}</dd>
                <dt>{t("fl.rule")}</dt>
                <dd>
                  {data.config.rule.kind}
                  {typeof data.config.rule.beta === "number" && ` · β = ${data.config.rule.beta}`}
                </dd>
                <dt>{t("fl.minContributors")}</dt>
                <dd>{data.config.minContributors}</dd>
                <dt>{t("fl.clip")}</dt>
                <dd>{data.config.clipNorm}</dd>
                <dt>{t("fl.local")}</dt>
                <dd>
                  {t("fl.localDetail", {
                    epochs: data.config.local.epochs,
                    lr: data.config.local.lr,
                    batch: data.config.local.batch,
                  })}
                </dd>
                <dt>{t("fl.openRound")}</dt>
                <dd data-testid="fl-open-round">
                  {data.round === null ? (
                    <Badge tone="muted">{t("fl.noOpenRound")}</Badge>
                  ) : (
                    <Badge tone="info">{data.round}</Badge>
                  )}
                </dd>
              </dl>
            </Card>
            <Card title={t("fl.metrics")}>
              {published.length === 0 ? (
                <p className="muted">{t("fl.noMetrics")}</p>
              ) : (
                <LineChart
                  series={[
                    {
                      name: "f1",
                      label: "F1",
                      color: "#0ea5e9",
                      points: published.map((r) => ({ x: r.round, y: r.f1 })),
                    },
                    {
                      name: "precision",
                      label: t("fl.precision"),
                      color: "#22c55e",
                      points: published.map((r) => ({ x: r.round, y: r.precision })),
                    },
                    {
                      name: "recall",
                      label: t("fl.recall"),
                      color: "#f59e0b",
                      points: published.map((r) => ({ x: r.round, y: r.recall })),
                    },
                  ]}
                  xDomain={[0, lastRound]}
                  yDomain={[0, 1]}
                  xLabel={t("fl.round")}
                  formatY={(v) => formatNumber(v, locale, 1)}
                  testId="fl-chart"
                />
              )}
            </Card>
          </div>
          <Card title={t("fl.rounds")}>
            <table className="table">
              <thead>
                <tr>
                  <th>{t("fl.round")}</th>
                  <th>{t("common.status")}</th>
                  <th>{t("fl.cells")}</th>
                  <th>{t("fl.accepted")}</th>
                  <th>{t("fl.dropped")}</th>
                  <th>{t("fl.contributors")}</th>
                  <th>F1</th>
                  <th>{t("fl.precision")}</th>
                  <th>{t("fl.recall")}</th>
                  <th>{t("fl.modelHash")}</th>
                </tr>
              </thead>
              <tbody>
                {rounds.map((r) => (
                  <tr key={r.round} data-testid="fl-round-row">
                    <td>{r.round}</td>
                    <td>
                      <Badge tone={r.status === "published" ? "ok" : r.status === "open" ? "info" : "muted"}>
                        {tOr(`fl.status.${r.status}`, r.status)}
                      </Badge>
                    </td>
                    <td>{r.cells}</td>
                    <td>{r.accepted}</td>
                    <td>{r.dropped}</td>
                    <td>{r.contributors}</td>
                    <td>{r.status === "published" ? formatNumber(r.f1, locale, 3) : "—"}</td>
                    <td>{r.status === "published" ? formatNumber(r.precision, locale, 3) : "—"}</td>
                    <td>{r.status === "published" ? formatNumber(r.recall, locale, 3) : "—"}</td>
                    <td>
                      <HashText value={r.modelHash} />
                    </td>
                  </tr>
                ))}
                {rounds.length === 0 && <EmptyRow colSpan={10}>{t("fl.noRounds")}</EmptyRow>}
              </tbody>
            </table>
          </Card>
        </>
      ) : null}
    </Page>
  );
}
