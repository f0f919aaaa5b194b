import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { authChallenges, type AuthChallengeRow } from "../../../core/db/schema.ts";
import { nowIso, randomToken, sha256Hex } from "../../../core/ids.ts";

export type ChallengeKind = "webauthn-register" | "webauthn-login" | "webauthn-step-up" | "login-2fa" | "oauth-state" | "magic-link" | "device-invite" | "password-reset";

/**
 * Creates a single-use secret of a sign-in flow and returns its key (the only copy: D1 keeps its
 * SHA-256). `key` may be given when the flow needs a particular shape (a 6-digit code, say).
 */
export async function createChallenge(
  db: Db,
  kind: ChallengeKind,
  o: { userId?: string | null; data: Record<string, unknown>; ttlSeconds: number; key?: string },
  now = Date.now(),
): Promise<{ key: string; expiresAt: string }> {
  const key = o.key ?? randomToken(32);
  const expiresAt = nowIso(now + o.ttlSeconds * 1000);
  await db.insert(authChallenges).values({ keyHash: await sha256Hex(`${kind}:${key}`), kind, userId: o.userId ?? null, data: o.data, createdAt: nowIso(now), expiresAt });
  return { key, expiresAt };
}

/** The D1 key of a challenge (its key is never stored), for flows that update their own rows. */
export const challengeKeyHash = (kind: ChallengeKind, key: string) => sha256Hex(`${kind}:${key}`);

/**
 * Redeems a challenge: atomically marks it consumed and returns it, or null when it is unknown,
 * of another kind, expired, or already redeemed. Two requests racing for one key: exactly one wins.
 */
export async function consumeChallenge(db: Db, kind: ChallengeKind, key: string, now = Date.now()): Promise<AuthChallengeRow | null> {
  const [row] = await db
    .update(authChallenges)
    .set({ consumedAt: nowIso(now) })
    .where(and(eq(authChallenges.keyHash, await sha256Hex(`${kind}:${key}`)), eq(authChallenges.kind, kind), isNull(authChallenges.consumedAt), gt(authChallenges.expiresAt, nowIso(now))))
    .returning();
  return row ?? null;
}

/** Reads a challenge without redeeming it (a CLI waiting for its magic link to be clicked). */
export async function peekChallenge(db: Db, kind: ChallengeKind, key: string): Promise<AuthChallengeRow | null> {
  return (await db.select().from(authChallenges).where(and(eq(authChallenges.keyHash, await sha256Hex(`${kind}:${key}`)), eq(authChallenges.kind, kind))).get()) ?? null;
}

/** Counts a failed attempt against a challenge and returns the new count (for flows that allow a few). */
export async function countChallengeAttempt(db: Db, kind: ChallengeKind, key: string): Promise<number> {
  const [row] = await db
    .update(authChallenges)
    .set({ attempts: sql`${authChallenges.attempts} + 1` })
    .where(and(eq(authChallenges.keyHash, await sha256Hex(`${kind}:${key}`)), eq(authChallenges.kind, kind)))
    .returning({ attempts: authChallenges.attempts });
  return row?.attempts ?? 0;
}

/** Deletes challenges that expired more than a day ago (called opportunistically; they are useless after expiry anyway). */
export async function purgeExpiredChallenges(db: Db, now = Date.now()): Promise<void> {
  await db.delete(authChallenges).where(lt(authChallenges.expiresAt, nowIso(now - 86_400_000)));
}
