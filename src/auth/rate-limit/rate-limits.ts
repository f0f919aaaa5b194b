import type { Env } from "../../../core/env.ts";
import type { RateRule } from "../../../core/rpc/rate-limiter-rpc.ts";
import { AppError } from "../../../core/app-error.ts";

/**
 * The limits, per caller address and per account. Per-account limits count every
 * attempt on an email whether or not it has an account, so a 429 reveals nothing.
 */
export const RATE_LIMITS = {
  loginPerIp: { limit: 30, windowSeconds: 60 },
  loginPerAccount: { limit: 10, windowSeconds: 15 * 60 },
  registerPerIp: { limit: 10, windowSeconds: 60 * 60 },
  refreshPerIp: { limit: 120, windowSeconds: 60 },
  refreshPerSession: { limit: 30, windowSeconds: 60 },
  passwordChangePerAccount: { limit: 10, windowSeconds: 15 * 60 },
  // TOTP and recovery codes (sign-in's second step, confirming or removing TOTP): a 6-digit code
  // with ±1 step accepted is 3 in 10^6 per guess, so 10 guesses per 15 minutes keeps it out of reach.
  secondFactorPerAccount: { limit: 10, windowSeconds: 15 * 60 },
  // Step-up (POST /auth/step-up) by any method: a password guessed from a stolen session meets
  // this cap as a sign-in meets loginPerAccount; a TOTP code also counts on secondFactorPerAccount.
  stepUpPerAccount: { limit: 10, windowSeconds: 15 * 60 },
  // New shares mail their grantee (an invitation when the address has no account): a cap keeps
  // the endpoint from being a way to mail people in bulk or to probe addresses.
  shareCreatePerAccount: { limit: 30, windowSeconds: 60 * 60 },
} as const satisfies Record<string, RateRule>;

export type RateCheck = { key: string; rule: RateRule };

/** Counts one hit on each key; if any is over its limit, refuses with 429 and the longest Retry-After. */
export async function enforceRateLimits(env: Env, checks: RateCheck[]): Promise<void> {
  const decisions = await Promise.all(checks.map(({ key, rule }) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key)).hit(rule)));
  const refused = decisions.filter((d) => !d.allowed);
  if (refused.length === 0) return;
  const retryAfter = Math.max(...refused.map((d) => d.retryAfterSeconds));
  throw new AppError("E-RATE-LIMIT", `too many attempts; try again in ${retryAfter} s`, { headers: { "Retry-After": String(retryAfter) } });
}

/** Key for an address; requests without one (only possible off Cloudflare's edge) share a bucket. */
export const ipKey = (scope: string, ip: string | null) => `${scope}:ip:${ip ?? "unknown"}`;
