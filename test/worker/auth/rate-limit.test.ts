import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, testEnv, uniqueEmail, uniqueIp, PASSWORD } from "../helpers.ts";
import { decideHit, RateLimiter } from "../../../durable-objects/rate-limiter.ts";
import { RATE_LIMITS } from "../../../src/auth/rate-limit/rate-limits.ts";

describe("decideHit (sliding window)", () => {
  const rule = { limit: 3, windowSeconds: 10 };
  it("allows up to the limit, then refuses with the time until the oldest hit leaves the window", () => {
    let log: number[] = [];
    for (const t of [0, 1000, 2000]) {
      const r = decideHit(log, rule, t);
      expect(r.decision.allowed).toBe(true);
      log = r.log;
    }
    const refused = decideHit(log, rule, 2500);
    expect(refused.decision).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 8 });
    // Refused hits are not counted, and old hits age out.
    expect(decideHit(refused.log, rule, 10_001).decision.allowed).toBe(true);
  });
});

describe("login brute force meets the limiter", () => {
  it("per account: from many addresses, the 11th attempt on one email gets 429 with Retry-After", async () => {
    const s = await register();
    for (let i = 0; i < RATE_LIMITS.loginPerAccount.limit; i++) {
      const res = await call("/auth/login", { body: { email: s.email, password: `wrong guess ${i}` }, ip: uniqueIp() });
      expect(res.status).toBe(401);
    }
    // Even the right password is refused now: the limiter answers before the password is checked.
    const blocked = await call("/auth/login", { body: { email: s.email, password: PASSWORD }, ip: uniqueIp() });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(errorOf(await json(blocked)).code).toBe("E-RATE-LIMIT");
  });

  it("per account: an email with no account is limited exactly the same (no enumeration through 429)", async () => {
    const ghost = uniqueEmail();
    const statuses: number[] = [];
    for (let i = 0; i <= RATE_LIMITS.loginPerAccount.limit; i++) {
      statuses.push((await call("/auth/login", { body: { email: ghost, password: "whatever it is" }, ip: uniqueIp() })).status);
    }
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it("per address: one IP spraying many accounts is stopped", async () => {
    const ip = uniqueIp();
    const statuses: number[] = [];
    for (let i = 0; i <= RATE_LIMITS.loginPerIp.limit; i++) {
      statuses.push((await call("/auth/login", { body: { email: uniqueEmail(), password: "spray spray" }, ip })).status);
    }
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(statuses.at(-1)).toBe(429);
    // Another address is unaffected.
    expect((await call("/auth/login", { body: { email: uniqueEmail(), password: "spray spray" }, ip: uniqueIp() })).status).toBe(401);
  });

  it("register is limited per address", async () => {
    const ip = uniqueIp();
    let last = 0;
    for (let i = 0; i <= RATE_LIMITS.registerPerIp.limit; i++) {
      // Invalid bodies are refused before the limiter; these are valid registrations.
      last = (await call("/auth/register", { body: { email: uniqueEmail(), password: PASSWORD }, ip })).status;
    }
    expect(last).toBe(429);
  });

  it("refresh is limited per session", async () => {
    const s = await register();
    let token = s.refresh;
    let last = 200;
    for (let i = 0; i <= RATE_LIMITS.refreshPerSession.limit && last === 200; i++) {
      const res = await call("/auth/refresh", { body: { refresh_token: token } });
      last = res.status;
      if (res.status === 200) token = (await json(res)).tokens.refresh_token;
    }
    expect(last).toBe(429);
  });

  it("keeps its count in Durable Object storage, so an evicted limiter still remembers", async () => {
    const stub = testEnv.RATE_LIMITER.get(testEnv.RATE_LIMITER.idFromName(`test:${uniqueIp()}`));
    const rule = { limit: 2, windowSeconds: 60 };
    expect((await stub.hit(rule)).allowed).toBe(true);
    expect((await stub.hit(rule)).allowed).toBe(true);
    const { evictDurableObject } = await import("cloudflare:test");
    await evictDurableObject(stub);
    expect((await stub.hit(rule)).allowed).toBe(false);
    await runInDurableObject(stub, async (instance: RateLimiter) => {
      expect(instance).toBeInstanceOf(RateLimiter);
    });
  });
});
