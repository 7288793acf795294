// Map maths of the dashboard, kept free of React and the DOM so it can be tested under node.
// The map uses an equirectangular projection with the longitude scaled by cos(reference latitude): over a city-sized
// area this keeps angles and distances right to well under a percent, without a projection library or tiles.
// x grows east, y grows south (SVG), so a heading in degrees clockwise from north maps to (sin h, -cos h).

export type Bounds = { minLat: number; minLon: number; maxLat: number; maxLon: number };
export type Point = { x: number; y: number };

/** A fitted projection: geographic degrees <-> SVG user units of a width × height canvas. */
export type Projection = {
  /** SVG units per degree of latitude (and per degree of longitude × cos(lat0)). */
  k: number;
  /** The reference latitude (the bounds' middle) whose cosine scales the longitude. */
  lat0: number;
  width: number;
  height: number;
  project: (lat: number, lon: number) => Point;
  unproject: (x: number, y: number) => { lat: number; lon: number };
  /** Metres on the ground per SVG unit (at lat0). */
  metresPerUnit: number;
};

/** Mean metres per degree of latitude (a sphere of the mean Earth radius, 6,371,008.8 m). */
export const METRES_PER_DEGREE = (Math.PI * 6_371_008.8) / 180;

/** The smallest span a fit uses: a point (or a single straight road) still gets a sensible scale (~11 m). */
const MIN_SPAN = 1e-4;

function checkBounds(b: Bounds): void {
  const values = [b.minLat, b.minLon, b.maxLat, b.maxLon];
  if (!values.every(Number.isFinite)) throw new RangeError(`bounds must be finite numbers, got ${JSON.stringify(b)}`);
  if (b.minLat > b.maxLat || b.minLon > b.maxLon)
    throw new RangeError(`bounds are inverted (min > max): ${JSON.stringify(b)}`);
  if (b.minLat < -90 || b.maxLat > 90) throw new RangeError(`latitudes must lie in [-90, 90]: ${JSON.stringify(b)}`);
}

/**
 * Fits `bounds` into a width × height canvas with `padding` on every side, centred, keeping the aspect ratio
 * (the tighter dimension decides the scale).
 */
export function fitProjection(bounds: Bounds, width: number, height: number, padding = 0): Projection {
  checkBounds(bounds);
  if (!(width > 0 && height > 0)) throw new RangeError(`the canvas must have a positive size, got ${width}×${height}`);
  if (!(padding >= 0) || 2 * padding >= Math.min(width, height))
    throw new RangeError(`padding ${padding} leaves no room in a ${width}×${height} canvas`);
  const lat0 = (bounds.minLat + bounds.maxLat) / 2;
  const cos0 = Math.cos((lat0 * Math.PI) / 180);
  const spanLat = Math.max(bounds.maxLat - bounds.minLat, MIN_SPAN);
  const spanLon = Math.max(bounds.maxLon - bounds.minLon, MIN_SPAN);
  const k = Math.min((width - 2 * padding) / (spanLon * cos0), (height - 2 * padding) / spanLat);
  const centreLat = lat0;
  const centreLon = (bounds.minLon + bounds.maxLon) / 2;
  const project = (lat: number, lon: number): Point => ({
    x: width / 2 + (lon - centreLon) * cos0 * k,
    y: height / 2 - (lat - centreLat) * k,
  });
  const unproject = (x: number, y: number) => ({
    lat: centreLat - (y - height / 2) / k,
    lon: centreLon + (x - width / 2) / (cos0 * k),
  });
  return { k, lat0, width, height, project, unproject, metresPerUnit: METRES_PER_DEGREE / k };
}

/** The SVG path data of a line through geographic points ([lat, lon] pairs), rounded to 0.1 unit. */
export function pathOf(projection: Projection, points: readonly (readonly [number, number])[]): string {
  let d = "";
  points.forEach(([lat, lon], i) => {
    const p = projection.project(lat, lon);
    d += `${i === 0 ? "M" : "L"}${p.x.toFixed(1)} ${p.y.toFixed(1)}`;
  });
  return d;
}

/** The unit vector of a heading (degrees clockwise from north) in SVG coordinates (y down). */
export function headingVector(degrees: number): Point {
  const r = (degrees * Math.PI) / 180;
  return { x: Math.sin(r), y: -Math.cos(r) };
}

/** Pan and zoom of the map: screen = world × scale + (tx, ty), all in SVG user units. */
export type View = { scale: number; tx: number; ty: number };
export const IDENTITY_VIEW: View = { scale: 1, tx: 0, ty: 0 };
export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 40;

/** Zooms by `factor` keeping the point under (cx, cy) (in SVG units) fixed; the scale stays in [MIN_ZOOM, MAX_ZOOM]. */
export function zoomAt(view: View, factor: number, cx: number, cy: number): View {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`zoom factor must be positive, got ${factor}`);
  const scale = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.scale * factor));
  const applied = scale / view.scale;
  return { scale, tx: cx - (cx - view.tx) * applied, ty: cy - (cy - view.ty) * applied };
}

/** The point of the world (unzoomed SVG units) shown at (x, y) on screen. */
export function screenToWorld(view: View, x: number, y: number): Point {
  return { x: (x - view.tx) / view.scale, y: (y - view.ty) / view.scale };
}

/** A scale-bar length in metres: the largest 1, 2 or 5 × 10^n that is at most `maxMetres`. */
export function niceLength(maxMetres: number): number {
  if (!(maxMetres > 0) || !Number.isFinite(maxMetres))
    throw new RangeError(`a scale bar needs a positive length, got ${maxMetres}`);
  const power = 10 ** Math.floor(Math.log10(maxMetres));
  for (const step of [5, 2, 1]) if (step * power <= maxMetres * (1 + 1e-12)) return step * power;
  return power;
}
