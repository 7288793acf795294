// Errors as RFC 9457 problem details (application/problem+json), and zod validation of every body.

import { createHash, timingSafeEqual } from "node:crypto";
import { DataError } from "@amc/data";
import { BaseError, InvalidInputError } from "@amc/utils";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";

export class ProblemError extends BaseError {
  override name = "ProblemError";
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
) {
  return reply
    .code(status)
    .type("application/problem+json")
    .send({
      type: `https://automobile-chain.dev/problems/${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
      title,
      status,
      detail,
      ...extra,
    });
}

/** Parses `value` with `schema` or throws a 400 problem naming every invalid field. */
export function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((i) => ({ pointer: `/${i.path.join("/")}`, detail: i.message }));
  throw new ProblemError(400, "Invalid request body", errors.map((e) => `${e.pointer}: ${e.detail}`).join("; "), {
    errors,
  });
}

export function installProblemHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, "Not found", `no route for ${request.method} ${request.url}`),
  );
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ProblemError)
      return sendProblem(reply, error.status, error.title, error.shortMessage, error.extra);
    if (error instanceof DataError)
      return sendProblem(reply, error.status, error.code, error.shortMessage, {
        code: error.code,
        ...(error.details ? { details: error.details } : {}),
        ...(error.fix ? { fix: error.fix } : {}),
      });
    if (error instanceof InvalidInputError) return sendProblem(reply, 400, "Invalid input", error.shortMessage);
    const status =
      typeof error === "object" && error !== null && "statusCode" in error && typeof error.statusCode === "number"
        ? error.statusCode
        : 500;
    if (status < 500)
      return sendProblem(reply, status, "Bad request", error instanceof Error ? error.message : String(error));
    request.log.error(error);
    return sendProblem(reply, 500, "Internal error", "the gateway failed to handle the request; see its log");
  });
}

/** A check that the request carries the gateway's admin token as a Bearer token (constant-time comparison). */
export function adminGuard(adminToken: string): (request: FastifyRequest) => void {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  const expected = digest(adminToken);
  return (request) => {
    const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? "");
    if (!match || !timingSafeEqual(digest(match[1] ?? ""), expected))
      throw new ProblemError(401, "Unauthorized", "this route needs the gateway's admin token as a Bearer token", {
        fix: "send authorization: Bearer <the content of <home>/gateway/admin.token>",
      });
  };
}
