import { BaseError, InvalidInputError } from "@amc/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BudgetExceededError,
  PrivacyAccountant,
  type PrivacyAccountantState,
  type PrivacyCostLike,
} from "./accountant.js";
import { gaussianMechanism, laplaceMechanism } from "./mechanisms.js";
import { rationalToNumber } from "./rational.js";
import { createSeededRng, type UniformRng } from "./rng.js";
import { zcdpToEpsilon } from "./zcdp.js";

/** An RNG that counts draws, to prove a refused release draws no noise. */
function countingRng(): UniformRng & { draws: number } {
  const inner = createSeededRng("counting");
  const rng = {
    draws: 0,
    uniformBelow(n: bigint) {
      rng.draws++;
      return inner.uniformBelow(n);
    },
  };
  return rng;
}

describe("PrivacyAccountant: pure ε-DP (basic composition)", () => {
  it("composes ε exactly: 0.1 + 0.2 + 0.7 spends a budget of 1 to the last bit", () => {
    let accountant = PrivacyAccountant.create({ epsilon: 1 });
    accountant = accountant.charge({ kind: "dp", epsilon: 0.1 }, "a");
    accountant = accountant.charge({ kind: "dp", epsilon: 0.2 }, "b");
    accountant = accountant.charge({ kind: "dp", epsilon: 0.7 }, "c");
    expect(accountant.spent()).toMatchObject({ epsilon: 1, delta: 0, charges: 3 });
    expect(accountant.spent().exact.epsilon).toEqual({ num: 1n, den: 1n });
    expect(accountant.remaining()).toEqual({ epsilon: 0, delta: 0, rho: 0 });
    expect(accountant.ledger.map((entry) => entry.label)).toEqual(["a", "b", "c"]);
  });

  it("refuses the over-budget query with BudgetExceededError and charges nothing", () => {
    const accountant = PrivacyAccountant.create({ epsilon: 1 }).charge({ kind: "dp", epsilon: 0.75 });
    const before = accountant.toJSON();
    expect(() => accountant.charge({ kind: "dp", epsilon: 0.5 }, "one too many")).toThrow(BudgetExceededError);
    const result = accountant.tryCharge({ kind: "dp", epsilon: 0.5 }, "one too many");
    if (result.ok) throw new Error("the over-budget charge was accepted");
    const { error } = result;
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toBeInstanceOf(BaseError);
    expect(error.name).toBe("BudgetExceededError");
    expect(error.shortMessage).toBe(
      "Privacy budget exceeded: ε = 0.5 would bring the spend to ε = 1.25, δ = 0, over the budget ε = 1, δ = 0; nothing was charged.",
    );
    expect(error.details).toBe("Budget ε = 1, δ = 0; spent so far ε = 0.75, δ = 0 over 1 charge(s).");
    expect(error.cost).toMatchObject({ kind: "dp", epsilon: { num: 1n, den: 2n } });
    expect(accountant.toJSON()).toEqual(before);
    expect(accountant.spent().charges).toBe(1);
    expect(accountant.canCharge({ kind: "dp", epsilon: 0.25 })).toBe(true);
    expect(accountant.canCharge({ kind: "dp", epsilon: "0.2500000001" })).toBe(false);
  });

  it("adds δ of approximate-DP charges", () => {
    let accountant = PrivacyAccountant.create({ epsilon: 2, delta: 1e-6 });
    accountant = accountant.charge({ kind: "dp", epsilon: 1, delta: 4e-7 });
    accountant = accountant.charge({ kind: "dp", epsilon: 1, delta: 6e-7 });
    expect(accountant.spent().exact).toEqual({ epsilon: { num: 2n, den: 1n }, delta: { num: 1n, den: 1_000_000n } });
    expect(accountant.canCharge({ kind: "dp", epsilon: 0, delta: 1e-12 })).toBe(false);
  });
});

describe("PrivacyAccountant: zCDP", () => {
  it("adds ρ and reports the spend through the Corollary 13 conversion with the budget's δ", () => {
    let accountant = PrivacyAccountant.create({ epsilon: 3, delta: 1e-6 });
    accountant = accountant.charge({ kind: "zcdp", rho: 0.01 });
    accountant = accountant.charge({ kind: "zcdp", rho: 0.015 });
    const spent = accountant.spent();
    expect(spent.rho).toEqual({ num: 1n, den: 40n });
    expect(spent.delta).toBe(1e-6);
    expect(spent.epsilon).toBeCloseTo(zcdpToEpsilon(0.025, 1e-6), 9);
    expect(spent.epsilon).toBeLessThan(0.025 + 2 * Math.sqrt(0.025 * Math.log(1e6))); // beats Bun–Steinke
  });

  it("composes pure-DP and zCDP charges by basic composition, and stops at the budget", () => {
    let accountant = PrivacyAccountant.create({ epsilon: 2, delta: 1e-6 });
    accountant = accountant.charge({ kind: "dp", epsilon: 0.5 });
    accountant = accountant.charge({ kind: "zcdp", rho: 0.025 }); // ≈ 1.0141
    expect(accountant.spent().epsilon).toBeCloseTo(0.5 + zcdpToEpsilon(0.025, 1e-6), 9);
    const left = accountant.remaining();
    expect(left.epsilon).toBeCloseTo(2 - 0.5 - zcdpToEpsilon(0.025, 1e-6), 9);
    // The remaining ρ is what the ε left after the pure charges allows in total, minus what was spent.
    expect(accountant.canCharge({ kind: "zcdp", rho: left.rho * 0.999 })).toBe(true);
    expect(accountant.canCharge({ kind: "zcdp", rho: left.rho * 1.001 })).toBe(false);
    expect(accountant.canCharge({ kind: "dp", epsilon: left.epsilon * 0.999 })).toBe(true);
    expect(accountant.canCharge({ kind: "dp", epsilon: left.epsilon * 1.001 })).toBe(false);
    expect(accountant.canCharge({ kind: "dp", epsilon: 0, delta: left.delta * 0.999 })).toBe(true);
    expect(accountant.canCharge({ kind: "dp", epsilon: 0, delta: left.delta * 1.001 })).toBe(false);
  });

  it("refuses zCDP charges under a pure budget (δ = 0), saying why", () => {
    const accountant = PrivacyAccountant.create({ epsilon: 10 });
    expect(() => accountant.charge({ kind: "zcdp", rho: 0.001 })).toThrow(
      "Privacy budget exceeded: ρ = 0.001 (zCDP) needs a budget with δ > 0 (zCDP implies no pure ε-DP guarantee); nothing was charged.",
    );
  });

  it("refuses zCDP charges once DP charges used all of δ", () => {
    const accountant = PrivacyAccountant.create({ epsilon: 10, delta: 1e-6 }).charge({
      kind: "dp",
      epsilon: 1,
      delta: 1e-6,
    });
    expect(() => accountant.charge({ kind: "zcdp", rho: 0.001 })).toThrow(/used all of the budget's δ/);
  });
});

describe("PrivacyAccountant.release", () => {
  it("charges before drawing noise: a refused release draws nothing", () => {
    const accountant = PrivacyAccountant.create({ epsilon: 1 });
    const rng = countingRng();
    const first = accountant.release(laplaceMechanism({ sensitivity: 1n, epsilon: 0.6 }), 10, { rng, label: "q1" });
    expect(rng.draws).toBeGreaterThan(0);
    expect(first.accountant.ledger).toHaveLength(1);
    const drawn = rng.draws;
    expect(() =>
      first.accountant.release(laplaceMechanism({ sensitivity: 1n, epsilon: 0.6 }), 10, { rng, label: "q2" }),
    ).toThrow(BudgetExceededError);
    expect(rng.draws).toBe(drawn);
  });

  it("charges a Gaussian mechanism's ρ", () => {
    const accountant = PrivacyAccountant.create({ epsilon: 1, delta: 1e-6 });
    const { accountant: next } = accountant.release(gaussianMechanism({ sensitivity: 1n, rho: "0.005" }), 7n, {
      rng: createSeededRng("release-gaussian"),
    });
    expect(next.spent().rho).toEqual({ num: 1n, den: 200n });
  });
});

describe("PrivacyAccountant JSON", () => {
  const sample = () =>
    PrivacyAccountant.create({ epsilon: "3/2", delta: 1e-6 })
      .charge({ kind: "dp", epsilon: 0.25 }, "count")
      .charge({ kind: "zcdp", rho: "1/300" })
      .charge({ kind: "dp", epsilon: "1/3", delta: 1e-9 }, "other");

  it("round-trips exactly through JSON text", () => {
    const accountant = sample();
    const state = accountant.toJSON();
    expect(state).toEqual({
      version: 1,
      budget: { epsilon: "3/2", delta: "1/1000000" },
      spent: { dpEpsilon: "7/12", dpDelta: "1/1000000000", rho: "1/300" },
      ledger: [
        { label: "count", kind: "dp", epsilon: "1/4", delta: "0" },
        { kind: "zcdp", rho: "1/300" },
        { label: "other", kind: "dp", epsilon: "1/3", delta: "1/1000000000" },
      ],
    });
    const restored = PrivacyAccountant.fromJSON(JSON.parse(JSON.stringify(state)));
    expect(restored.toJSON()).toEqual(state);
    expect(restored.spent()).toEqual(accountant.spent());
  });

  it("rejects malformed, inconsistent or overspent states", () => {
    const state = sample().toJSON();
    const variants: [string, unknown, string][] = [
      ["not an object", 42, "the state is not an object"],
      ["version", { ...state, version: 2 }, "unsupported version 2"],
      ["budget", { ...state, budget: { epsilon: "0", delta: "0" } }, "the budget is invalid"],
      ["rational", { ...state, spent: { ...state.spent, rho: 0.1 } }, "spent.rho is not a rational string"],
      ["negative", { ...state, ledger: [{ kind: "zcdp", rho: "-1" }] }, "ledger[0].rho is negative"],
      ["kind", { ...state, ledger: [{ kind: "renyi" }] }, 'ledger[0].kind must be "dp" or "zcdp"'],
      [
        "totals",
        { ...state, spent: { ...state.spent, dpEpsilon: "1/12" } },
        "spent.dpEpsilon is 1/12 but the ledger adds up to 7/12",
      ],
      [
        "overspent",
        {
          ...state,
          spent: { dpEpsilon: "2", dpDelta: "0", rho: "0" },
          ledger: [{ kind: "dp", epsilon: "2", delta: "0" }],
        } satisfies PrivacyAccountantState,
        "the ledger spends more than the budget",
      ],
    ];
    for (const [, variant, message] of variants) {
      expect(() => PrivacyAccountant.fromJSON(variant)).toThrow(message);
    }
  });
});

describe("PrivacyAccountant: never overspends (property)", () => {
  const cost: fc.Arbitrary<PrivacyCostLike> = fc.oneof(
    fc.record({ kind: fc.constant("dp" as const), epsilon: fc.integer({ min: 0, max: 400 }).map((n) => `${n}/1000`) }),
    fc.record({
      kind: fc.constant("dp" as const),
      epsilon: fc.integer({ min: 0, max: 300 }).map((n) => `${n}/1000`),
      delta: fc.integer({ min: 0, max: 30 }).map((n) => `${n}/100000000`),
    }),
    fc.record({ kind: fc.constant("zcdp" as const), rho: fc.integer({ min: 1, max: 100 }).map((n) => `${n}/10000`) }),
  );

  it("keeps the spent (ε, δ) within the budget over random query sequences; refusals change nothing", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).map((n) => n / 10),
        fc.constantFrom(0, 1e-7, 1e-6),
        fc.array(cost, { maxLength: 40 }),
        (epsilon, delta, costs) => {
          let accountant = PrivacyAccountant.create({ epsilon, delta });
          let accepted = 0;
          for (const c of costs) {
            const before = accountant.toJSON();
            const result = accountant.tryCharge(c);
            if (result.ok) {
              accountant = result.accountant;
              accepted++;
            } else {
              expect(accountant.toJSON()).toEqual(before);
            }
            const spent = accountant.spent();
            expect(spent.epsilon).toBeLessThanOrEqual(epsilon);
            expect(spent.delta).toBeLessThanOrEqual(delta);
            expect(rationalToNumber(spent.dpEpsilon)).toBeLessThanOrEqual(epsilon);
          }
          expect(accountant.spent().charges).toBe(accepted);
          expect(PrivacyAccountant.fromJSON(accountant.toJSON()).toJSON()).toEqual(accountant.toJSON());
        },
      ),
      { seed: 20_240_605, numRuns: 150 },
    );
  });
});

describe("PrivacyAccountant.create", () => {
  it("rejects a budget out of range", () => {
    expect(() => PrivacyAccountant.create({ epsilon: 0 })).toThrow("Budget ε must be greater than 0, got 0.");
    expect(() => PrivacyAccountant.create({ epsilon: 1, delta: 1 })).toThrow("Budget δ must be below 1, got 1.");
    expect(() => PrivacyAccountant.create({ epsilon: 1 }).charge({ kind: "dp", epsilon: -0.1 })).toThrow(
      "ε must not be negative, got -1/10.",
    );
  });
});
