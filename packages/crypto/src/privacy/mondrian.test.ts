import { InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkLDiversity,
  type GeneralisationHierarchy,
  type GeneralisedValue,
  type MondrianOptions,
  mondrian,
} from "./mondrian.js";

// The Patients table of LeFevre, DeWitt & Ramakrishnan (ICDE 2006, Figure 1): Age, Sex, Zipcode, Disease.
type Patient = { age: number; sex: string; zipcode: number; disease: string };
const patients: Patient[] = [
  { age: 25, sex: "Male", zipcode: 53711, disease: "Flu" },
  { age: 25, sex: "Female", zipcode: 53712, disease: "Hepatitis" },
  { age: 26, sex: "Male", zipcode: 53711, disease: "Bronchitis" },
  { age: 27, sex: "Male", zipcode: 53710, disease: "Broken Arm" },
  { age: 27, sex: "Female", zipcode: 53712, disease: "AIDS" },
  { age: 28, sex: "Male", zipcode: 53711, disease: "Hang Nail" },
];
const sexes: GeneralisationHierarchy = { value: "Person", children: [{ value: "Male" }, { value: "Female" }] };

describe("mondrian: hand-checked examples", () => {
  it("cuts the Patients table on age at the median (k = 2, numeric age and zipcode)", () => {
    const result = mondrian(patients, {
      k: 2,
      quasiIdentifiers: [
        { kind: "numeric", attribute: "age" },
        { kind: "numeric", attribute: "zipcode" },
      ],
    });
    // Age and zipcode both span their whole domain: the tie goes to age, cut between 26 and 27 (3 | 3). Neither
    // half of 3 records can be cut again with k = 2.
    expect(result.classes.map((c) => c.indices)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(result.classes.map((c) => c.generalised)).toEqual([
      { age: { kind: "range", lo: 25, hi: 26 }, zipcode: { kind: "range", lo: 53711, hi: 53712 } },
      { age: { kind: "range", lo: 27, hi: 28 }, zipcode: { kind: "range", lo: 53710, hi: 53712 } },
    ]);
    // Sensitive attributes pass through: the records are the caller's objects.
    expect(result.classes[0]!.records[0]).toBe(patients[0]);
    // NCP: class 1 = (1/3 + 1/2)/2 = 5/12, class 2 = (1/3 + 2/2)/2 = 2/3; global = (3·5/12 + 3·2/3)/6 = 13/24.
    expect(result.classes[0]!.ncp).toBeCloseTo(5 / 12, 12);
    expect(result.classes[1]!.ncp).toBeCloseTo(2 / 3, 12);
    expect(result.informationLoss.ncp).toBeCloseTo(13 / 24, 12);
    expect(result.informationLoss.ncpByAttribute).toEqual({ age: expect.closeTo(1 / 3, 12), zipcode: 0.75 });
    expect(result.informationLoss.discernibility).toBe(18);
    expect(result.informationLoss.normalisedAverageClassSize).toBe(1.5);
    expect(result.suppressed).toEqual([]);
  });

  it("cuts a hierarchy into its children, then age (k = 2, sex hierarchy and age)", () => {
    const result = mondrian(patients, {
      k: 2,
      quasiIdentifiers: [
        { kind: "hierarchy", attribute: "sex", hierarchy: sexes },
        { kind: "numeric", attribute: "age" },
      ],
    });
    // Sex first (tie at width 1, declared first): Male {0, 2, 3, 5} | Female {1, 4}; the males cut at 26 | 27.
    expect(result.classes.map((c) => [c.indices, c.generalised])).toEqual([
      [[0, 2], { sex: { kind: "hierarchy", node: "Male", leafCount: 1 }, age: { kind: "range", lo: 25, hi: 26 } }],
      [[3, 5], { sex: { kind: "hierarchy", node: "Male", leafCount: 1 }, age: { kind: "range", lo: 27, hi: 28 } }],
      [[1, 4], { sex: { kind: "hierarchy", node: "Female", leafCount: 1 }, age: { kind: "range", lo: 25, hi: 27 } }],
    ]);
    // NCP: (1/6 + 1/6 + 1/3)·2/6 = 2/9.
    expect(result.informationLoss.ncp).toBeCloseTo(2 / 9, 12);
  });

  it("generalises an ordered categorical to the set of values present", () => {
    const trips = ["petrol", "petrol", "diesel", "diesel", "electric", "hybrid", "electric", "hybrid"].map(
      (fuel, i) => ({ fuel, id: i }),
    );
    const result = mondrian(trips, {
      k: 2,
      quasiIdentifiers: [{ kind: "ordered", attribute: "fuel", order: ["petrol", "diesel", "hybrid", "electric"] }],
    });
    expect(result.classes.map((c) => c.generalised.fuel)).toEqual([
      { kind: "set", values: ["petrol"] },
      { kind: "set", values: ["diesel"] },
      { kind: "set", values: ["hybrid"] },
      { kind: "set", values: ["electric"] },
    ]);
    expect(result.informationLoss.ncp).toBe(0);
    const coarse = mondrian(trips, { k: 3, quasiIdentifiers: [{ kind: "ordered", attribute: "fuel" }] });
    // Default order is sorted: diesel, electric, hybrid, petrol; the median cut leaves 4 | 4.
    expect(coarse.classes.map((c) => c.generalised.fuel)).toEqual([
      { kind: "set", values: ["diesel", "electric"] },
      { kind: "set", values: ["hybrid", "petrol"] },
    ]);
  });

  it("moves a strict cut off a crowded median to the nearest allowable boundary", () => {
    // Ages 1, 5×5, 9, 9: cutting at the median value 5 gives 6 | 2 with k = 3 → not allowed; 1 | … has 1 → not
    // allowed; so no cut at all (strict partitioning never splits the 5s).
    const ages = [1, 5, 5, 5, 5, 5, 9, 9].map((age) => ({ age }));
    expect(mondrian(ages, { k: 3, quasiIdentifiers: [{ kind: "numeric", attribute: "age" }] }).classes).toHaveLength(1);
    // With k = 2 the cut at 5 | 9 (6 | 2) is the allowable one nearest the median.
    const cut = mondrian(ages, { k: 2, quasiIdentifiers: [{ kind: "numeric", attribute: "age" }] });
    expect(cut.classes.map((c) => c.generalised.age)).toEqual([
      { kind: "range", lo: 1, hi: 5 },
      { kind: "range", lo: 9, hi: 9 },
    ]);
  });
});

describe("mondrian: ℓ-diversity", () => {
  it("refuses cuts that leave fewer than ℓ distinct sensitive values on a side", () => {
    const options: MondrianOptions<Patient> = {
      k: 2,
      quasiIdentifiers: [
        { kind: "numeric", attribute: "age" },
        { kind: "numeric", attribute: "zipcode" },
      ],
    };
    expect(mondrian(patients, { ...options, lDiversity: { sensitive: "disease", l: 3 } }).classes).toHaveLength(2);
    const strict = mondrian(patients, { ...options, lDiversity: { sensitive: "disease", l: 4 } });
    expect(strict.classes).toHaveLength(1);
    expect(checkLDiversity(strict.classes, "disease", 4)).toEqual({ ok: true, minDistinct: 6, violations: [] });
    expect(() => mondrian(patients, { ...options, lDiversity: { sensitive: "disease", l: 7 } })).toThrow(
      'The records have fewer than ℓ = 7 distinct values of "disease", so no release is ℓ-diverse.',
    );
  });

  it("checkLDiversity reports the classes below ℓ, telling 1 from '1'", () => {
    const classes = [{ records: [{ s: 1 }, { s: "1" }] }, { records: [{ s: 2 }, { s: 2 }] }];
    expect(checkLDiversity(classes, "s", 2)).toEqual({
      ok: false,
      minDistinct: 1,
      violations: [{ classIndex: 1, distinct: 1 }],
    });
  });
});

describe("mondrian: errors and missing values", () => {
  const quasiIdentifiers = [{ kind: "numeric", attribute: "age" }] as const;

  it("throws for k above the record count, naming both", () => {
    expect(() => mondrian(patients, { k: 7, quasiIdentifiers })).toThrow(
      "k = 7 is larger than the 6 record(s) to release.",
    );
    expect(() => mondrian([], { k: 1, quasiIdentifiers })).toThrow(InvalidInputError);
    expect(() => mondrian(patients, { k: 0, quasiIdentifiers })).toThrow("k must be an integer ≥ 1, got 0.");
  });

  it("throws on a missing quasi-identifier by default, and suppresses it on request", () => {
    const records: { age?: number | null; id: number }[] = [
      { age: 30, id: 0 },
      { id: 1 },
      { age: 31, id: 2 },
      { age: null, id: 3 },
      { age: Number.NaN, id: 4 },
      { age: 40, id: 5 },
    ];
    expect(() => mondrian(records, { k: 2, quasiIdentifiers })).toThrow(
      'Record 1 has no value for quasi-identifier "age".',
    );
    const result = mondrian(records, { k: 2, quasiIdentifiers, missing: "suppress" });
    expect(result.suppressed.map((s) => s.index)).toEqual([1, 3, 4]);
    expect(result.classes.flatMap((c) => c.indices).sort()).toEqual([0, 2, 5]);
    // Suppressed records count as fully generalised: NCP (3·1 + 3·1)/6 for one class spanning the domain.
    expect(result.informationLoss.ncp).toBe(1);
    expect(result.informationLoss.discernibility).toBe(9 + 3 * 6);
    expect(() => mondrian(records, { k: 4, quasiIdentifiers, missing: "suppress" })).toThrow(
      "k = 4 is larger than the 3 record(s) to release (3 suppressed).",
    );
  });

  it("throws on ill-typed values, unknown categories and bad hierarchies", () => {
    expect(() =>
      mondrian([{ age: "30" }], { k: 1, quasiIdentifiers: [{ kind: "numeric", attribute: "age" }] }),
    ).toThrow('Record 0, quasi-identifier "age": expected a finite number, got "30".');
    expect(() =>
      mondrian([{ fuel: "coal" }], {
        k: 1,
        quasiIdentifiers: [{ kind: "ordered", attribute: "fuel", order: ["petrol"] }],
      }),
    ).toThrow('Record 0, quasi-identifier "fuel": "coal" is not in the declared order.');
    expect(() =>
      mondrian([{ sex: "Other" }], {
        k: 1,
        quasiIdentifiers: [{ kind: "hierarchy", attribute: "sex", hierarchy: sexes }],
      }),
    ).toThrow('"Other" is not in the generalisation hierarchy.');
    expect(() =>
      mondrian([{ sex: "Male" }], {
        k: 1,
        quasiIdentifiers: [
          { kind: "hierarchy", attribute: "sex", hierarchy: { value: "Person", children: [{ value: "Person" }] } },
        ],
      }),
    ).toThrow('The hierarchy of "sex" has "Person" twice.');
    expect(() => mondrian(patients, { k: 1, quasiIdentifiers: [] })).toThrow(
      "Mondrian needs at least one quasi-identifier.",
    );
  });
});

// --- Property test over random record sets. -----------------------------------------------------------------------

const regions: GeneralisationHierarchy = {
  value: "World",
  children: [
    {
      value: "Europe",
      children: [
        { value: "DE", children: [{ value: "Berlin" }, { value: "Munich" }] },
        { value: "FR", children: [{ value: "Paris" }, { value: "Lyon" }] },
      ],
    },
    {
      value: "Asia",
      children: [
        { value: "JP", children: [{ value: "Tokyo" }] },
        { value: "CN", children: [{ value: "Beijing" }, { value: "Shanghai" }] },
      ],
    },
  ],
};
const parentOf = new Map<string, string>();
(function walk(node: GeneralisationHierarchy): void {
  for (const child of node.children ?? []) {
    parentOf.set(child.value, node.value);
    walk(child);
  }
})(regions);
const regionValues = ["World", ...parentOf.keys()];
const under = (value: string, node: string): boolean => {
  for (let v: string | undefined = value; v !== undefined; v = parentOf.get(v)) if (v === node) return true;
  return false;
};
const fuels = ["petrol", "diesel", "hybrid", "electric"];

type Trip = { age: number | undefined; km: number; region: string; fuel: string; destination: string };
const trip: fc.Arbitrary<Trip> = fc.record({
  age: fc.option(fc.integer({ min: 18, max: 90 }), { nil: undefined, freq: 12 }),
  km: fc.double({ min: 0, max: 500, noNaN: true }),
  // Mostly leaves, sometimes a coarse (internal) value.
  region: fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom("Berlin", "Munich", "Paris", "Lyon", "Tokyo", "Beijing", "Shanghai") },
    { weight: 1, arbitrary: fc.constantFrom(...regionValues) },
  ),
  fuel: fc.constantFrom(...fuels),
  destination: fc.constantFrom("home", "work", "shop", "hospital", "school"),
});

function within(value: unknown, g: GeneralisedValue | undefined): boolean {
  if (g === undefined) return false;
  if (g.kind === "range") return typeof value === "number" && g.lo <= value && value <= g.hi;
  if (g.kind === "set") return typeof value === "string" && g.values.includes(value);
  return typeof value === "string" && under(value, g.node);
}

describe("mondrian: invariants (property)", () => {
  it("every class has ≥ k records, classes and suppressed records partition the input, each record lies within its class", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(trip, { minLength: 0, maxLength: 150 }),
        fc.boolean(),
        (k, trips, diverse) => {
          const options: MondrianOptions<Trip> = {
            k,
            missing: "suppress",
            quasiIdentifiers: [
              { kind: "numeric", attribute: "age" },
              { kind: "numeric", attribute: "km", weight: 0.5 },
              { kind: "hierarchy", attribute: "region", hierarchy: regions },
              { kind: "ordered", attribute: "fuel", order: fuels },
            ],
            ...(diverse ? { lDiversity: { sensitive: "destination" as const, l: 2 } } : {}),
          };
          const present = trips.filter((t) => t.age !== undefined);
          const distinctDestinations = new Set(present.map((t) => t.destination)).size;
          if (present.length < k || (diverse && distinctDestinations < 2)) {
            expect(() => mondrian(trips, options)).toThrow(InvalidInputError);
            return;
          }
          const result = mondrian(trips, options);
          const seen = [...result.suppressed.map((s) => s.index), ...result.classes.flatMap((c) => c.indices)];
          expect(seen.sort((a, b) => a - b)).toEqual(trips.map((_, i) => i));
          expect(result.suppressed.every((s) => s.record.age === undefined)).toBe(true);
          for (const c of result.classes) {
            expect(c.records.length).toBeGreaterThanOrEqual(k);
            expect(c.records).toEqual(c.indices.map((i) => trips[i]));
            expect(c.ncp).toBeGreaterThanOrEqual(0);
            expect(c.ncp).toBeLessThanOrEqual(1);
            for (const r of c.records) {
              for (const attribute of ["age", "km", "region", "fuel"] as const) {
                expect(within(r[attribute], c.generalised[attribute])).toBe(true);
              }
            }
          }
          if (diverse) expect(checkLDiversity(result.classes, "destination", 2).ok).toBe(true);
          const loss = result.informationLoss;
          expect(loss.ncp).toBeGreaterThanOrEqual(0);
          expect(loss.ncp).toBeLessThanOrEqual(1);
          expect(loss.normalisedAverageClassSize).toBeGreaterThanOrEqual(1);
        },
      ),
      { seed: 20_240_606, numRuns: 300 },
    );
  });

  it("with k = 1 and distinct records, releases every record alone with no loss", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 60 }), (ages) => {
        const result = mondrian(
          ages.map((age) => ({ age })),
          { k: 1, quasiIdentifiers: [{ kind: "numeric", attribute: "age" }] },
        );
        expect(result.classes).toHaveLength(ages.length);
        expect(result.informationLoss.ncp).toBe(0);
      }),
      { seed: 20_240_607 },
    );
  });
});
