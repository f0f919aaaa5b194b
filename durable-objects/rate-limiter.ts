import { DurableObject } from "cloudflare:workers";
import type { RateDecision, RateLimiterRpc, RateRule } from "../core/rpc/rate-limiter-rpc.ts";

/**
 * Decides a sliding-window log for one timestamp list: the pure part of the limiter,
 * testable without a Durable Object.
 */
export function decideHit(log: number[], rule: RateRule, now: number): { log: number[]; decision: RateDecision } {
  const windowMs = rule.windowSeconds * 1000;
  const recent = log.filter((t) => t > now - windowMs);
  if (recent.length >= rule.limit) {
    const retryAfterMs = recent[0]! + windowMs - now;
    return { log: recent, decision: { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) } };
  }
  recent.push(now);
  return { log: recent, decision: { allowed: true, remaining: rule.limit - recent.length, retryAfterSeconds: 0 } };
}

/**
 * One limiter per key (e.g. `login:ip:203.0.113.9`), so the count is shared by
 * every Worker isolate, is single-writer, and survives eviction (DO storage, not memory).
 */
export class RateLimiter extends DurableObject implements RateLimiterRpc {
  async hit(rule: RateRule): Promise<RateDecision> {
    const now = Date.now();
    const log = (await this.ctx.storage.get<number[]>("log")) ?? [];
    const next = decideHit(log, rule, now);
    await this.ctx.storage.put("log", next.log);
    // Clean up once the window has passed, so idle keys hold no storage.
    await this.ctx.storage.setAlarm(now + rule.windowSeconds * 1000 + 1000);
    return next.decision;
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
