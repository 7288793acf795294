// Mondrian multidimensional k-anonymity, for releasing record-level vehicle data (trips, owners' ages, regions)
// so that every record hides among at least k others with the same generalised quasi-identifiers. After
//   K. LeFevre, D. J. DeWitt, R. Ramakrishnan, "Mondrian Multidimensional K-Anonymity", ICDE 2006:
//   strict multidimensional partitioning by greedy top-down median cuts. A partition is cut on the quasi-identifier
//   of widest normalised range that has an allowable cut (both sides ≥ k records), at the median; when no
//   quasi-identifier has one, the partition is released as one equivalence class.
// Choices within the paper's frame, each documented where it is made:
//   - Strict: equal values never straddle a cut. When the median value is shared by so many records that cutting
//     just above it leaves a side below k, the cut moves to the nearest value boundary that is allowable.
//   - Numeric quasi-identifiers generalise to the range [min, max] of the class. Categorical ones are either an
//     ordered set (cut at the frequency median of a given order, generalised to the set of values present) or a
//     generalisation hierarchy (cut into the children of the class's lowest common ancestor, each child's side
//     needing ≥ k records; generalised to that ancestor node). A record whose value is the ancestor node itself
//     stays at that node, so that node cannot be cut.
//   - Records with a missing quasi-identifier (undefined, null, NaN) are an error by default; with
//     `missing: "suppress"` they are left out of every class and listed in `suppressed`.
//   - k larger than the number of (unsuppressed) records is an error: no release can meet it, and a smaller class
//     would break the promise silently.
//   - Optional distinct ℓ-diversity (Machanavajjhala, Kifer, Gehrke, Venkitasubramaniam, "ℓ-Diversity: Privacy
//     Beyond k-Anonymity", ICDE 2006 / TKDD 2007): a cut is also allowable only if every side keeps ≥ ℓ distinct
//     sensitive values. The property is monotone, so the greedy algorithm stays correct (LeFevre et al. note any
//     such constraint fits).
// Information loss: the normalised certainty penalty (Xu, Wang, Pei, Wang, Shi, Fu, "Utility-Based Anonymization
// Using Local Recoding", KDD 2006), the discernibility metric (Bayardo & Agrawal, ICDE 2005) and the normalised
// average class size C_AVG (LeFevre et al. 2006). Sensitive and other attributes pass through unchanged: the
// records in a class are the caller's objects.

import { InvalidInputError } from "@amc/utils";

type AttributeOf<R> = Extract<keyof R, string>;

/** A node of a categorical generalisation hierarchy, e.g. { value: "EU", children: [{ value: "DE" }, …] }. */
export type GeneralisationHierarchy = {
  readonly value: string;
  readonly children?: readonly GeneralisationHierarchy[];
};

/** How one quasi-identifier is read and generalised. `weight` (default 1) weighs it in the information loss. */
export type MondrianQuasiIdentifier<R> =
  | { kind: "numeric"; attribute: AttributeOf<R>; weight?: number }
  | {
      kind: "ordered";
      attribute: AttributeOf<R>;
      /** The order of the categories; default: the distinct values present, sorted by code unit. */
      order?: readonly string[];
      weight?: number;
    }
  | { kind: "hierarchy"; attribute: AttributeOf<R>; hierarchy: GeneralisationHierarchy; weight?: number };

export type MondrianOptions<R> = {
  /** Every released class has at least k records (an integer ≥ 1). */
  k: number;
  quasiIdentifiers: readonly MondrianQuasiIdentifier<R>[];
  /** What to do with a record missing a quasi-identifier: throw (default) or leave it out of the release. */
  missing?: "error" | "suppress";
  /** Also require ≥ l distinct values of `sensitive` in every class (distinct ℓ-diversity). */
  lDiversity?: { sensitive: AttributeOf<R>; l: number };
};

/** A generalised quasi-identifier value: a numeric range, a set of categories, or a hierarchy node. */
export type GeneralisedValue =
  | { kind: "range"; lo: number; hi: number }
  | { kind: "set"; values: string[] }
  | { kind: "hierarchy"; node: string; leafCount: number };

export type MondrianClass<R> = {
  /** The generalised value of each quasi-identifier, by attribute name. */
  generalised: Record<string, GeneralisedValue>;
  /** The caller's records, unchanged (sensitive attributes included), in input order. */
  records: R[];
  /** Their positions in the input. */
  indices: number[];
  /** The class's normalised certainty penalty in [0, 1]: 0 = nothing generalised, 1 = fully generalised. */
  ncp: number;
};

export type MondrianInformationLoss = {
  /**
   * Global certainty penalty in [0, 1]: the mean NCP over all input records (weighted by quasi-identifier
   * weight), a suppressed record counting 1.
   */
  ncp: number;
  /** The same per quasi-identifier. */
  ncpByAttribute: Record<string, number>;
  /** Σ |class|², plus (input size) for each suppressed record: lower is better, n is the minimum. */
  discernibility: number;
  /** (released records / classes) / k: 1 is ideal. */
  normalisedAverageClassSize: number;
};

export type MondrianResult<R> = {
  k: number;
  classes: MondrianClass<R>[];
  /** Records left out because a quasi-identifier was missing (only with missing: "suppress"). */
  suppressed: { index: number; record: R; attribute: string }[];
  informationLoss: MondrianInformationLoss;
};

// ---------------------------------------------------------------------------------------------------------------
// Each quasi-identifier is read once into an integer or float key per record, with what it needs to generalise.

type HierarchyIndex = {
  values: string[];
  parent: Int32Array;
  depth: Int32Array;
  leafCount: Int32Array;
  byValue: Map<string, number>;
  totalLeaves: number;
};

type Column =
  | { kind: "numeric"; attribute: string; weight: number; keys: Float64Array; lo: number; hi: number }
  | { kind: "ordered"; attribute: string; weight: number; keys: Int32Array; order: string[] }
  | { kind: "hierarchy"; attribute: string; weight: number; keys: Int32Array; index: HierarchyIndex };

function indexHierarchy(root: GeneralisationHierarchy, attribute: string): HierarchyIndex {
  const values: string[] = [];
  const parents: number[] = [];
  const depths: number[] = [];
  const byValue = new Map<string, number>();
  // Pre-order, so that a node's children have increasing ids in their given order.
  const stack: { node: GeneralisationHierarchy; parent: number; depth: number }[] = [
    { node: root, parent: -1, depth: 0 },
  ];
  while (stack.length > 0) {
    const { node, parent, depth } = stack.pop()!;
    if (typeof node?.value !== "string") {
      throw new InvalidInputError(`The hierarchy of "${attribute}" has a node without a string value.`);
    }
    if (byValue.has(node.value)) {
      throw new InvalidInputError(`The hierarchy of "${attribute}" has "${node.value}" twice.`, {
        fix: "every value in a generalisation hierarchy must be unique",
      });
    }
    const id = values.length;
    byValue.set(node.value, id);
    values.push(node.value);
    parents.push(parent);
    depths.push(depth);
    const children = node.children ?? [];
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, parent: id, depth: depth + 1 });
  }
  const parent = Int32Array.from(parents);
  const leafCount = new Int32Array(values.length);
  const hasChild = new Uint8Array(values.length);
  for (let id = 1; id < values.length; id++) hasChild[parent[id]!] = 1;
  // Children come after their parent in pre-order, so a reverse sweep sums leaves bottom-up.
  for (let id = values.length - 1; id >= 0; id--) {
    if (hasChild[id] === 0) leafCount[id] = 1;
    const p = parent[id]!;
    if (p >= 0) leafCount[p] = leafCount[p]! + leafCount[id]!;
  }
  return { values, parent, depth: Int32Array.from(depths), leafCount, byValue, totalLeaves: leafCount[0]! };
}

function lowestCommonAncestor(index: HierarchyIndex, a: number, b: number): number {
  let x = a;
  let y = b;
  while (index.depth[x]! > index.depth[y]!) x = index.parent[x]!;
  while (index.depth[y]! > index.depth[x]!) y = index.parent[y]!;
  while (x !== y) {
    x = index.parent[x]!;
    y = index.parent[y]!;
  }
  return x;
}

const isMissing = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === "number" && Number.isNaN(value));

/** A key under which equal sensitive values collide and different ones (1 vs "1") do not. */
function sensitiveKey(value: unknown): string {
  if (typeof value === "object" && value !== null) return `object:${JSON.stringify(value)}`;
  return `${typeof value}:${String(value)}`;
}

function validatePositiveInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(`${name} must be an integer ≥ 1, got ${value}.`);
  }
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Mondrian multidimensional k-anonymity (LeFevre, DeWitt & Ramakrishnan, ICDE 2006) with strict partitioning.
 * Throws InvalidInputError for bad options, a missing quasi-identifier (unless `missing: "suppress"`), a value
 * outside its declared order or hierarchy, k above the number of records, or an input that is not ℓ-diverse as a
 * whole when ℓ-diversity is asked for.
 *
 * @example
 * const { classes, informationLoss } = mondrian(trips, {
 *   k: 5,
 *   quasiIdentifiers: [
 *     { kind: "numeric", attribute: "ownerAge" },
 *     { kind: "hierarchy", attribute: "region", hierarchy: regions },
 *   ],
 * });
 * // classes[0].generalised.ownerAge → { kind: "range", lo: 30, hi: 39 }; classes[0].records keep `diagnosis`.
 */
export function mondrian<R extends object>(records: readonly R[], options: MondrianOptions<R>): MondrianResult<R> {
  const { k, quasiIdentifiers } = options;
  validatePositiveInteger(k, "k");
  const missingMode = options.missing ?? "error";
  if (missingMode !== "error" && missingMode !== "suppress") {
    throw new InvalidInputError(`missing must be "error" or "suppress", got ${JSON.stringify(missingMode)}.`);
  }
  if (quasiIdentifiers.length === 0) {
    throw new InvalidInputError("Mondrian needs at least one quasi-identifier.", {
      fix: "list the attributes an adversary could link to other data (age, postcode, vehicle model, …)",
    });
  }
  const seen = new Set<string>();
  for (const qi of quasiIdentifiers) {
    if (seen.has(qi.attribute)) throw new InvalidInputError(`Quasi-identifier "${qi.attribute}" is listed twice.`);
    seen.add(qi.attribute);
    const weight = qi.weight ?? 1;
    if (!(Number.isFinite(weight) && weight >= 0)) {
      throw new InvalidInputError(`The weight of "${qi.attribute}" must be a finite number ≥ 0, got ${weight}.`);
    }
  }
  const totalWeight = quasiIdentifiers.reduce((sum, qi) => sum + (qi.weight ?? 1), 0);
  if (!(totalWeight > 0)) throw new InvalidInputError("At least one quasi-identifier needs a weight above 0.");
  if (options.lDiversity) validatePositiveInteger(options.lDiversity.l, "ℓ");

  // Missing values: find them first, so that the columns and numeric domains cover released records only.
  const suppressed: MondrianResult<R>["suppressed"] = [];
  const kept: number[] = [];
  records.forEach((record, index) => {
    const absent = quasiIdentifiers.find((qi) => isMissing(record[qi.attribute]));
    if (absent === undefined) kept.push(index);
    else if (missingMode === "suppress") suppressed.push({ index, record, attribute: absent.attribute });
    else {
      throw new InvalidInputError(`Record ${index} has no value for quasi-identifier "${absent.attribute}".`, {
        fix: 'fill it in, drop the record, or pass missing: "suppress" to leave such records out of the release',
      });
    }
  });
  const n = kept.length;
  if (k > n) {
    throw new InvalidInputError(
      `k = ${k} is larger than the ${n} record(s) to release${suppressed.length > 0 ? ` (${suppressed.length} suppressed)` : ""}.`,
      { fix: "lower k or release a larger dataset: no class of fewer than k records may be released" },
    );
  }

  const columns: Column[] = quasiIdentifiers.map((qi) => {
    const weight = qi.weight ?? 1;
    const raw = kept.map((index) => records[index]![qi.attribute]);
    const where = (i: number): string => `Record ${kept[i]}, quasi-identifier "${qi.attribute}"`;
    if (qi.kind === "numeric") {
      const keys = new Float64Array(n);
      raw.forEach((value, i) => {
        if (typeof value !== "number" || !Number.isFinite(value)) {
          throw new InvalidInputError(`${where(i)}: expected a finite number, got ${JSON.stringify(value)}.`);
        }
        keys[i] = value;
      });
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const key of keys) {
        if (key < lo) lo = key;
        if (key > hi) hi = key;
      }
      return { kind: "numeric", attribute: qi.attribute, weight, keys, lo, hi };
    }
    const strings = raw.map((value, i) => {
      if (typeof value !== "string") {
        throw new InvalidInputError(`${where(i)}: expected a string category, got ${JSON.stringify(value)}.`);
      }
      return value;
    });
    if (qi.kind === "ordered") {
      const order = qi.order ? [...qi.order] : [...new Set(strings)].sort();
      const position = new Map(order.map((value, i) => [value, i]));
      if (position.size !== order.length) {
        throw new InvalidInputError(`The order of "${qi.attribute}" lists a category twice.`);
      }
      const keys = Int32Array.from(strings, (value, i) => {
        const p = position.get(value);
        if (p === undefined) {
          throw new InvalidInputError(`${where(i)}: "${value}" is not in the declared order.`, {
            fix: "add the category to `order`, or leave `order` out to use the values present",
          });
        }
        return p;
      });
      return { kind: "ordered", attribute: qi.attribute, weight, keys, order };
    }
    const index = indexHierarchy(qi.hierarchy, qi.attribute);
    const keys = Int32Array.from(strings, (value, i) => {
      const id = index.byValue.get(value);
      if (id === undefined) {
        throw new InvalidInputError(`${where(i)}: "${value}" is not in the generalisation hierarchy.`, {
          fix: "add the value to the hierarchy (as a leaf under the node it generalises to)",
        });
      }
      return id;
    });
    return { kind: "hierarchy", attribute: qi.attribute, weight, keys, index };
  });

  const l = options.lDiversity?.l ?? 1;
  const sensitive = options.lDiversity
    ? kept.map((index) => sensitiveKey(records[index]![options.lDiversity!.sensitive]))
    : undefined;
  const distinct = (members: readonly number[]): number =>
    sensitive ? new Set(members.map((i) => sensitive[i])).size : Number.POSITIVE_INFINITY;
  if (sensitive && distinct(kept.map((_, i) => i)) < l) {
    throw new InvalidInputError(
      `The records have fewer than ℓ = ${l} distinct values of "${options.lDiversity!.sensitive}", so no release is ℓ-diverse.`,
      { fix: "lower ℓ" },
    );
  }

  // --- Partitioning. Members are positions 0..n−1 into `kept` and the columns. ---

  const hierarchyNode = (column: Extract<Column, { kind: "hierarchy" }>, members: readonly number[]): number =>
    members.reduce((node, i) => lowestCommonAncestor(column.index, node, column.keys[i]!), column.keys[members[0]!]!);

  /** The normalised certainty penalty of `members` on one column, in [0, 1]. */
  const penalty = (column: Column, members: readonly number[]): number => {
    if (column.kind === "numeric") {
      const width = column.hi - column.lo;
      if (width === 0) return 0;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const i of members) {
        const key = column.keys[i]!;
        if (key < lo) lo = key;
        if (key > hi) hi = key;
      }
      return (hi - lo) / width;
    }
    if (column.kind === "ordered") {
      const count = new Set(members.map((i) => column.keys[i])).size;
      return count <= 1 ? 0 : count / column.order.length;
    }
    const leaves = column.index.leafCount[hierarchyNode(column, members)]!;
    return leaves <= 1 ? 0 : leaves / column.index.totalLeaves;
  };

  const diverse = (members: readonly number[]): boolean => members.length >= k && distinct(members) >= l;

  /** A strict cut of `members` on a numeric or ordered column nearest the median, or undefined. */
  const medianCut = (column: Extract<Column, { kind: "numeric" | "ordered" }>, members: readonly number[]) => {
    const sorted = [...members].sort((a, b) => column.keys[a]! - column.keys[b]! || a - b);
    const size = sorted.length;
    // A cut before position j puts sorted[0..j) left, sorted[j..) right; strict: only between distinct values.
    const candidates: number[] = [];
    for (let j = k; j <= size - k; j++) {
      if (column.keys[sorted[j - 1]!]! < column.keys[sorted[j]!]!) candidates.push(j);
    }
    candidates.sort((a, b) => Math.abs(2 * a - size) - Math.abs(2 * b - size) || a - b);
    for (const j of candidates) {
      const left = sorted.slice(0, j);
      const right = sorted.slice(j);
      if (diverse(left) && diverse(right)) return [left, right];
    }
    return undefined;
  };

  /** A cut of `members` into the children of their lowest common ancestor, or undefined. */
  const hierarchyCut = (column: Extract<Column, { kind: "hierarchy" }>, members: readonly number[]) => {
    const { index } = column;
    const node = hierarchyNode(column, members);
    const groups = new Map<number, number[]>();
    for (const i of members) {
      let child = column.keys[i]!;
      if (child === node) return undefined; // a record generalised to the node itself cannot go into a child
      while (index.parent[child] !== node) child = index.parent[child]!;
      const group = groups.get(child);
      if (group) group.push(i);
      else groups.set(child, [i]);
    }
    const parts = [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
    return parts.length >= 2 && parts.every(diverse) ? parts : undefined;
  };

  const cut = (members: readonly number[]): number[][] | undefined => {
    // Widest normalised range first (ties: declaration order); fall back to narrower ones when it cannot be cut.
    const ranked = columns
      .map((column, position) => ({ column, position, width: penalty(column, members) }))
      .filter(({ width }) => width > 0)
      .sort((a, b) => b.width - a.width || a.position - b.position);
    for (const { column } of ranked) {
      const parts = column.kind === "hierarchy" ? hierarchyCut(column, members) : medianCut(column, members);
      if (parts) return parts;
    }
    return undefined;
  };

  const finals: number[][] = [];
  const stack: number[][] = [kept.map((_, i) => i)];
  while (stack.length > 0) {
    const members = stack.pop()!;
    const parts = cut(members);
    if (parts) for (let p = parts.length - 1; p >= 0; p--) stack.push(parts[p]!);
    else finals.push(members);
  }

  // --- Classes and information loss. ---

  const ncpByAttribute: Record<string, number> = {};
  for (const column of columns) ncpByAttribute[column.attribute] = suppressed.length;
  let ncpTotal = suppressed.length;
  const classes = finals.map((members): MondrianClass<R> => {
    const ordered = [...members].sort((a, b) => a - b);
    const generalised: Record<string, GeneralisedValue> = {};
    let weighted = 0;
    for (const column of columns) {
      const ncp = penalty(column, ordered);
      weighted += column.weight * ncp;
      ncpByAttribute[column.attribute] = (ncpByAttribute[column.attribute] ?? 0) + ncp * ordered.length;
      if (column.kind === "numeric") {
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (const i of ordered) {
          lo = Math.min(lo, column.keys[i]!);
          hi = Math.max(hi, column.keys[i]!);
        }
        generalised[column.attribute] = { kind: "range", lo, hi };
      } else if (column.kind === "ordered") {
        const present = [...new Set(ordered.map((i) => column.keys[i]!))].sort((a, b) => a - b);
        generalised[column.attribute] = { kind: "set", values: present.map((p) => column.order[p]!) };
      } else {
        const node = hierarchyNode(column, ordered);
        generalised[column.attribute] = {
          kind: "hierarchy",
          node: column.index.values[node]!,
          leafCount: column.index.leafCount[node]!,
        };
      }
    }
    const ncp = weighted / totalWeight;
    ncpTotal += ncp * ordered.length;
    const indices = ordered.map((i) => kept[i]!);
    return { generalised, records: indices.map((index) => records[index]!), indices, ncp };
  });

  const total = n + suppressed.length;
  for (const column of columns) ncpByAttribute[column.attribute] = (ncpByAttribute[column.attribute] ?? 0) / total;
  return {
    k,
    classes,
    suppressed,
    informationLoss: {
      ncp: ncpTotal / total,
      ncpByAttribute,
      discernibility: classes.reduce((sum, c) => sum + c.records.length ** 2, 0) + suppressed.length * total,
      normalisedAverageClassSize: n / classes.length / k,
    },
  };
}

export type LDiversityReport = {
  /** Whether every class has at least ℓ distinct sensitive values. */
  ok: boolean;
  /** The fewest distinct sensitive values in any class (0 when there are no classes). */
  minDistinct: number;
  /** The classes with fewer than ℓ, by position in `classes`. */
  violations: { classIndex: number; distinct: number }[];
};

/**
 * Checks distinct ℓ-diversity (Machanavajjhala et al. 2006): every class holds at least ℓ distinct values of the
 * sensitive attribute. Values are compared by type and value (1 and "1" differ; objects by their JSON).
 *
 * @example
 * checkLDiversity(mondrian(trips, options).classes, "destination", 3).ok
 */
export function checkLDiversity<R extends object>(
  classes: readonly { records: readonly R[] }[],
  sensitive: AttributeOf<R>,
  l: number,
): LDiversityReport {
  validatePositiveInteger(l, "ℓ");
  const violations: LDiversityReport["violations"] = [];
  let minDistinct = classes.length === 0 ? 0 : Number.POSITIVE_INFINITY;
  classes.forEach((c, classIndex) => {
    const count = new Set(c.records.map((record) => sensitiveKey(record[sensitive]))).size;
    minDistinct = Math.min(minDistinct, count);
    if (count < l) violations.push({ classIndex, distinct: count });
  });
  return { ok: violations.length === 0, minDistinct, violations };
}
