// Inline SVG charts (no chart library, nothing from a CDN): a sparkline for live rates, a multi-series line chart
// for vesting curves and model metrics, and a donut for the token allocation. Scales come from chartScale.ts.
import { linearTicks, scaleLinear } from "../chartScale.js";

export function Sparkline({
  values,
  width = 160,
  height = 36,
  max,
  testId,
}: {
  values: number[];
  width?: number;
  height?: number;
  max?: number;
  testId?: string;
}) {
  const top = Math.max(max ?? 0, ...values, 1);
  const n = Math.max(values.length, 2);
  const x = scaleLinear([0, n - 1], [1, width - 1]);
  const y = scaleLinear([0, top], [height - 2, 2]);
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const last = values.at(-1);
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} data-testid={testId}>
      <title>{values.map((v) => v.toFixed(1)).join(" ")}</title>
      <line x1={0} x2={width} y1={height - 1.5} y2={height - 1.5} className="spark-base" />
      {values.length > 1 && (
        <>
          <polygon
            points={`${x(0)},${height - 1.5} ${points} ${x(values.length - 1)},${height - 1.5}`}
            className="spark-area"
          />
          <polyline points={points} className="spark-line" />
        </>
      )}
      {last !== undefined && <circle cx={x(values.length - 1)} cy={y(last)} r={2.2} className="spark-dot" />}
    </svg>
  );
}

export type Series = {
  name: string;
  label: string;
  color: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
};

export function LineChart({
  series,
  xDomain,
  yDomain,
  xLabel,
  yLabel,
  formatX = (v) => String(v),
  formatY = (v) => String(v),
  marker,
  width = 640,
  height = 280,
  testId,
  title,
}: {
  series: Series[];
  xDomain: [number, number];
  yDomain: [number, number];
  xLabel?: string;
  yLabel?: string;
  formatX?: (v: number) => string;
  formatY?: (v: number) => string;
  /** A vertical marker (e.g. "now") at this x. */
  marker?: { x: number; label: string };
  width?: number;
  height?: number;
  testId?: string;
  /** The chart's accessible name. */
  title?: string;
}) {
  const m = { left: 64, right: 16, top: 28, bottom: 40 };
  const x = scaleLinear(xDomain, [m.left, width - m.right]);
  const y = scaleLinear(yDomain, [height - m.bottom, m.top]);
  const xTicks = linearTicks(xDomain[0], xDomain[1], 10);
  const yTicks = linearTicks(yDomain[0], yDomain[1], 5);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} className="line-chart" data-testid={testId} role="img">
        <title>{title ?? series.map((s) => s.label).join(", ")}</title>
        {yTicks.map((v) => (
          <g key={`y${v}`}>
            <line x1={m.left} x2={width - m.right} y1={y(v)} y2={y(v)} className="grid" />
            <text x={m.left - 6} y={y(v)} className="tick" textAnchor="end" dominantBaseline="middle">
              {formatY(v)}
            </text>
          </g>
        ))}
        {xTicks.map((v) => (
          <text key={`x${v}`} x={x(v)} y={height - m.bottom + 16} className="tick" textAnchor="middle">
            {formatX(v)}
          </text>
        ))}
        <line x1={m.left} x2={width - m.right} y1={height - m.bottom} y2={height - m.bottom} className="axis" />
        {xLabel && (
          <text x={(m.left + width - m.right) / 2} y={height - 6} className="axis-label" textAnchor="middle">
            {xLabel}
          </text>
        )}
        {yLabel && (
          <text x={12} y={4} className="axis-label" dominantBaseline="hanging">
            {yLabel}
          </text>
        )}
        {marker && marker.x >= xDomain[0] && marker.x <= xDomain[1] && (
          <g>
            <line x1={x(marker.x)} x2={x(marker.x)} y1={m.top} y2={height - m.bottom} className="marker" />
            <text x={x(marker.x) + 4} y={m.top - 6} className="marker-label">
              {marker.label}
            </text>
          </g>
        )}
        {series.map((s) => (
          <path
            key={s.name}
            d={s.points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.x).toFixed(1)} ${y(p.y).toFixed(1)}`).join("")}
            fill="none"
            stroke={s.color}
            strokeWidth={2}
            strokeDasharray={s.dashed ? "5 4" : undefined}
            data-series={s.name}
          />
        ))}
      </svg>
      <figcaption className="legend">
        {series.map((s) => (
          <span key={s.name} className="legend-item">
            <span className="swatch" style={{ background: s.color }} />
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** A donut of shares (any positive numbers; drawn as fractions of their sum). */
export function Donut({
  slices,
  size = 200,
  centre,
  testId,
}: {
  slices: { name: string; label: string; value: number; color: string }[];
  size?: number;
  centre?: string;
  testId?: string;
}) {
  const total = slices.reduce((s, x) => s + x.value, 0) || 1;
  const r = size / 2 - 6;
  const inner = r * 0.58;
  const c = size / 2;
  let angle = -Math.PI / 2;
  const arc = (a0: number, a1: number) => {
    const large = a1 - a0 > Math.PI ? 1 : 0;
    const p = (rad: number, a: number) => `${(c + rad * Math.cos(a)).toFixed(2)} ${(c + rad * Math.sin(a)).toFixed(2)}`;
    return `M${p(r, a0)} A${r} ${r} 0 ${large} 1 ${p(r, a1)} L${p(inner, a1)} A${inner} ${inner} 0 ${large} 0 ${p(inner, a0)} Z`;
  };
  return (
    <svg viewBox={`0 0 ${size} ${size}`} width={size} height={size} className="donut" role="img" data-testid={testId}>
      <title>{slices.map((s) => s.label).join(", ")}</title>
      {slices.map((s) => {
        const a0 = angle;
        const a1 = angle + (s.value / total) * 2 * Math.PI - 1e-6;
        angle = a1;
        return (
          <path key={s.name} d={arc(a0, a1)} fill={s.color} data-slice={s.name}>
            <title>{s.label}</title>
          </path>
        );
      })}
      {centre && (
        <text x={c} y={c} textAnchor="middle" dominantBaseline="middle" className="donut-centre">
          {centre}
        </text>
      )}
    </svg>
  );
}
