import { describe, expect, it } from "vitest";
import { deliveryState, lastAttempt, parsePatterns } from "../../../frontend/src/webhooks/webhook-words.ts";

describe("webhook patterns typed in one box", () => {
  it("splits on commas, spaces and new lines, drops empties and repeats, keeps the order", () => {
    expect(parsePatterns(" cloud.*, auth.session.*.created\n\ncloud.*  *,")).toEqual(["cloud.*", "auth.session.*.created", "*"]);
    expect(parsePatterns("  ,\n ")).toEqual([]);
  });
});

describe("deliveries in words", () => {
  it("names each state, with a tone that repeats it", () => {
    expect(deliveryState({ state: "delivered" })).toEqual({ label: "Delivered", tone: "ok" });
    expect(deliveryState({ state: "dead" })).toEqual({ label: "Gave up", tone: "bad" });
    expect(deliveryState({ state: "pending" })).toEqual({ label: "Pending", tone: "neutral" });
  });

  it("says how many attempts and what the last one got: an error before a status", () => {
    expect(lastAttempt({ attempts: 0, last_status: null, last_error: null })).toBe("Not tried yet");
    expect(lastAttempt({ attempts: 1, last_status: 204, last_error: null })).toBe("1 attempt, last: HTTP 204");
    expect(lastAttempt({ attempts: 3, last_status: 500, last_error: "the receiver answered 500" })).toBe("3 attempts, last: the receiver answered 500");
    expect(lastAttempt({ attempts: 2, last_status: null, last_error: null })).toBe("2 attempts");
  });
});
