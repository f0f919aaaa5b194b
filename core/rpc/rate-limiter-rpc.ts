/** One rate rule: at most `limit` hits in any `windowSeconds` (a sliding window). */
export type RateRule = { limit: number; windowSeconds: number };
export type RateDecision = { allowed: boolean; remaining: number; retryAfterSeconds: number };

/** What a RateLimiter (one per key, e.g. `login:ip:203.0.113.9`) answers over RPC. */
export interface RateLimiterRpc extends Rpc.DurableObjectBranded {
  hit(rule: RateRule): Promise<RateDecision>;
}
