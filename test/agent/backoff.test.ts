import { describe, expect, it } from "vitest";
import { Backoff, nextDelay } from "../../agent/src/backoff.ts";

const top = () => 0.999999; // the largest draw: shows the ceiling of each attempt

describe("nextDelay", () => {
  it("doubles the ceiling with each attempt from the base", () => {
    expect([0, 1, 2, 3, 4].map((a) => nextDelay(a, { random: top }))).toEqual([499, 999, 1999, 3999, 7999]);
  });

  it("never exceeds the cap, however many attempts failed", () => {
    for (const attempt of [6, 7, 10, 50, 1_000, Number.MAX_SAFE_INTEGER]) {
      expect(nextDelay(attempt, { random: top })).toBeLessThanOrEqual(30_000);
      expect(nextDelay(attempt, { random: top })).toBeGreaterThan(29_000);
    }
    expect(nextDelay(20, { baseMs: 100, maxMs: 5_000, random: top })).toBe(4_999);
  });

  it("jitters over the whole range, down to zero", () => {
    expect(nextDelay(5, { random: () => 0 })).toBe(0);
    expect(nextDelay(5, { random: () => 0.5 })).toBe(8_000);
    const draws = new Set(Array.from({ length: 50 }, () => nextDelay(6)));
    expect(draws.size).toBeGreaterThan(40); // real randomness: agents do not retry in lockstep
    for (const d of draws) expect(d).toBeGreaterThanOrEqual(0);
    for (const d of draws) expect(d).toBeLessThan(30_000);
  });

  it("treats a negative or fractional attempt as the nearest sane one", () => {
    expect(nextDelay(-3, { random: top })).toBe(499);
    expect(nextDelay(1.7, { random: top })).toBe(999);
  });
});

describe("Backoff", () => {
  it("grows with each failure and starts over after a success", () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 1_000, random: top });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([99, 199, 399, 799, 999]);
    expect(backoff.attempt).toBe(5);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(99);
  });
});
