// Anonymised releases (pure computation, no I/O): exact discrete differential-privacy noise, the mechanisms built
// on it, a privacy-budget accountant, and Mondrian k-anonymity. Each file cites the paper it implements.
export {
  BudgetExceededError,
  type ChargeResult,
  PrivacyAccountant,
  type PrivacyAccountantState,
  type PrivacyBudget,
  type PrivacyCostLike,
  type PrivacyLedgerEntry,
  type PrivacyRemaining,
  type PrivacySpent,
} from "./accountant.js";
export {
  type DiscreteGaussianMechanism,
  type DiscreteLaplaceMechanism,
  type GaussianMechanismParameters,
  gaussianMechanism,
  type IntegerMechanism,
  type LaplaceMechanismParameters,
  laplaceMechanism,
  type MeanMechanism,
  type MeanMechanismParameters,
  meanMechanism,
  type NoisyMean,
  type PrivacyCost,
} from "./mechanisms.js";
export {
  checkLDiversity,
  type GeneralisationHierarchy,
  type GeneralisedValue,
  type LDiversityReport,
  type MondrianClass,
  type MondrianInformationLoss,
  type MondrianOptions,
  type MondrianQuasiIdentifier,
  type MondrianResult,
  mondrian,
} from "./mondrian.js";
export { formatRational, type Rational, type RationalLike, rationalToNumber, toRational } from "./rational.js";
export { createSeededRng, cryptoRng, type UniformRng } from "./rng.js";
export { sampleBernoulliExp, sampleDiscreteGaussian, sampleDiscreteLaplace } from "./samplers.js";
export { pureDpToZcdp, zcdpRhoFor, zcdpToDelta, zcdpToEpsilon } from "./zcdp.js";
