// Geographic validity regions of IEEE 1609.2 certificates (GeographicRegion of IEEE 1609.2-2016 / 2022 base types;
// ETSI TS 103 097 v2.1.1 clause 6 allows circular, rectangular and identified regions): is a location inside a
// region, and is a subordinate certificate's region inside its issuer's ("a certificate is not valid if any part
// of the region indicated in its scope field lies outside the region indicated in the scope of its issuer").
//
// Geometry is on a sphere of the WGS-84 mean radius (6 371 008.8 m): the standard speaks of the ellipsoid, and
// the difference (< 0.5 %) is far below what certificate regions (tens of km or more) need. Coordinates are in
// 1/10 microdegree as in TwoDLocation. A rectangle may cross the antimeridian (north-west longitude greater than
// south-east). Polygonal regions decode but containment is not implemented ("unsupported"). Identified regions
// compare only with identified regions (UN country codes, regions by number); deciding whether a coordinate lies
// in a country needs borders, which the caller may supply as `countryOf`.
import type { GeographicRegion, IdentifiedRegion, RectangularRegion, TwoDLocation } from "./types.js";

/** Inside, outside, or not decidable by this implementation. */
export type RegionAnswer = "inside" | "outside" | "unsupported";

/** Maps a location to its UN country code, when the caller has borders; otherwise undefined. */
export type CountryOf = (location: TwoDLocation) => number | undefined;

const EARTH_RADIUS_M = 6_371_008.8;
const TENTH_MICRO = 1e-7;
const toRad = (tenthMicroDegrees: number) => tenthMicroDegrees * TENTH_MICRO * (Math.PI / 180);
const METRES_PER_DEGREE_LAT = (Math.PI / 180) * EARTH_RADIUS_M;

/** Great-circle distance in metres (haversine). */
export function distanceMetres(a: TwoDLocation, b: TwoDLocation): number {
  const dLat = toRad(b.latitude - a.latitude);
  const dLon = toRad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a.latitude)) * Math.cos(toRad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

function inRectangle(p: TwoDLocation, r: RectangularRegion): boolean {
  if (p.latitude > r.northWest.latitude || p.latitude < r.southEast.latitude) return false;
  const west = r.northWest.longitude;
  const east = r.southEast.longitude;
  return west <= east ? p.longitude >= west && p.longitude <= east : p.longitude >= west || p.longitude <= east;
}

/** A valid RectangularRegion has north above south and distinct longitudes (IEEE 1609.2 RectangularRegion). */
export function rectangleIsValid(r: RectangularRegion): boolean {
  return r.northWest.latitude > r.southEast.latitude && r.northWest.longitude !== r.southEast.longitude;
}

/** The four extreme points (north, south, east, west) of a circle, in 1/10 microdegree. */
function circleExtremes(center: TwoDLocation, radius: number): TwoDLocation[] {
  const dLat = radius / METRES_PER_DEGREE_LAT / TENTH_MICRO;
  const cosLat = Math.max(1e-9, Math.cos(toRad(center.latitude)));
  const dLon = radius / (METRES_PER_DEGREE_LAT * cosLat) / TENTH_MICRO;
  const wrap = (lon: number) =>
    lon > 1_800_000_000 ? lon - 3_600_000_000 : lon < -1_800_000_000 ? lon + 3_600_000_000 : lon;
  return [
    { latitude: center.latitude + dLat, longitude: center.longitude },
    { latitude: center.latitude - dLat, longitude: center.longitude },
    { latitude: center.latitude, longitude: wrap(center.longitude + dLon) },
    { latitude: center.latitude, longitude: wrap(center.longitude - dLon) },
  ];
}

function corners(r: RectangularRegion): TwoDLocation[] {
  return [
    r.northWest,
    r.southEast,
    { latitude: r.northWest.latitude, longitude: r.southEast.longitude },
    { latitude: r.southEast.latitude, longitude: r.northWest.longitude },
  ];
}

function identifiedContains(outer: IdentifiedRegion, inner: IdentifiedRegion): boolean {
  if (outer.type === "unknown" || inner.type === "unknown") return false;
  if (outer.country !== inner.country) return false;
  if (outer.type === "countryOnly") return true;
  if (inner.type === "countryOnly") return false;
  const innerRegions =
    inner.type === "countryAndRegions" ? inner.regions : inner.regionAndSubregions.map((r) => r.region);
  if (outer.type === "countryAndRegions") return innerRegions.every((r) => outer.regions.includes(r));
  if (inner.type === "countryAndRegions") {
    // Whole regions fit only if the outer lists each of them with no subregion restriction (empty list).
    return inner.regions.every((r) =>
      outer.regionAndSubregions.some((o) => o.region === r && o.subregions.length === 0),
    );
  }
  return inner.regionAndSubregions.every((i) =>
    outer.regionAndSubregions.some(
      (o) =>
        o.region === i.region && (o.subregions.length === 0 || i.subregions.every((s) => o.subregions.includes(s))),
    ),
  );
}

const answer = (value: boolean): RegionAnswer => (value ? "inside" : "outside");

/** Whether `location` lies in `region`. */
export function locationInRegion(
  location: TwoDLocation,
  region: GeographicRegion,
  countryOf?: CountryOf,
): RegionAnswer {
  switch (region.type) {
    case "circularRegion":
      return answer(distanceMetres(location, region.center) <= region.radius);
    case "rectangularRegion":
      return answer(region.rectangles.some((r) => rectangleIsValid(r) && inRectangle(location, r)));
    case "identifiedRegion": {
      const country = countryOf?.(location);
      if (country === undefined) return "unsupported";
      // Regions within a country need subdivision borders we do not have: only whole countries decide here.
      if (region.regions.some((r) => r.type === "countryOnly" && r.country === country)) return "inside";
      return region.regions.every((r) => r.type !== "unknown" && r.country !== country) ? "outside" : "unsupported";
    }
    case "polygonalRegion":
    case "unknown":
      return "unsupported";
  }
}

/** Whether every point of `inner` lies in `outer` (a certificate's region within its issuer's). */
export function regionWithin(inner: GeographicRegion, outer: GeographicRegion): RegionAnswer {
  if (inner.type === "unknown" || outer.type === "unknown") return "unsupported";
  if (inner.type === "polygonalRegion" || outer.type === "polygonalRegion") return "unsupported";
  if (inner.type === "identifiedRegion" || outer.type === "identifiedRegion") {
    if (inner.type !== "identifiedRegion" || outer.type !== "identifiedRegion") return "unsupported";
    return answer(inner.regions.every((i) => outer.regions.some((o) => identifiedContains(o, i))));
  }
  if (inner.type === "rectangularRegion" && inner.rectangles.some((r) => !rectangleIsValid(r))) return "outside";
  const points =
    inner.type === "circularRegion"
      ? circleExtremes(inner.center, inner.radius)
      : inner.rectangles.flatMap((r) => corners(r));
  if (outer.type === "circularRegion") {
    if (inner.type === "circularRegion") {
      return answer(distanceMetres(inner.center, outer.center) + inner.radius <= outer.radius);
    }
    return answer(points.every((p) => distanceMetres(p, outer.center) <= outer.radius));
  }
  // Outer rectangles: each inner shape must fit one rectangle whole (a shape spanning two adjacent rectangles is
  // conservatively refused).
  const rects = outer.rectangles.filter(rectangleIsValid);
  if (inner.type === "circularRegion") return answer(rects.some((r) => points.every((p) => inRectangle(p, r))));
  return answer(inner.rectangles.every((i) => rects.some((r) => corners(i).every((p) => inRectangle(p, r)))));
}
