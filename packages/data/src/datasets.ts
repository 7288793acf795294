// Anonymised releases over record sets a member holds in plaintext (docs/data-sharing.md, "Anonymised releases"):
// differentially private aggregates charged to a per-dataset privacy budget, and Mondrian k-anonymous releases.
// The accountant's state lives in the dataset's row and is updated in the transaction that answers the query, with
// the row locked: two concurrent queries cannot both spend the last of a budget, and a refused query spends nothing.
import { randomUUID } from "node:crypto";
import {
  BudgetExceededError,
  gaussianMechanism,
  laplaceMechanism,
  type MondrianQuasiIdentifier,
  meanMechanism,
  mondrian,
  PrivacyAccountant,
  rationalToNumber,
} from "@amc/crypto";
import type { Store } from "@amc/store";
import { InvalidInputError } from "@amc/utils";
import { z } from "zod";
import { DataError, parseInput } from "./errors.js";

type DatasetRecord = Record<string, string | number>;

const columnSchema = z.object({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
  type: z.enum(["integer", "number", "category"]),
});

export const datasetSchema = z.object({
  name: z.string().min(1).max(200),
  columns: z.array(columnSchema).min(1).max(64),
  records: z
    .array(z.record(z.string(), z.union([z.string().max(200), z.number()])))
    .min(1)
    .max(200_000),
  budget: z.object({ epsilon: z.number().positive().max(100), delta: z.number().min(0).max(0.01).default(0) }),
});

const filterSchema = z.object({ column: z.string(), equals: z.union([z.string(), z.number()]) });

export const querySchema = z.discriminatedUnion("aggregate", [
  z.object({
    aggregate: z.literal("count"),
    where: filterSchema.optional(),
    epsilon: z.number().positive().max(10).optional(),
    rho: z.number().positive().max(10).optional(),
  }),
  z.object({
    aggregate: z.literal("sum"),
    column: z.string(),
    /** Values are clipped to [lower, upper] (integers) so one record moves the sum by at most max(|lower|, |upper|). */
    lower: z.number().int(),
    upper: z.number().int(),
    where: filterSchema.optional(),
    epsilon: z.number().positive().max(10).optional(),
    rho: z.number().positive().max(10).optional(),
  }),
  z.object({
    aggregate: z.literal("mean"),
    column: z.string(),
    lower: z.number().int(),
    upper: z.number().int(),
    where: filterSchema.optional(),
    epsilon: z.number().positive().max(10),
  }),
]);

export const releaseSchema = z.object({
  k: z.number().int().min(2).max(10_000),
  quasiIdentifiers: z.array(z.string()).min(1).max(16),
  /** Columns released unchanged next to the generalised quasi-identifiers (all others are dropped). */
  sensitive: z.array(z.string()).max(16).default([]),
  lDiversity: z.object({ column: z.string(), l: z.number().int().min(2) }).optional(),
});

export type DatasetService = Awaited<ReturnType<typeof openDatasets>>;

export async function openDatasets(store: Store, now: () => number = () => Math.floor(Date.now() / 1000)) {
  const load = async (id: string) => {
    const { rows } = await store.query<{
      dataset_id: string;
      owner: string;
      name: string;
      columns: z.infer<typeof columnSchema>[];
      records: DatasetRecord[];
      accountant: unknown;
      created_at: bigint;
    }>("select * from datasets where dataset_id = $1", [id]);
    const row = rows[0];
    if (!row) throw new DataError("not_found", `no dataset ${id}`);
    return row;
  };

  const describe = async (id: string) => {
    const row = await load(id);
    const accountant = PrivacyAccountant.fromJSON(row.accountant);
    const { rows: queries } = await store.query<{ n: bigint }>(
      "select count(*)::int8 as n from dataset_queries where dataset_id = $1",
      [id],
    );
    return {
      datasetId: row.dataset_id,
      owner: row.owner,
      name: row.name,
      columns: row.columns,
      records: row.records.length,
      budget: {
        epsilon: rationalToNumber(accountant.budget.epsilon),
        delta: rationalToNumber(accountant.budget.delta),
      },
      remaining: accountant.remaining(),
      queries: Number(queries[0]?.n ?? 0n),
      createdAt: Number(row.created_at),
    };
  };

  return {
    async create(owner: string, body: unknown) {
      const { name, columns, records, budget } = parseInput(datasetSchema, body, "dataset");
      const byName = new Map(columns.map((c) => [c.name, c]));
      records.forEach((record, i) => {
        for (const [key, value] of Object.entries(record)) {
          const column = byName.get(key);
          if (!column) throw new DataError("invalid", `record ${i} has a column ${key} that is not declared`);
          const ok =
            column.type === "category"
              ? typeof value === "string"
              : typeof value === "number" && (column.type === "number" || Number.isInteger(value));
          if (!ok) throw new DataError("invalid", `record ${i}: ${key} is not a ${column.type}`);
        }
      });
      const accountant = PrivacyAccountant.create({ epsilon: budget.epsilon, delta: budget.delta });
      const datasetId = randomUUID();
      await store.query(
        "insert into datasets (dataset_id, owner, name, columns, records, accountant, created_at) values ($1,$2,$3,$4,$5,$6,$7)",
        [
          datasetId,
          owner,
          name,
          JSON.stringify(columns),
          JSON.stringify(records),
          JSON.stringify(accountant.toJSON()),
          now(),
        ],
      );
      return describe(datasetId);
    },

    describe,

    /** A differentially private aggregate; the budget is charged before noise is drawn, refused past it. */
    async query(id: string, by: string, body: unknown) {
      const query = parseInput(querySchema, body, "query");
      return store.transaction(async (tx) => {
        const { rows } = await tx.query<{
          columns: z.infer<typeof columnSchema>[];
          records: DatasetRecord[];
          accountant: unknown;
        }>("select columns, records, accountant from datasets where dataset_id = $1 for update", [id]);
        const row = rows[0];
        if (!row) throw new DataError("not_found", `no dataset ${id}`);
        const columns = new Map(row.columns.map((c) => [c.name, c]));
        const need = (name: string, numeric: boolean) => {
          const column = columns.get(name);
          if (!column) throw new DataError("invalid", `no column ${name}`);
          if (numeric && column.type === "category")
            throw new DataError("invalid", `${name} is a category, not a number`);
        };
        if (query.where) need(query.where.column, false);
        const selected = query.where
          ? row.records.filter((r) => r[query.where!.column] === query.where!.equals)
          : row.records;
        let accountant = PrivacyAccountant.fromJSON(row.accountant);
        const label = `${query.aggregate} by ${by}`;
        let answer: Record<string, unknown>;
        try {
          if (query.aggregate === "count") {
            const mechanism =
              query.rho !== undefined
                ? gaussianMechanism({ sensitivity: 1, rho: query.rho })
                : laplaceMechanism({ sensitivity: 1, epsilon: query.epsilon ?? 0.1 });
            const released = accountant.release(mechanism, selected.length, { label });
            accountant = released.accountant;
            answer = { value: Number(released.value), mechanism: mechanism.kind };
          } else {
            need(query.column, true);
            if (query.lower > query.upper) throw new DataError("invalid", "lower must not exceed upper");
            const clipped = selected.map((r) =>
              Math.min(query.upper, Math.max(query.lower, Math.round(Number(r[query.column] ?? 0)))),
            );
            if (query.aggregate === "sum") {
              const sensitivity = Math.max(Math.abs(query.lower), Math.abs(query.upper), 1);
              const mechanism =
                query.rho !== undefined
                  ? gaussianMechanism({ sensitivity, rho: query.rho })
                  : laplaceMechanism({ sensitivity, epsilon: query.epsilon ?? 0.1 });
              const released = accountant.release(
                mechanism,
                clipped.reduce((a, b) => a + b, 0),
                { label },
              );
              accountant = released.accountant;
              answer = { value: Number(released.value), mechanism: mechanism.kind };
            } else {
              const mechanism = meanMechanism({ lower: query.lower, upper: query.upper, epsilon: query.epsilon });
              accountant = accountant.charge(mechanism.cost, label);
              const released = mechanism.release(clipped);
              answer = {
                value: released.mean ?? null,
                noisySum: Number(released.sum),
                noisyCount: Number(released.count),
                mechanism: "discreteLaplace",
              };
            }
          }
        } catch (error) {
          if (error instanceof BudgetExceededError)
            throw new DataError("budget_exceeded", `dataset ${id}: ${error.shortMessage}`, {
              details: error.details,
              fix: "the dataset's privacy budget is spent; no further queries are answered",
            });
          if (error instanceof InvalidInputError && !(error instanceof DataError))
            throw new DataError("invalid", error.shortMessage);
          throw error;
        }
        const { rows: seqRows } = await tx.query<{ n: bigint }>(
          "select count(*)::int8 as n from dataset_queries where dataset_id = $1",
          [id],
        );
        const state = accountant.toJSON();
        await tx.query("update datasets set accountant = $2 where dataset_id = $1", [id, JSON.stringify(state)]);
        await tx.query(
          "insert into dataset_queries (dataset_id, seq, at, by_did, query, charge) values ($1,$2,$3,$4,$5,$6)",
          [
            id,
            Number(seqRows[0]?.n ?? 0n),
            now(),
            by,
            JSON.stringify(query),
            JSON.stringify(state.ledger.at(-1) ?? {}),
          ],
        );
        return { datasetId: id, ...answer, remaining: accountant.remaining() };
      });
    },

    /** A Mondrian k-anonymous release: generalised quasi-identifiers, chosen sensitive columns, nothing else. */
    async release(id: string, _by: string, body: unknown) {
      const options = parseInput(releaseSchema, body, "release");
      const row = await load(id);
      const columns = new Map(row.columns.map((c) => [c.name, c]));
      for (const name of [...options.quasiIdentifiers, ...options.sensitive])
        if (!columns.has(name)) throw new DataError("invalid", `no column ${name}`);
      const quasiIdentifiers = options.quasiIdentifiers.map(
        (name): MondrianQuasiIdentifier<DatasetRecord> =>
          columns.get(name)?.type === "category"
            ? { kind: "ordered", attribute: name }
            : { kind: "numeric", attribute: name },
      );
      let result: ReturnType<typeof mondrian<DatasetRecord>>;
      try {
        result = mondrian(row.records, {
          k: options.k,
          quasiIdentifiers,
          missing: "suppress",
          ...(options.lDiversity
            ? { lDiversity: { sensitive: options.lDiversity.column, l: options.lDiversity.l } }
            : {}),
        });
      } catch (error) {
        if (error instanceof InvalidInputError) throw new DataError("invalid", error.shortMessage);
        throw error;
      }
      return {
        datasetId: id,
        k: result.k,
        classes: result.classes.map((c) => ({
          size: c.records.length,
          quasiIdentifiers: c.generalised,
          sensitive: c.records.map((r) => Object.fromEntries(options.sensitive.map((s) => [s, r[s] ?? null]))),
        })),
        suppressed: result.suppressed.length,
        informationLoss: result.informationLoss,
      };
    },
  };
}
