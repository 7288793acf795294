// Tests of the map maths: the fitted projection keeps the bounds inside the padded canvas, centred, with the
// cos(lat) aspect; project/unproject invert each other; zooming keeps the pointer's point fixed; scale bars are round.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Bounds,
  fitProjection,
  headingVector,
  IDENTITY_VIEW,
  MAX_ZOOM,
  METRES_PER_DEGREE,
  MIN_ZOOM,
  niceLength,
  pathOf,
  screenToWorld,
  zoomAt,
} from "./geo.js";

// The A10 Werder junction area the default topology simulates (approximate).
const werder: Bounds = { minLat: 52.36, minLon: 12.88, maxLat: 52.4, maxLon: 12.96 };

const boundsArb = fc
  .record({
    lat: fc.double({ min: -70, max: 70, noNaN: true }),
    lon: fc.double({ min: -179, max: 178, noNaN: true }),
    dLat: fc.double({ min: 0.001, max: 1, noNaN: true }),
    dLon: fc.double({ min: 0.001, max: 1, noNaN: true }),
  })
  .map(({ lat, lon, dLat, dLon }) => ({ minLat: lat, minLon: lon, maxLat: lat + dLat, maxLon: lon + dLon }));

describe("fitProjection", () => {
  it("fits the bounds into the padded canvas, centred, touching it on the tighter side", () => {
    fc.assert(
      fc.property(boundsArb, fc.integer({ min: 200, max: 2000 }), fc.integer({ min: 200, max: 2000 }), (b, w, h) => {
        const p = fitProjection(b, w, h, 20);
        const sw = p.project(b.minLat, b.minLon);
        const ne = p.project(b.maxLat, b.maxLon);
        const eps = 1e-6;
        expect(sw.x).toBeGreaterThanOrEqual(20 - eps);
        expect(ne.x).toBeLessThanOrEqual(w - 20 + eps);
        expect(ne.y).toBeGreaterThanOrEqual(20 - eps);
        expect(sw.y).toBeLessThanOrEqual(h - 20 + eps);
        // North is up: the north-east corner is above the south-west one.
        expect(ne.y).toBeLessThan(sw.y);
        // Centred on both axes.
        expect((sw.x + ne.x) / 2).toBeCloseTo(w / 2, 6);
        expect((sw.y + ne.y) / 2).toBeCloseTo(h / 2, 6);
        // One of the two spans fills the padded canvas.
        const fillX = Math.abs(ne.x - sw.x - (w - 40)) < 1e-6;
        const fillY = Math.abs(sw.y - ne.y - (h - 40)) < 1e-6;
        expect(fillX || fillY).toBe(true);
      }),
      { seed: 20240607, numRuns: 300 },
    );
  });

  it("inverts: unproject(project(p)) = p", () => {
    fc.assert(
      fc.property(
        boundsArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (b, u, v) => {
          const p = fitProjection(b, 1000, 640, 24);
          const lat = b.minLat + u * (b.maxLat - b.minLat);
          const lon = b.minLon + v * (b.maxLon - b.minLon);
          const xy = p.project(lat, lon);
          const back = p.unproject(xy.x, xy.y);
          expect(back.lat).toBeCloseTo(lat, 9);
          expect(back.lon).toBeCloseTo(lon, 9);
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it("scales longitude by cos(lat): equal ground distances east and north are equal on screen", () => {
    const p = fitProjection(werder, 1000, 640, 0);
    const lat0 = (werder.minLat + werder.maxLat) / 2;
    const centre = p.project(lat0, 12.92);
    // 1 km north and 1 km east of the centre.
    const north = p.project(lat0 + 1000 / METRES_PER_DEGREE, 12.92);
    const east = p.project(lat0, 12.92 + 1000 / (METRES_PER_DEGREE * Math.cos((lat0 * Math.PI) / 180)));
    expect(centre.y - north.y).toBeCloseTo(east.x - centre.x, 9);
    // And metresPerUnit agrees: 1 km spans 1000 / metresPerUnit units.
    expect(centre.y - north.y).toBeCloseTo(1000 / p.metresPerUnit, 9);
  });

  it("gives a single point a finite scale (degenerate bounds)", () => {
    const p = fitProjection({ minLat: 52.4, minLon: 12.9, maxLat: 52.4, maxLon: 12.9 }, 800, 600, 10);
    expect(Number.isFinite(p.k)).toBe(true);
    expect(p.project(52.4, 12.9)).toEqual({ x: 400, y: 300 });
  });

  it("refuses bad input with a clear message", () => {
    expect(() => fitProjection({ ...werder, minLat: 53 }, 800, 600)).toThrow(/inverted/);
    expect(() => fitProjection({ ...werder, maxLon: Number.NaN }, 800, 600)).toThrow(/finite/);
    expect(() => fitProjection({ ...werder, maxLat: 91 }, 800, 600)).toThrow(/\[-90, 90\]/);
    expect(() => fitProjection(werder, 0, 600)).toThrow(/positive size/);
    expect(() => fitProjection(werder, 800, 600, 300)).toThrow(/no room/);
  });
});

describe("pathOf", () => {
  it("draws M then L commands through the projected points", () => {
    const p = fitProjection({ minLat: 0, minLon: 0, maxLat: 1, maxLon: 1 }, 100, 100, 0);
    expect(
      pathOf(p, [
        [0, 0],
        [1, 1],
      ]),
    ).toBe("M0.0 100.0L100.0 0.0");
    expect(pathOf(p, [])).toBe("");
  });
});

describe("headingVector", () => {
  it("points up for north, right for east, down for south (SVG y grows down)", () => {
    const n = headingVector(0);
    const e = headingVector(90);
    const s = headingVector(180);
    expect(n.x).toBeCloseTo(0, 12);
    expect(n.y).toBeCloseTo(-1, 12);
    expect(e.x).toBeCloseTo(1, 12);
    expect(e.y).toBeCloseTo(0, 12);
    expect(s.y).toBeCloseTo(1, 12);
  });
});

describe("zoomAt", () => {
  it("keeps the world point under the pointer fixed while within the zoom limits", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.7, max: 1.4, noNaN: true }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 640, noNaN: true }),
        fc.array(fc.double({ min: 0.8, max: 1.25, noNaN: true }), { maxLength: 5 }),
        (factor, cx, cy, earlier) => {
          const view = earlier.reduce((v, f) => zoomAt(v, f, 500, 320), IDENTITY_VIEW);
          const before = screenToWorld(view, cx, cy);
          const after = screenToWorld(zoomAt(view, factor, cx, cy), cx, cy);
          expect(after.x).toBeCloseTo(before.x, 6);
          expect(after.y).toBeCloseTo(before.y, 6);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it("clamps the scale to [MIN_ZOOM, MAX_ZOOM] and refuses a non-positive factor", () => {
    expect(zoomAt(IDENTITY_VIEW, 1000, 0, 0).scale).toBe(MAX_ZOOM);
    expect(zoomAt(IDENTITY_VIEW, 0.001, 0, 0).scale).toBe(MIN_ZOOM);
    expect(() => zoomAt(IDENTITY_VIEW, 0, 0, 0)).toThrow(/positive/);
  });
});

describe("niceLength", () => {
  it("is the largest 1, 2 or 5 × 10^n not above the limit", () => {
    expect(niceLength(140)).toBe(100);
    expect(niceLength(260)).toBe(200);
    expect(niceLength(999)).toBe(500);
    expect(niceLength(1000)).toBe(1000);
    expect(niceLength(0.3)).toBe(0.2);
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e7, noNaN: true }), (max) => {
        const n = niceLength(max);
        expect(n).toBeLessThanOrEqual(max * (1 + 1e-12));
        expect(n).toBeGreaterThan(max / 2.5 - 1e-9);
      }),
      { seed: 3 },
    );
    expect(() => niceLength(0)).toThrow(/positive/);
  });
});
