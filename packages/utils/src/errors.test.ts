import { describe, expect, it } from "vitest";
import { BaseError, EnvironmentError, errorMessage } from "./errors.js";

describe("BaseError", () => {
  it("formats short message, details and fix, and keeps the cause", () => {
    const cause = new Error("EADDRINUSE");
    const error = new EnvironmentError("port 8545 is in use", { details: "chain main", fix: "run `amc down`", cause });
    expect(error.name).toBe("EnvironmentError");
    expect(error.message).toBe("port 8545 is in use\nDetails: chain main\nFix: run `amc down`");
    expect(error.oneLine()).toBe("port 8545 is in use (run `amc down`)");
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(BaseError);
    expect(error.walk((e) => e === cause)).toBe(cause);
  });

  it("errorMessage gives one line for any thrown value", () => {
    expect(errorMessage(new Error("a\nb"))).toBe("a");
    expect(errorMessage("plain")).toBe("plain");
    expect(errorMessage(new BaseError("x", { fix: "y" }))).toBe("x (y)");
  });
});
