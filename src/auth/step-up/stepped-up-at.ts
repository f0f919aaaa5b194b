import { and, eq, isNull } from "drizzle-orm";
import { STEP_UP_MAX_AGE_SECONDS } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import { sessions } from "../../../core/db/schema.ts";
import { nowIso } from "../../../core/ids.ts";

/**
 * When the session last proved who it is, read from D1 itself and not through the principal's
 * copies (src/auth/principal-cache): the actions that ask are rare, and a step-up made a moment
 * ago in another location must count on the very next request.
 */
export async function readSteppedUpAt(db: Db, sessionId: string, userId: string): Promise<string | null> {
  const row = await db
    .select({ at: sessions.steppedUpAt })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .get();
  return row?.at ?? null;
}

/** True while a proof made at `at` still counts (STEP_UP_MAX_AGE_SECONDS). A clock set back does not stretch it: a proof from the future does not count. */
export function isFresh(at: string | null, now = Date.now()): boolean {
  if (!at) return false;
  const age = now - Date.parse(at);
  return age >= -5_000 && age <= STEP_UP_MAX_AGE_SECONDS * 1000;
}

export const freshUntil = (at: string) => nowIso(Date.parse(at) + STEP_UP_MAX_AGE_SECONDS * 1000);

/** Records a proof for this live session of this user; false when the session is gone. */
export async function recordStepUp(db: Db, sessionId: string, userId: string, now = Date.now()): Promise<string | null> {
  const at = nowIso(now);
  const [row] = await db
    .update(sessions)
    .set({ steppedUpAt: at })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return row ? at : null;
}
