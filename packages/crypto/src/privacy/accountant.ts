// The privacy budget of one dataset, as a pure state machine: every release is charged here before its noise is
// drawn, and a charge that would overspend is refused and charges nothing. The caller persists `toJSON()` and
// restores it with `fromJSON()`; the accountant does no I/O and never mutates (a charge returns a new accountant),
// so a caller can write the new state durably before releasing anything.
// Composition rules (sources in zcdp.ts):
//   - (ε, δ)-DP charges compose by adding ε and δ (basic composition, Dwork & Roth, "The Algorithmic Foundations
//     of Differential Privacy", 2014, Theorem 3.16); pure ε-DP is δ = 0.
//   - ρ-zCDP charges compose by adding ρ (Bun & Steinke 2016, Lemma 1.7), and the total ρ is converted to (ε_ρ, δ_ρ)
//     with Canonne, Kamath & Steinke 2020, Corollary 13, giving that conversion all the δ the DP charges left.
//   - The two parts compose by basic composition: the spend is (ε_dp + ε_ρ, δ_dp + δ_ρ) and must stay within
//     (ε, δ) of the budget. zCDP charges therefore need a budget with δ > 0.
// ε_dp, δ_dp and ρ are exact rationals; ε_ρ is a float upper bound carried into the exact comparison unrounded.
// A pure-DP mechanism that composes with many Gaussian ones can be charged as ρ = ε²/2 (`pureDpToZcdp`) instead.

import { InvalidInputError } from "@amc/utils";
import type { IntegerMechanism, PrivacyCost } from "./mechanisms.js";
import {
  formatRational,
  ONE,
  type Rational,
  type RationalLike,
  ratAdd,
  ratCompare,
  rationalFromDouble,
  rationalToNumber,
  ratSub,
  toNonNegativeRational,
  toPositiveRational,
  toRational,
  ZERO,
} from "./rational.js";
import type { UniformRng } from "./rng.js";
import { zcdpRhoFor, zcdpToDelta, zcdpToEpsilon } from "./zcdp.js";

/** What a dataset may spend in total: the (ε, δ)-DP guarantee of all its releases together. */
export type PrivacyBudget = { readonly epsilon: Rational; readonly delta: Rational };

/** A cost as a caller may write it: numbers are read as the decimals they print as; δ defaults to 0. */
export type PrivacyCostLike =
  | { kind: "dp"; epsilon: RationalLike; delta?: RationalLike }
  | { kind: "zcdp"; rho: RationalLike };

export type PrivacySpent = {
  /** ε of the (ε, δ)-DP guarantee of every charge so far (rounded to the nearest double). */
  epsilon: number;
  /** δ of that guarantee: the DP charges' δ, or the whole budget δ once a zCDP charge is made. */
  delta: number;
  /** The same pair exactly, as compared with the budget. */
  exact: { epsilon: Rational; delta: Rational };
  /** Σ ε of the (ε, δ)-DP charges. */
  dpEpsilon: Rational;
  /** Σ δ of the (ε, δ)-DP charges. */
  dpDelta: Rational;
  /** Σ ρ of the zCDP charges. */
  rho: Rational;
  /** How many charges were accepted. */
  charges: number;
};

/**
 * What one more charge of a single kind could still spend, each on its own: a pure ε-DP charge of up to `epsilon`,
 * a (0, δ) charge of up to `delta`, or a zCDP charge of up to `rho`. Float estimates: a charge of exactly this
 * size may still be refused by the exact check.
 */
export type PrivacyRemaining = { epsilon: number; delta: number; rho: number };

export type PrivacyLedgerEntry = { readonly label: string | undefined; readonly cost: PrivacyCost };

/** The JSON form of an accountant: rationals as "num/den" strings, so nothing is rounded on the way to disk. */
export type PrivacyAccountantState = {
  version: 1;
  budget: { epsilon: string; delta: string };
  /** Totals, checked against the ledger on load. */
  spent: { dpEpsilon: string; dpDelta: string; rho: string };
  ledger: ({ label?: string } & ({ kind: "dp"; epsilon: string; delta: string } | { kind: "zcdp"; rho: string }))[];
};

export type ChargeResult = { ok: true; accountant: PrivacyAccountant } | { ok: false; error: BudgetExceededError };

const MAX_LABEL_LENGTH = 200;

const show = (r: Rational): string => formatNumber(rationalToNumber(r));
const formatNumber = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x));

function describeCost(cost: PrivacyCost): string {
  if (cost.kind === "zcdp") return `ρ = ${show(cost.rho)} (zCDP)`;
  return cost.delta.num === 0n ? `ε = ${show(cost.epsilon)}` : `(ε = ${show(cost.epsilon)}, δ = ${show(cost.delta)})`;
}

/** A charge refused because it would take the spend past the dataset's budget; nothing was charged. */
export class BudgetExceededError extends InvalidInputError {
  override name = "BudgetExceededError";
  /** The refused cost. */
  readonly cost: PrivacyCost;
  readonly budget: PrivacyBudget;
  /** The spend before (and, since nothing was charged, after) the refusal. */
  readonly spent: PrivacySpent;

  constructor(cost: PrivacyCost, budget: PrivacyBudget, spent: PrivacySpent, reason: string) {
    super(`Privacy budget exceeded: ${describeCost(cost)} ${reason}; nothing was charged.`, {
      details: `Budget ε = ${show(budget.epsilon)}, δ = ${show(budget.delta)}; spent so far ε = ${formatNumber(spent.epsilon)}, δ = ${formatNumber(spent.delta)} over ${spent.charges} charge(s).`,
      fix: "do not answer this query, answer it with more noise (a smaller ε or ρ), or answer it under a new budget",
    });
    this.cost = cost;
    this.budget = budget;
    this.spent = spent;
  }
}

type Totals = { dpEpsilon: Rational; dpDelta: Rational; rho: Rational };

/**
 * The (ε, δ) guarantee of `totals` under `budget.delta`, exactly; undefined when zCDP was charged and no δ is
 * left to convert it with (zCDP with ρ > 0 implies no pure-DP guarantee).
 */
function guarantee(totals: Totals, budget: PrivacyBudget): { epsilon: Rational; delta: Rational } | undefined {
  if (totals.rho.num === 0n) return { epsilon: totals.dpEpsilon, delta: totals.dpDelta };
  const slack = ratSub(budget.delta, totals.dpDelta);
  if (slack.num <= 0n) return undefined;
  // Round ρ up and the δ slack down before the float conversion, so that ε_ρ stays an upper bound.
  const rho = rationalToNumber(totals.rho) * (1 + 1e-15);
  const delta = rationalToNumber(slack) * (1 - 1e-15);
  if (!(delta > 0) || !Number.isFinite(rho)) return undefined;
  const epsilonRho = rationalFromDouble(zcdpToEpsilon(rho, delta));
  return { epsilon: ratAdd(totals.dpEpsilon, epsilonRho), delta: budget.delta };
}

function normaliseCost(cost: PrivacyCostLike | PrivacyCost): PrivacyCost {
  if (cost.kind === "zcdp") return { kind: "zcdp", rho: toNonNegativeRational(cost.rho, "ρ") };
  if (cost.kind === "dp") {
    const delta = toNonNegativeRational(cost.delta ?? ZERO, "δ");
    if (ratCompare(delta, ONE) >= 0) throw new InvalidInputError(`δ must be below 1, got ${show(delta)}.`);
    return { kind: "dp", epsilon: toNonNegativeRational(cost.epsilon, "ε"), delta };
  }
  throw new InvalidInputError("Unknown privacy cost kind.", {
    fix: 'use { kind: "dp", epsilon, delta? } or { kind: "zcdp", rho }',
  });
}

function addCost(totals: Totals, cost: PrivacyCost): Totals {
  return cost.kind === "dp"
    ? { ...totals, dpEpsilon: ratAdd(totals.dpEpsilon, cost.epsilon), dpDelta: ratAdd(totals.dpDelta, cost.delta) }
    : { ...totals, rho: ratAdd(totals.rho, cost.rho) };
}

function validateLabel(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  if (typeof label !== "string" || label.length > MAX_LABEL_LENGTH) {
    throw new InvalidInputError(`A charge label must be a string of at most ${MAX_LABEL_LENGTH} characters.`);
  }
  return label;
}

/**
 * The privacy budget of one dataset. Immutable: `charge` returns a new accountant; persist its `toJSON()`.
 *
 * @example
 * let accountant = PrivacyAccountant.create({ epsilon: 1, delta: 1e-6 });
 * const count = laplaceMechanism({ sensitivity: 1n, epsilon: 0.25 });
 * accountant = accountant.charge(count.cost, "vehicles per zone"); // throws BudgetExceededError when overspent
 * await store.save(accountant.toJSON()); // before releasing
 * const noisy = count.release(trueCount);
 */
export class PrivacyAccountant {
  readonly budget: PrivacyBudget;
  readonly #totals: Totals;
  readonly #ledger: readonly PrivacyLedgerEntry[];

  private constructor(budget: PrivacyBudget, totals: Totals, ledger: readonly PrivacyLedgerEntry[]) {
    this.budget = budget;
    this.#totals = totals;
    this.#ledger = ledger;
  }

  /** A fresh accountant with nothing spent. ε > 0; δ in [0, 1), default 0 (then only pure-DP charges fit). */
  static create(budget: { epsilon: RationalLike; delta?: RationalLike }): PrivacyAccountant {
    const epsilon = toPositiveRational(budget.epsilon, "Budget ε");
    const delta = toNonNegativeRational(budget.delta ?? ZERO, "Budget δ");
    if (ratCompare(delta, ONE) >= 0) {
      throw new InvalidInputError(`Budget δ must be below 1, got ${show(delta)}.`, {
        fix: "δ is a failure probability; use something far below 1/n for n records, e.g. 1e-6",
      });
    }
    return new PrivacyAccountant({ epsilon, delta }, { dpEpsilon: ZERO, dpDelta: ZERO, rho: ZERO }, []);
  }

  /** The accepted charges, oldest first. */
  get ledger(): readonly PrivacyLedgerEntry[] {
    return this.#ledger;
  }

  /** The (ε, δ) guarantee of everything charged so far, and its parts. */
  spent(): PrivacySpent {
    // Every accepted state has a guarantee within the budget; the fallback is unreachable but typed.
    const exact = guarantee(this.#totals, this.budget) ?? this.budget;
    return {
      epsilon: rationalToNumber(exact.epsilon),
      delta: rationalToNumber(exact.delta),
      exact,
      ...this.#totals,
      charges: this.#ledger.length,
    };
  }

  /** How much one more charge of each kind could still spend (float estimates; see PrivacyRemaining). */
  remaining(): PrivacyRemaining {
    const { epsilon: budgetEpsilon, delta: budgetDelta } = this.budget;
    const spent = this.spent();
    const epsilonLeft = rationalToNumber(ratSub(budgetEpsilon, spent.exact.epsilon));
    const epsilonLeftForRho = rationalToNumber(ratSub(budgetEpsilon, this.#totals.dpEpsilon));
    const deltaSlack = rationalToNumber(ratSub(budgetDelta, this.#totals.dpDelta));
    const rhoSpent = rationalToNumber(this.#totals.rho);
    const delta =
      this.#totals.rho.num === 0n ? deltaSlack : deltaSlack - zcdpToDelta(rhoSpent, Math.max(0, epsilonLeftForRho));
    const rho =
      deltaSlack > 0 && deltaSlack < 1 ? zcdpRhoFor(Math.max(0, epsilonLeftForRho), deltaSlack) - rhoSpent : 0;
    return { epsilon: Math.max(0, epsilonLeft), delta: Math.max(0, delta), rho: Math.max(0, rho) };
  }

  /** Whether `cost` fits in what is left. */
  canCharge(cost: PrivacyCostLike | PrivacyCost): boolean {
    return this.tryCharge(cost).ok;
  }

  /**
   * Charges `cost` if it fits: `{ ok: true, accountant }` with the new state, or `{ ok: false, error }` and
   * nothing charged. Use this where refusal is an expected outcome to branch on.
   */
  tryCharge(cost: PrivacyCostLike | PrivacyCost, label?: string): ChargeResult {
    const normalised = normaliseCost(cost);
    const entryLabel = validateLabel(label);
    const totals = addCost(this.#totals, normalised);
    const next = guarantee(totals, this.budget);
    if (next === undefined) {
      const reason =
        this.budget.delta.num === 0n
          ? "needs a budget with δ > 0 (zCDP implies no pure ε-DP guarantee)"
          : "needs δ for the zCDP conversion, but the (ε, δ)-DP charges have used all of the budget's δ";
      return { ok: false, error: new BudgetExceededError(normalised, this.budget, this.spent(), reason) };
    }
    if (ratCompare(next.epsilon, this.budget.epsilon) > 0 || ratCompare(next.delta, this.budget.delta) > 0) {
      const reason = `would bring the spend to ε = ${show(next.epsilon)}, δ = ${show(next.delta)}, over the budget ε = ${show(this.budget.epsilon)}, δ = ${show(this.budget.delta)}`;
      return { ok: false, error: new BudgetExceededError(normalised, this.budget, this.spent(), reason) };
    }
    const ledger = [...this.#ledger, { label: entryLabel, cost: normalised }];
    return { ok: true, accountant: new PrivacyAccountant(this.budget, totals, ledger) };
  }

  /**
   * Charges `cost` and returns the new accountant; throws BudgetExceededError, charging nothing, if it does not
   * fit.
   */
  charge(cost: PrivacyCostLike | PrivacyCost, label?: string): PrivacyAccountant {
    const result = this.tryCharge(cost, label);
    if (!result.ok) throw result.error;
    return result.accountant;
  }

  /**
   * Charges `mechanism.cost`, then (only if the charge fits) releases `value` through it. Throws
   * BudgetExceededError before any noise is drawn. Persist the returned accountant before publishing the value.
   */
  release(
    mechanism: IntegerMechanism,
    value: bigint | number,
    options: { label?: string; rng?: UniformRng } = {},
  ): { value: bigint; accountant: PrivacyAccountant } {
    const accountant = this.charge(mechanism.cost, options.label);
    return { value: mechanism.release(value, options.rng), accountant };
  }

  toJSON(): PrivacyAccountantState {
    return {
      version: 1,
      budget: { epsilon: formatRational(this.budget.epsilon), delta: formatRational(this.budget.delta) },
      spent: {
        dpEpsilon: formatRational(this.#totals.dpEpsilon),
        dpDelta: formatRational(this.#totals.dpDelta),
        rho: formatRational(this.#totals.rho),
      },
      ledger: this.#ledger.map(({ label, cost }) => ({
        ...(label === undefined ? {} : { label }),
        ...(cost.kind === "dp"
          ? { kind: "dp" as const, epsilon: formatRational(cost.epsilon), delta: formatRational(cost.delta) }
          : { kind: "zcdp" as const, rho: formatRational(cost.rho) }),
      })),
    };
  }

  /**
   * Restores an accountant from `toJSON()` output (or its JSON.parse), validating it: every field present and
   * well-formed, the totals equal to the ledger's sums, and the spend within the budget. Throws InvalidInputError.
   */
  static fromJSON(state: unknown): PrivacyAccountant {
    const fail = (what: string): never => {
      throw new InvalidInputError(`Invalid privacy accountant state: ${what}.`, {
        fix: "restore the state exactly as PrivacyAccountant.toJSON() produced it",
      });
    };
    const object = (value: unknown, what: string): Record<string, unknown> =>
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? { ...value }
        : fail(`${what} is not an object`);
    const rational = (value: unknown, what: string): Rational => {
      if (typeof value !== "string") return fail(`${what} is not a rational string`);
      const r = toRational(value, what);
      return r.num < 0n ? fail(`${what} is negative`) : r;
    };
    const root = object(state, "the state");
    if (root.version !== 1) fail(`unsupported version ${JSON.stringify(root.version)} (expected 1)`);
    const budgetJson = object(root.budget, "budget");
    let accountant: PrivacyAccountant;
    try {
      accountant = PrivacyAccountant.create({
        epsilon: rational(budgetJson.epsilon, "budget.epsilon"),
        delta: rational(budgetJson.delta, "budget.delta"),
      });
    } catch (error) {
      return fail(`the budget is invalid (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!Array.isArray(root.ledger)) return fail("ledger is not an array");
    const ledger: PrivacyLedgerEntry[] = [];
    let totals: Totals = { dpEpsilon: ZERO, dpDelta: ZERO, rho: ZERO };
    for (const [i, raw] of root.ledger.entries()) {
      const entry = object(raw, `ledger[${i}]`);
      const label = entry.label;
      if (label !== undefined && (typeof label !== "string" || label.length > MAX_LABEL_LENGTH)) {
        fail(`ledger[${i}].label is not a string of at most ${MAX_LABEL_LENGTH} characters`);
      }
      let cost: PrivacyCost;
      if (entry.kind === "dp") {
        cost = {
          kind: "dp",
          epsilon: rational(entry.epsilon, `ledger[${i}].epsilon`),
          delta: rational(entry.delta, `ledger[${i}].delta`),
        };
      } else if (entry.kind === "zcdp") {
        cost = { kind: "zcdp", rho: rational(entry.rho, `ledger[${i}].rho`) };
      } else {
        return fail(`ledger[${i}].kind must be "dp" or "zcdp"`);
      }
      ledger.push({ label: typeof label === "string" ? label : undefined, cost });
      totals = addCost(totals, cost);
    }
    const spentJson = object(root.spent, "spent");
    const stored: Totals = {
      dpEpsilon: rational(spentJson.dpEpsilon, "spent.dpEpsilon"),
      dpDelta: rational(spentJson.dpDelta, "spent.dpDelta"),
      rho: rational(spentJson.rho, "spent.rho"),
    };
    for (const key of ["dpEpsilon", "dpDelta", "rho"] as const) {
      if (ratCompare(stored[key], totals[key]) !== 0) {
        fail(`spent.${key} is ${formatRational(stored[key])} but the ledger adds up to ${formatRational(totals[key])}`);
      }
    }
    const next = guarantee(totals, accountant.budget);
    if (
      next === undefined ||
      ratCompare(next.epsilon, accountant.budget.epsilon) > 0 ||
      ratCompare(next.delta, accountant.budget.delta) > 0
    ) {
      fail("the ledger spends more than the budget");
    }
    return new PrivacyAccountant(accountant.budget, totals, ledger);
  }
}
