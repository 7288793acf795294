// Tests of how the dashboard reads gateway errors (RFC 9457 problem details and `{ error }` bodies) and hash routes.
import { describe, expect, it } from "vitest";
import { ApiError, problemOf } from "./api.js";
import { parseHash } from "./hooks.js";

describe("problemOf", () => {
  it("reads problem+json title and detail", () => {
    expect(problemOf(403, "Forbidden", { title: "Not authorised", detail: "role OEM needed", status: 403 })).toEqual({
      title: "Not authorised",
      detail: "role OEM needed",
    });
  });
  it("reads the older { error } bodies and Fastify's { error, message }", () => {
    expect(problemOf(404, "Not Found", { error: "unknown chain x" })).toEqual({ title: "unknown chain x", detail: "" });
    expect(problemOf(400, "Bad Request", { error: "Bad Request", message: "querystring/at must be string" })).toEqual({
      title: "Bad Request",
      detail: "querystring/at must be string",
    });
  });
  it("falls back to the status text, and keeps a text body as the detail", () => {
    expect(problemOf(502, "Bad Gateway", null)).toEqual({ title: "Bad Gateway", detail: "" });
    expect(problemOf(500, "", "<html>oops</html>")).toEqual({ title: "HTTP 500", detail: "<html>oops</html>" });
  });
  it("ApiError says status, title and detail", () => {
    const e = new ApiError(401, "Owner authentication failed", "the owner token has expired", "/v1/identity/vin/X");
    expect(e.message).toBe("401 Owner authentication failed: the owner token has expired");
    expect(e.name).toBe("ApiError");
  });
});

describe("parseHash", () => {
  it("splits the page and its query", () => {
    const r = parseHash("#/identity?did=did%3Aamc%3Adev%3A0x01&tab=vin");
    expect(r.page).toBe("identity");
    expect(r.params.get("did")).toBe("did:amc:dev:0x01");
    expect(r.params.get("tab")).toBe("vin");
  });
  it("defaults to the network page", () => {
    expect(parseHash("").page).toBe("network");
    expect(parseHash("#/").page).toBe("network");
    expect(parseHash("#/map/extra").page).toBe("map");
  });
});
