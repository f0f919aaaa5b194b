import type { Context } from "hono";
import type { Db } from "../../../core/db/client.ts";
import type { AppEnv } from "../../http/app-env.ts";
import { findLiveSession } from "../session/session-store.ts";
import type { PrincipalUser } from "../../../core/auth/principal.ts";
import { sessionKey } from "./forget.ts";
import { readThrough } from "./read-through.ts";

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
 * The live session `sessionId`, or null. From this isolate's or this location's copy while it is
 * fresh (no D1 call: the steady state), else from D1, whose answer is then copied
 * (read-through.ts). A dead session is copied too: it never comes back to life.
 */
export async function liveSession(c: Context<AppEnv>, sessionId: string) {
  const db = c.get("db");
  const snapshot = await readThrough<SessionSnapshot>(c, { key: sessionKey(sessionId), load: () => readSessionSnapshot(db, sessionId), keep: () => true });
  // The expiry is checked on every use: a copy can outlive its session.
  if (!snapshot.live || Date.parse(snapshot.expiresAt) <= Date.now()) return null;
  return snapshot;
}
