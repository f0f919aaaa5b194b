import type { z } from "zod";
import type { twoFactorVerifySchema } from "@anchorage/common";
import type { Env } from "../../../core/env.ts";
import type { Db } from "../../../core/db/client.ts";
import type { UserRow } from "../../../core/db/schema.ts";
import { AppError, unauthenticated } from "../../../core/app-error.ts";
import { findUserById } from "../../../core/users/users.ts";
import { consumeChallenge, countChallengeAttempt, peekChallenge } from "../challenges/challenge-store.ts";
import { enforceRateLimits, RATE_LIMITS } from "../rate-limit/rate-limits.ts";
import { recoveryCodeHash } from "../totp/recovery-codes.ts";
import { useRecoveryCode, countRecoveryCodesLeft } from "../totp/totp-store.ts";
import { verifyTotpCode } from "../totp/verify-totp-code.ts";

type VerifyBody = z.output<typeof twoFactorVerifySchema>;

/** Wrong codes one challenge token survives; the next wrong one burns it and the password must be given again. */
export const MAX_CODE_ATTEMPTS_PER_CHALLENGE = 5;

/** A refusal that names the account whose password was given, so the failed attempt is audited against it. */
export class SecondFactorRefused extends AppError {
  constructor(
    message: string,
    readonly userId: string | null,
  ) {
    super("E-AUTH-UNAUTH", message);
  }
}

export type SecondFactorSignIn = { user: UserRow; provider: "password+totp" | "password+recovery"; recoveryCodesLeft: number | null };

const UNKNOWN_CHALLENGE = "the sign-in step is unknown, expired or already used: sign in with your password again";

/**
 * Finishes a password sign-in's second step with a TOTP or recovery code, in this order: the
 * challenge token is live and of this kind, the account was offered this method, the account's
 * attempts are under the limit, the code is right and unused (and is used up now), and only then
 * is the token redeemed (atomically: one sign-in per token). A wrong code costs the token one of
 * its attempts instead of the token itself, so a typo does not send the person back to the password.
 */
export async function verifySecondFactor(env: Env, db: Db, body: VerifyBody, now = Date.now()): Promise<SecondFactorSignIn> {
  // The token must be live: unknown, expired and used read the same (the caller learns nothing more).
  const row = await peekChallenge(db, "login-2fa", body.challenge_token);
  if (!row || row.consumedAt || row.expiresAt <= new Date(now).toISOString() || !row.userId) throw new SecondFactorRefused(UNKNOWN_CHALLENGE, null);
  const userId = row.userId;
  // The method must be one this sign-in was offered (the account had TOTP when the password was given).
  const offered = Array.isArray(row.data.methods) ? (row.data.methods as unknown[]) : [];
  if (!offered.includes(body.method)) throw new SecondFactorRefused(`this sign-in cannot be finished with ${body.method}; use one of: ${offered.join(", ") || "none"}`, userId);
  // 6 digits are 10^6 guesses: each account gets few tries, whatever tokens and addresses they come from.
  await enforceRateLimits(env, [{ key: `2fa:account:${userId}`, rule: RATE_LIMITS.secondFactorPerAccount }]);

  const ok = body.method === "totp" ? await verifyTotpCode(db, userId, body.code, now) : await useRecoveryCode(db, userId, await recoveryCodeHash(body.code), now);
  if (!ok) {
    const attempts = await countChallengeAttempt(db, "login-2fa", body.challenge_token);
    if (attempts >= MAX_CODE_ATTEMPTS_PER_CHALLENGE) await consumeChallenge(db, "login-2fa", body.challenge_token, now);
    throw new SecondFactorRefused(
      body.method === "totp" ? "that code is wrong or was already used: wait for the next one your authenticator app shows" : "that recovery code is wrong or was already used",
      userId,
    );
  }
  // Redeem the token: of two requests with right codes, one signs in.
  if (!(await consumeChallenge(db, "login-2fa", body.challenge_token, now))) throw new SecondFactorRefused(UNKNOWN_CHALLENGE, userId);

  const user = await findUserById(db, userId);
  if (!user) throw unauthenticated("this account no longer exists");
  if (user.disabledAt) throw new AppError("E-AUTH-FORBID", "this account is disabled");
  return {
    user,
    provider: body.method === "totp" ? "password+totp" : "password+recovery",
    recoveryCodesLeft: body.method === "recovery" ? await countRecoveryCodesLeft(db, userId) : null,
  };
}
