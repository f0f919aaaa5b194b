import { describe, expect, it } from "vitest";
import { ApiError } from "../../../frontend/src/api-error.ts";
import { localFailure, toFormFailure } from "../../../frontend/src/tokens/form-failure.ts";

describe("a refused token form, sorted by where each message belongs", () => {
  it("puts field messages beside their field, scope messages beside their row, and the rest in the alert", () => {
    const e = new ApiError(403, "E-AUTH-FORBID", "a token cannot hold more than you do", [
      { path: "name", message: "too long" },
      { path: "scopes.1.scope", message: "your shares from usr_o do not give read" },
      { path: "scopes.1.actions", message: "second message for the same row" },
      { path: "scopes", message: "at most 64" },
      { path: "owner", message: "not a field here" },
    ]);
    expect(toFormFailure(e, ["name", "scopes"], 3)).toEqual({
      message: "a token cannot hold more than you do",
      fields: { name: "too long", scopes: "at most 64" },
      scopes: { 1: "your shares from usr_o do not give read" },
      other: ["owner: not a field here"],
      attempt: 3,
    });
  });

  it("gives anything that is not an API error a plain message", () => {
    expect(toFormFailure(new TypeError("boom"), ["name"], 1).message).toBe("Something went wrong. Please try again.");
  });

  it("counts attempts on from the last refusal", () => {
    expect(localFailure("fix it", null).attempt).toBe(1);
    expect(localFailure("fix it", localFailure("fix it", null)).attempt).toBe(2);
  });
});
