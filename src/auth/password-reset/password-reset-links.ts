import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { authChallenges, users } from "../../../core/db/schema.ts";
import { nowIso } from "../../../core/ids.ts";
import { forgetUser } from "../principal-cache/forget-user.ts";
import { hashPassword } from "../password/password-hash.ts";
import { revokeUserSessions } from "../session/session-store.ts";
import { consumeChallenge, createChallenge } from "../challenges/challenge-store.ts";

/** A reset link works 30 minutes: long enough to find the mail, short enough that an old mailbox is no key. */
export const PASSWORD_RESET_TTL_SECONDS = 30 * 60;

/**
 * Records a reset request. The same row is written whether or not the email has an account
 * (`userId` null then), so the work, and so the time, does not tell them apart; a row without a
 * user can never be redeemed.
 */
export async function createPasswordReset(db: Db, o: { userId: string | null; email: string }, now = Date.now()) {
  const link = await createChallenge(db, "password-reset", { userId: o.userId, data: { email: o.email }, ttlSeconds: PASSWORD_RESET_TTL_SECONDS }, now);
  return { token: link.key, expiresAt: link.expiresAt };
}

/** Redeems a reset link once (two submits racing: exactly one wins); the user's id, or null when unknown, expired, used or userless. */
export async function redeemPasswordReset(db: Db, token: string, now = Date.now()): Promise<string | null> {
  const row = await consumeChallenge(db, "password-reset", token, now);
  return row?.userId ?? null;
}

/**
 * Sets the new password and ends every session of the account (their refresh tokens die with
 * them: rotation needs a live session), with this location's cached copies. Every other reset link
 * still out for the account is spent too: one reset answers them all. API tokens stay; they are
 * not the password's and are revoked on their own.
 */
export async function resetPassword(db: Db, userId: string, password: string, now = Date.now()): Promise<number> {
  await db.update(users).set({ passwordHash: await hashPassword(password), updatedAt: nowIso(now) }).where(eq(users.id, userId));
  const ended = await revokeUserSessions(db, userId, "password_reset", undefined, now);
  await db
    .update(authChallenges)
    .set({ consumedAt: nowIso(now) })
    .where(and(eq(authChallenges.userId, userId), eq(authChallenges.kind, "password-reset"), isNull(authChallenges.consumedAt)));
  await forgetUser(db, userId); // API tokens' copies hold the user as they were
  return ended;
}
