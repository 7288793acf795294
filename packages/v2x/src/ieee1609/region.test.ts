import { describe, expect, it } from "vitest";
import { distanceMetres, locationInRegion, regionWithin } from "./region.js";
import type { GeographicRegion } from "./types.js";

const shanghai = { latitude: 312_304_000, longitude: 1_214_737_000 };
const beijing = { latitude: 399_042_000, longitude: 1_164_074_000 };
const circle = (radius: number, center = shanghai): GeographicRegion => ({ type: "circularRegion", center, radius });
const rect = (north: number, west: number, south: number, east: number): GeographicRegion => ({
  type: "rectangularRegion",
  rectangles: [{ northWest: { latitude: north, longitude: west }, southEast: { latitude: south, longitude: east } }],
});

describe("geographic regions", () => {
  it("measures great-circle distance (Shanghai to Beijing is about 1 067 km)", () => {
    expect(Math.round(distanceMetres(shanghai, beijing) / 1000)).toBe(1067);
  });

  it("places points in circles and rectangles, also across the antimeridian", () => {
    expect(locationInRegion(shanghai, circle(1))).toBe("inside");
    expect(locationInRegion(beijing, circle(65_535))).toBe("outside");
    expect(locationInRegion(shanghai, rect(320_000_000, 1_200_000_000, 300_000_000, 1_220_000_000))).toBe("inside");
    const pacific = rect(100_000_000, 1_790_000_000, -100_000_000, -1_790_000_000);
    expect(locationInRegion({ latitude: 0, longitude: 1_795_000_000 }, pacific)).toBe("inside");
    expect(locationInRegion({ latitude: 0, longitude: -1_795_000_000 }, pacific)).toBe("inside");
    expect(locationInRegion({ latitude: 0, longitude: 0 }, pacific)).toBe("outside");
  });

  it("decides identified regions only with a country lookup", () => {
    const china: GeographicRegion = { type: "identifiedRegion", regions: [{ type: "countryOnly", country: 156 }] };
    expect(locationInRegion(shanghai, china)).toBe("unsupported");
    expect(locationInRegion(shanghai, china, () => 156)).toBe("inside");
    expect(locationInRegion(shanghai, china, () => 276)).toBe("outside");
  });

  it("nests regions: circle in circle, rectangle in circle, circle in rectangle, countries", () => {
    expect(regionWithin(circle(10_000), circle(20_000))).toBe("inside");
    expect(regionWithin(circle(30_000), circle(20_000))).toBe("outside");
    const small = rect(312_400_000, 1_214_500_000, 312_200_000, 1_215_000_000);
    expect(regionWithin(small, circle(5_000))).toBe("inside");
    expect(regionWithin(circle(1_000), small)).toBe("inside");
    expect(regionWithin(circle(5_000), small)).toBe("outside");
    const countries = (...codes: number[]): GeographicRegion => ({
      type: "identifiedRegion",
      regions: codes.map((country) => ({ type: "countryOnly", country })),
    });
    expect(regionWithin(countries(156), countries(156, 344))).toBe("inside");
    expect(regionWithin(countries(156, 392), countries(156))).toBe("outside");
    expect(
      regionWithin(
        { type: "identifiedRegion", regions: [{ type: "countryAndRegions", country: 156, regions: [31] }] },
        countries(156),
      ),
    ).toBe("inside");
    expect(regionWithin(circle(1_000), countries(156))).toBe("unsupported");
    expect(regionWithin({ type: "polygonalRegion", points: [shanghai, beijing, shanghai] }, circle(1))).toBe(
      "unsupported",
    );
  });
});
