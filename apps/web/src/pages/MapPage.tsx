// Map page: the simulated road network drawn as inline SVG (no tiles), the H3 cells with their edge chains, the RSUs,
// the moving vehicles (polled every 500 ms; moves are eased with a CSS transition), hazards pending or confirmed,
// and a pulse where an event is confirmed on a cell chain. Pan with a drag, zoom with the wheel. The road network is
// OpenStreetMap data under the ODbL: its attribution stays visible over the map at all times.
// H3 cell boundaries: h3-js cellToBoundary (https://h3geo.org/docs/api/indexing).
import { cellToBoundary, cellToLatLng } from "h3-js";
import { type PointerEvent as ReactPointerEvent, useEffect, useMemo, useRef, useState } from "react";
import { type EdgeEvent, getJson, type SimCounters, type SimNetwork, type SimState } from "../api.js";
import { causeKey } from "../causes.js";
import { Badge, Card, ErrorBox, isSimOff, Loading, Page } from "../components/ui.js";
import { formatNumber, shortHex } from "../format.js";
import {
  fitProjection,
  headingVector,
  IDENTITY_VIEW,
  niceLength,
  type Projection,
  pathOf,
  type View,
  zoomAt,
} from "../geo.js";
import { usePoll } from "../hooks.js";
import type { MessageKey } from "../i18n.js";
import { useLocale } from "../locale.js";
import { usePlatform } from "../platform.js";

const WIDTH = 1000;
const HEIGHT = 640;
const PADDING = 24;
/** How long a newly confirmed event pulses (ms). */
const PULSE_MS = 8000;

/** Road styles by OSM highway class: stroke width (SVG units at zoom 1) and colour. */
const ROAD_STYLE: Record<string, { width: number; color: string; order: number }> = {
  motorway: { width: 5, color: "#f59e0b", order: 9 },
  motorway_link: { width: 3, color: "#f59e0b", order: 8 },
  trunk: { width: 4.5, color: "#fb923c", order: 7 },
  trunk_link: { width: 2.6, color: "#fb923c", order: 6 },
  primary: { width: 3.6, color: "#fcd34d", order: 5 },
  primary_link: { width: 2.2, color: "#fcd34d", order: 5 },
  secondary: { width: 3, color: "#fde68a", order: 4 },
  tertiary: { width: 2.4, color: "#e2e8f0", order: 3 },
  residential: { width: 1.6, color: "#cbd5e1", order: 2 },
  unclassified: { width: 1.6, color: "#cbd5e1", order: 2 },
  service: { width: 1, color: "#cbd5e1", order: 1 },
};
const DEFAULT_ROAD = { width: 1.4, color: "#cbd5e1", order: 0 };
const roadStyle = (kind: string) => ROAD_STYLE[kind] ?? DEFAULT_ROAD;

/** Stable colours of edge chains, by their order in the network's cell list. */
const CHAIN_COLOURS = ["#38bdf8", "#a78bfa", "#34d399", "#f472b6", "#facc15", "#fb7185"];

type Layers = { roads: { kind: string; d: string; width: number; color: string }[]; cells: CellShape[] };
type CellShape = { cell: string; chain: string | null; d: string; label: { x: number; y: number }; color: string };

function buildLayers(network: SimNetwork, projection: Projection): Layers {
  // One path per road class keeps the DOM small however many roads the network has.
  const byKind = new Map<string, string[]>();
  for (const road of network.roads) {
    if (road.geo.length < 2) continue;
    const parts = byKind.get(road.kind) ?? [];
    parts.push(pathOf(projection, road.geo));
    byKind.set(road.kind, parts);
  }
  const roads = [...byKind.entries()]
    .map(([kind, parts]) => ({ kind, d: parts.join(""), ...roadStyle(kind) }))
    .sort((a, b) => a.order - b.order);
  const chainNames = [...new Set(network.cells.map((c) => c.chain).filter((c): c is string => c !== null))];
  const cells = network.cells.map((c) => {
    const boundary = cellToBoundary(c.cell);
    const [lat, lon] = cellToLatLng(c.cell);
    const d = `${pathOf(projection, boundary)}Z`;
    const index = c.chain ? chainNames.indexOf(c.chain) : -1;
    return {
      cell: c.cell,
      chain: c.chain,
      d,
      label: projection.project(lat, lon),
      color: index >= 0 ? (CHAIN_COLOURS[index % CHAIN_COLOURS.length] ?? "#38bdf8") : "#94a3b8",
    };
  });
  return { roads, cells };
}

function usePanZoom(svg: React.RefObject<SVGSVGElement | null>) {
  const [view, setView] = useState<View>(IDENTITY_VIEW);
  const drag = useRef<{ x: number; y: number; view: View } | undefined>(undefined);
  // Client pixels -> SVG user units (the SVG keeps its aspect ratio, so one factor fits both axes).
  const toSvg = (clientX: number, clientY: number) => {
    const rect = svg.current?.getBoundingClientRect();
    if (!rect || rect.width === 0) return { x: 0, y: 0, k: 1 };
    const k = Math.max(WIDTH / rect.width, HEIGHT / rect.height);
    const offX = (rect.width * k - WIDTH) / 2;
    const offY = (rect.height * k - HEIGHT) / 2;
    return { x: (clientX - rect.left) * k - offX, y: (clientY - rect.top) * k - offY, k };
  };
  const toSvgRef = useRef(toSvg);
  toSvgRef.current = toSvg;
  useEffect(() => {
    const element = svg.current;
    if (!element) return;
    // A non-passive listener: the page must not scroll while the wheel zooms the map.
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const p = toSvgRef.current(event.clientX, event.clientY);
      setView((v) => zoomAt(v, Math.exp(-event.deltaY * 0.0015), p.x, p.y));
    };
    element.addEventListener("wheel", onWheel, { passive: false });
    return () => element.removeEventListener("wheel", onWheel);
  }, [svg]);
  const handlers = {
    onPointerDown: (e: ReactPointerEvent<SVGSVGElement>) => {
      e.currentTarget.setPointerCapture(e.pointerId);
      drag.current = { x: e.clientX, y: e.clientY, view };
    },
    onPointerMove: (e: ReactPointerEvent<SVGSVGElement>) => {
      const start = drag.current;
      if (!start) return;
      const { k } = toSvg(e.clientX, e.clientY);
      setView({
        ...start.view,
        tx: start.view.tx + (e.clientX - start.x) * k,
        ty: start.view.ty + (e.clientY - start.y) * k,
      });
    },
    onPointerUp: () => {
      drag.current = undefined;
    },
  };
  const zoomBy = (factor: number) => setView((v) => zoomAt(v, factor, WIDTH / 2, HEIGHT / 2));
  return { view, handlers, zoomBy, reset: () => setView(IDENTITY_VIEW) };
}

function Counters({
  counters,
  vehicles,
  connected,
}: {
  counters?: SimCounters;
  vehicles?: number;
  connected?: number;
}) {
  const { t, locale } = useLocale();
  const items: { key: string; label: MessageKey; value: number | undefined }[] = [
    { key: "vehicles", label: "map.vehicles", value: vehicles },
    { key: "connected", label: "map.connected", value: connected },
    { key: "cams", label: "map.cams", value: counters?.cams },
    { key: "denms", label: "map.denms", value: counters?.denms },
    { key: "handovers", label: "map.handovers", value: counters?.handovers },
    { key: "uploads", label: "map.uploads", value: counters?.uploads },
    { key: "reads", label: "map.reads", value: counters?.reads },
    { key: "rejected", label: "map.rejected", value: counters?.rejected },
    { key: "eventsConfirmed", label: "map.eventsConfirmed", value: counters?.eventsConfirmed },
  ];
  return (
    <div className="counters">
      {items.map((i) => (
        <div className="counter" key={i.key}>
          <span className="big-number" data-testid={i.key === "vehicles" ? "vehicle-count" : `counter-${i.key}`}>
            {i.value === undefined ? "—" : formatNumber(i.value, locale)}
          </span>
          <span className="muted small">{t(i.label)}</span>
        </div>
      ))}
    </div>
  );
}

export default function MapPage() {
  const { t } = useLocale();
  const { config } = usePlatform();
  const network = usePoll("sim-network", (signal) => getJson<SimNetwork>("/v1/sim/network", { signal }), 5000);
  const hasNetwork = network.data !== undefined;
  const state = usePoll("sim-state", (signal) => getJson<SimState>("/v1/sim/state", { signal }), 500, hasNetwork);
  const events = usePoll(
    "edge-events",
    (signal) => getJson<{ events: EdgeEvent[] }>("/v1/edge/events?limit=50", { signal }),
    2000,
    hasNetwork,
  );
  const svg = useRef<SVGSVGElement>(null);
  const { view, handlers, zoomBy, reset } = usePanZoom(svg);

  const projection = useMemo(
    () => (network.data ? fitProjection(network.data.bounds, WIDTH, HEIGHT, PADDING) : undefined),
    [network.data],
  );
  const layers = useMemo(
    () => (network.data && projection ? buildLayers(network.data, projection) : undefined),
    [network.data, projection],
  );

  // Events first seen while the page is open pulse for a while; those already there at load (or confirmed long ago)
  // do not.
  const seenEvents = useRef<Map<string, number> | undefined>(undefined);
  const now = Date.now();
  if (events.data) {
    if (!seenEvents.current) {
      seenEvents.current = new Map(events.data.events.map((e) => [e.eventId, e.confirmedAt]));
    } else {
      for (const e of events.data.events)
        if (!seenEvents.current.has(e.eventId)) seenEvents.current.set(e.eventId, now);
    }
  }
  const pulseSince = (e: EdgeEvent) => Math.max(seenEvents.current?.get(e.eventId) ?? 0, e.confirmedAt);

  const attribution = network.data?.attribution ?? config?.attribution ?? "";
  const vehicles = state.data?.vehicles ?? [];
  const connected = vehicles.filter((v) => v.connected).length;
  const unitsPerMetre = projection ? view.scale / projection.metresPerUnit : 0;
  const barMetres = unitsPerMetre > 0 ? niceLength(140 / unitsPerMetre) : 0;

  if (network.error !== undefined && !network.data)
    return (
      <Page name="map" title={t("map.title")}>
        <ErrorBox error={network.error} />
        {!isSimOff(network.error) && config?.sim === false && (
          <div className="state state-warn">{t("sim.notRunning")}</div>
        )}
      </Page>
    );

  return (
    <Page
      name="map"
      title={t("map.title")}
      aside={
        state.data && (
          <span className="muted small" data-testid="sim-clock">
            {t("map.simTime", { s: formatNumber(state.data.time, "en", 0), engine: state.data.engine })}{" "}
            <Badge tone={state.data.running ? "ok" : "warn"}>
              {state.data.running ? t("map.running") : t("map.paused")}
            </Badge>
          </span>
        )
      }
    >
      <Counters
        counters={state.data?.counters}
        vehicles={state.data ? vehicles.length : undefined}
        connected={state.data ? connected : undefined}
      />
      {state.error !== undefined && <ErrorBox error={state.error} />}
      <Card className="map-card">
        {!network.data || !projection || !layers ? (
          <Loading />
        ) : (
          <div className="map-wrap">
            <svg
              ref={svg}
              className="map"
              viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
              preserveAspectRatio="xMidYMid meet"
              data-testid="map"
              role="img"
              aria-label={t("map.title")}
              {...handlers}
            >
              <rect width={WIDTH} height={HEIGHT} className="map-bg" />
              <g transform={`translate(${view.tx} ${view.ty}) scale(${view.scale})`}>
                <g className="cells">
                  {layers.cells.map((c) => (
                    <g key={c.cell} data-testid={`cell-${c.cell}`} data-covered={c.chain !== null}>
                      <path
                        d={c.d}
                        fill={c.chain ? c.color : "none"}
                        fillOpacity={c.chain ? 0.12 : 0}
                        stroke={c.color}
                        strokeWidth={1.5 / view.scale}
                        strokeDasharray={c.chain ? undefined : `${6 / view.scale} ${4 / view.scale}`}
                      />
                    </g>
                  ))}
                </g>
                <g className="roads" fill="none" strokeLinecap="round" strokeLinejoin="round">
                  {layers.roads.map((r) => (
                    <path
                      key={r.kind}
                      d={r.d}
                      stroke={r.color}
                      strokeWidth={r.width / Math.sqrt(view.scale)}
                      data-kind={r.kind}
                    />
                  ))}
                </g>
                {layers.cells.map((c) => (
                  <text
                    key={c.cell}
                    x={c.label.x}
                    y={c.label.y}
                    className="cell-label"
                    textAnchor="middle"
                    fontSize={12 / view.scale}
                  >
                    <tspan x={c.label.x}>{shortHex(c.cell, 5, 3)}</tspan>
                    <tspan x={c.label.x} dy={14 / view.scale}>
                      {c.chain ?? t("map.noCoverage")}
                    </tspan>
                  </text>
                ))}
                {(network.data.rsus ?? []).map((r) => {
                  const p = projection.project(r.lat, r.lon);
                  const s = 1 / view.scale;
                  return (
                    <g key={r.name} transform={`translate(${p.x} ${p.y}) scale(${s})`} data-testid={`rsu-${r.name}`}>
                      <title>{`${t("network.rsu")} ${r.name} (${r.cell})`}</title>
                      <circle r={16} className="rsu-range" />
                      <path d="M0 -14 L-6 6 L6 6 Z" className="rsu-mast" />
                      <path d="M-9 -16 A11 11 0 0 1 9 -16 M-5 -13 A6 6 0 0 1 5 -13" className="rsu-waves" />
                      <text y={20} className="rsu-label" textAnchor="middle">
                        {r.name}
                      </text>
                    </g>
                  );
                })}
                {(events.data?.events ?? []).map((e) => {
                  const p = projection.project(e.latitude, e.longitude);
                  const fresh = now - pulseSince(e) < PULSE_MS;
                  return (
                    <g key={e.eventId} transform={`translate(${p.x} ${p.y}) scale(${1 / view.scale})`}>
                      <title>{`${t("map.eventConfirmed")} · ${t(causeKey(e.causeCode))} · ${e.chain} #${e.blockNumber}`}</title>
                      {fresh && <circle r={10} className="pulse" data-testid="event-pulse" />}
                      <circle r={4} className="event-dot" />
                    </g>
                  );
                })}
                {(state.data?.hazards ?? []).map((h) => {
                  const p = projection.project(h.lat, h.lon);
                  return (
                    <g
                      key={h.id}
                      transform={`translate(${p.x} ${p.y}) scale(${1 / view.scale})`}
                      className={h.confirmed ? "hazard confirmed" : "hazard pending"}
                      data-testid="hazard"
                      data-confirmed={h.confirmed}
                    >
                      <title>{`${t(causeKey(h.causeCode))} · ${h.confirmed ? t("map.confirmed") : t("map.pending")} · ${t("map.reports", { n: h.reports })}`}</title>
                      <path d="M0 -11 L10 7 L-10 7 Z" />
                      <text y={5} textAnchor="middle">
                        !
                      </text>
                    </g>
                  );
                })}
                {vehicles.map((v) => {
                  const p = projection.project(v.lat, v.lon);
                  const h = headingVector(v.heading);
                  const s = 1 / Math.sqrt(view.scale);
                  return (
                    <g
                      key={v.id}
                      className={v.connected ? "vehicle connected" : "vehicle offline"}
                      // The attribute places it; the same CSS transform (which wins over the attribute) eases moves.
                      transform={`translate(${p.x.toFixed(2)} ${p.y.toFixed(2)})`}
                      style={{ transform: `translate(${p.x.toFixed(2)}px, ${p.y.toFixed(2)}px)` }}
                      data-testid={`vehicle-${v.id}`}
                    >
                      <title>{`${v.id} · ${formatNumber(v.speed * 3.6, "en", 0)} km/h · ${v.connected ? (v.rsu ?? "") : t("map.outOfCoverage")}`}</title>
                      <line
                        x1={0}
                        y1={0}
                        x2={h.x * 9 * s}
                        y2={h.y * 9 * s}
                        className="vehicle-heading"
                        strokeWidth={1.6 * s}
                      />
                      <circle r={4 * s} strokeWidth={1.2 * s} />
                    </g>
                  );
                })}
              </g>
              {barMetres > 0 && (
                <g transform={`translate(${PADDING} ${HEIGHT - 18})`} className="scale-bar">
                  <line x1={0} x2={barMetres * unitsPerMetre} y1={0} y2={0} />
                  <text x={barMetres * unitsPerMetre + 6} y={4} className="scale-bar-label">
                    {barMetres >= 1000 ? `${barMetres / 1000} km` : `${barMetres} m`}
                  </text>
                </g>
              )}
            </svg>
            <div className="map-controls">
              <button type="button" onClick={() => zoomBy(1.4)} aria-label={t("map.zoomIn")} title={t("map.zoomIn")}>
                +
              </button>
              <button
                type="button"
                onClick={() => zoomBy(1 / 1.4)}
                aria-label={t("map.zoomOut")}
                title={t("map.zoomOut")}
              >
                −
              </button>
              <button type="button" onClick={reset} title={t("map.reset")}>
                ⟲
              </button>
            </div>
            <div className="map-attribution" data-testid="map-attribution">
              {network.data.name} · {attribution}
            </div>
          </div>
        )}
        <div className="legend">
          <span className="legend-item">
            <span className="dot dot-connected" />
            {t("map.legendConnected")}
          </span>
          <span className="legend-item">
            <span className="dot dot-offline" />
            {t("map.legendOffline")}
          </span>
          <span className="legend-item">
            <span className="tri tri-pending" />
            {t("map.legendHazardPending")}
          </span>
          <span className="legend-item">
            <span className="tri tri-confirmed" />
            {t("map.legendHazardConfirmed")}
          </span>
          <span className="legend-item">
            <span className="swatch swatch-cell" />
            {t("map.legendCell")}
          </span>
          <span className="legend-item">
            <span className="swatch swatch-uncovered" />
            {t("map.legendUncovered")}
          </span>
          <span className="legend-item muted">{t("map.hint")}</span>
        </div>
      </Card>
    </Page>
  );
}
