import type { Context } from "hono";
import type { Db } from "../../../core/db/client.ts";
import type { AppEnv } from "../../http/app-env.ts";
import { findLiveSession } from "../session/session-store.ts";
import type { PrincipalUser } from "../../../core/auth/principal.ts";
import { afterResponse, keepCopy } from "./keep-copy.ts";
import { sessionKey } from "./forget.ts";
import { ENTRY_TTL_SECONDS, readEntry } from "./location-cache.ts";

/**
 * What a request needs to know about a session beyond its token's signature: that it is live,
 * whose it is, and that user as D1 has them now (roles, name, disabled or not). Never the password
 * hash, which stays in D1.
 */
export type SessionSnapshot =
  | { live: true; sessionId: string; userId: string; provider: string; expiresAt: string; user: PrincipalUser }
  | { live: false };

/** The session as D1 has it now: live (unrevoked, unexpired, its user enabled) or not. */
export async function readSessionSnapshot(db: Db, sessionId: string): Promise<SessionSnapshot> {
  const found = await findLiveSession(db, sessionId);
  if (!found) return { live: false };
  const { passwordHash: _, ...user } = found.user;
  return { live: true, sessionId: found.session.id, userId: found.session.userId, provider: found.session.provider, expiresAt: found.session.expiresAt, user };
}

/**
 * The live session `sessionId`, or null. Read from this location's cache while its copy is fresh
 * (no D1 call: the steady state), else from D1, whose answer is then kept here after the response.
 * A copy past half its life is served and refreshed in the background, so a busy session never
 * waits for D1. A dead session is remembered too: it never comes back to life.
 */
export async function liveSession(c: Context<AppEnv>, sessionId: string) {
  const db = c.get("db");
  const key = sessionKey(sessionId);
  const now = Date.now();
  const cached = await readEntry<SessionSnapshot>(key, now, c.get("callCounts"));
  let snapshot: SessionSnapshot;
  if (cached) {
    snapshot = cached.value;
    if (now - cached.readAt > (ENTRY_TTL_SECONDS * 1000) / 2) afterResponse(c, refresh(db, sessionId));
  } else {
    snapshot = await readSessionSnapshot(db, sessionId);
    afterResponse(c, keepCopy(key, { value: snapshot, readAt: now }, () => readSessionSnapshot(db, sessionId)));
  }
  // The expiry is checked on every use: a copy can be fresher than its session.
  if (!snapshot.live || Date.parse(snapshot.expiresAt) <= now) return null;
  return snapshot;
}

async function refresh(db: Db, sessionId: string) {
  const readAt = Date.now();
  const snapshot = await readSessionSnapshot(db, sessionId);
  await keepCopy(sessionKey(sessionId), { value: snapshot, readAt }, () => readSessionSnapshot(db, sessionId));
}
