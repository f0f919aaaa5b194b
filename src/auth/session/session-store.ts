import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { refreshTokens, sessions, users, type SessionRow, type UserRow } from "../../../core/db/schema.ts";
import { newId, nowIso, randomToken, sha256Hex } from "../../../core/ids.ts";
import { AppError, unauthenticated } from "../../../core/app-error.ts";
import { forgetSessions } from "../principal-cache/forget.ts";

export const REFRESH_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
/** A family lives at most this long, however often it is refreshed: then sign in again. */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

const REFRESH_PREFIX = "anr_";

export type NewSession = { session: SessionRow; refreshToken: string; refreshExpiresAt: string };

/**
 * Starts a session (a refresh-token family) and returns its first refresh token. `maxAgeSeconds`
 * ends it sooner than SESSION_MAX_AGE_SECONDS (a session made only to carry one short-lived token).
 * The sign-in is the session's first proof of identity (step-up, src/auth/step-up) unless
 * `proven` is false: a session handed over by another one (a device approved from the dashboard).
 */
export async function createSession(
  db: Db,
  input: { userId: string; provider: string; userAgent: string | null; ip: string | null; maxAgeSeconds?: number; proven?: boolean },
  now = Date.now(),
): Promise<NewSession> {
  const session: SessionRow = {
    id: newId("ses"),
    userId: input.userId,
    provider: input.provider,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
    ip: input.ip,
    createdAt: nowIso(now),
    lastUsedAt: nowIso(now),
    expiresAt: nowIso(now + Math.min(input.maxAgeSeconds ?? SESSION_MAX_AGE_SECONDS, SESSION_MAX_AGE_SECONDS) * 1000),
    revokedAt: null,
    revokedReason: null,
    steppedUpAt: input.proven === false ? null : nowIso(now),
  };
  const refreshToken = REFRESH_PREFIX + randomToken(32);
  const refreshExpiresAt = nowIso(now + REFRESH_TOKEN_TTL_SECONDS * 1000);
  await db.batch([
    db.insert(sessions).values(session),
    db.insert(refreshTokens).values({
      tokenHash: await sha256Hex(refreshToken),
      sessionId: session.id,
      createdAt: nowIso(now),
      expiresAt: refreshExpiresAt,
    }),
  ]);
  return { session, refreshToken, refreshExpiresAt };
}

/** A rotated refresh token was presented again: the family has been revoked. */
export class RefreshTokenReuseError extends AppError {
  constructor(readonly sessionId: string) {
    super("E-AUTH-UNAUTH", "refresh token was already used; the session has been revoked");
  }
}

export type RotationResult = { session: SessionRow; user: UserRow; refreshToken: string; refreshExpiresAt: string };

/**
 * Exchanges a refresh token for its successor, atomically: the old token is marked
 * rotated and the new one inserted in one D1 transaction, and only if the old one
 * was unused, unexpired and its session live. Presenting a token that was already
 * rotated is reuse (it was stolen, or the thief already used it): the whole family is revoked.
 */
export async function rotateRefreshToken(db: Db, d1: D1Database, presented: string, now = Date.now()): Promise<RotationResult> {
  const oldHash = await sha256Hex(presented);
  const next = REFRESH_PREFIX + randomToken(32);
  const nextHash = await sha256Hex(next);
  const at = nowIso(now);
  const refreshExpiresAt = nowIso(now + REFRESH_TOKEN_TTL_SECONDS * 1000);

  const [marked] = await d1.batch<{ session_id: string }>([
    d1
      .prepare(
        `UPDATE refresh_tokens SET rotated_at = ?1, replaced_by = ?2
         WHERE token_hash = ?3 AND rotated_at IS NULL AND expires_at > ?1
           AND session_id IN (SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
                              WHERE s.revoked_at IS NULL AND s.expires_at > ?1 AND u.disabled_at IS NULL)
         RETURNING session_id`,
      )
      .bind(at, nextHash, oldHash),
    d1
      .prepare(
        `INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at)
         SELECT ?1, session_id, ?2, ?3 FROM refresh_tokens WHERE token_hash = ?4 AND replaced_by = ?1`,
      )
      .bind(nextHash, at, refreshExpiresAt, oldHash),
  ]);

  const sessionId = marked?.results[0]?.session_id;
  if (!sessionId) {
    const known = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, oldHash)).get();
    if (known?.rotatedAt) {
      await revokeSession(db, known.sessionId, "refresh_token_reuse", now);
      throw new RefreshTokenReuseError(known.sessionId);
    }
    throw unauthenticated("invalid or expired refresh token");
  }

  await db.update(sessions).set({ lastUsedAt: at }).where(eq(sessions.id, sessionId));
  const row = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sessionId))
    .get();
  if (!row) throw unauthenticated("session not found");
  return { ...row, refreshToken: next, refreshExpiresAt };
}

/**
 * Ends a session in D1, then in this location's cache, so its access tokens (and the proxy
 * tokens that name it) fail on the very next request here; elsewhere within ENTRY_TTL_SECONDS.
 */
export async function revokeSession(db: Db, sessionId: string, reason: string, now = Date.now()): Promise<boolean> {
  const res = await db
    .update(sessions)
    .set({ revokedAt: nowIso(now), revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  await forgetSessions(db, [sessionId]);
  return res.length > 0;
}

/** Ends every live session of a user, except `keep` (the caller's own, after a password change). */
export async function revokeUserSessions(db: Db, userId: string, reason: string, keep?: string, now = Date.now()): Promise<number> {
  const res = await db
    .update(sessions)
    .set({ revokedAt: nowIso(now), revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keep ? sql`${sessions.id} <> ${keep}` : undefined))
    .returning({ id: sessions.id });
  await forgetSessions(db, res.map((r) => r.id));
  return res.length;
}

/** The ids of a user's live sessions (to forget their copies after the user changed). */
export async function liveSessionIds(db: Db, userId: string, now = Date.now()): Promise<string[]> {
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, nowIso(now))))
    .all();
  return rows.map((r) => r.id);
}

/** The session and its user when the session is live and the user enabled; else undefined. */
export async function findLiveSession(db: Db, sessionId: string, now = Date.now()) {
  return db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt), gt(sessions.expiresAt, nowIso(now)), isNull(users.disabledAt)))
    .get();
}

export async function listLiveSessions(db: Db, filter: { userId?: string }, now = Date.now()) {
  return db
    .select({ session: sessions, user: { id: users.id, email: users.email } })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(isNull(sessions.revokedAt), gt(sessions.expiresAt, nowIso(now)), filter.userId ? eq(sessions.userId, filter.userId) : undefined))
    .orderBy(desc(sessions.lastUsedAt))
    .limit(500)
    .all();
}

/** Which session a refresh token belongs to, without using it (for logout). */
export async function sessionOfRefreshToken(db: Db, token: string): Promise<string | undefined> {
  const row = await db.select({ sessionId: refreshTokens.sessionId }).from(refreshTokens).where(eq(refreshTokens.tokenHash, await sha256Hex(token))).get();
  return row?.sessionId;
}
