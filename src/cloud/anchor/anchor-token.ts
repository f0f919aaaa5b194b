import { and, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { anchorTokens } from "../../../core/db/schema.ts";
import { nowIso, randomToken, sha256Hex } from "../../../core/ids.ts";

/** An anchor token lets one agent register one instance for a user, within 10 minutes. */
export const ANCHOR_TOKEN_TTL_SECONDS = 600;

export async function issueAnchorToken(db: Db, userId: string, createdBy: string, now = Date.now()): Promise<string> {
  const token = "ant_" + randomToken(24);
  await db.insert(anchorTokens).values({
    tokenHash: await sha256Hex(token),
    userId,
    createdBy,
    createdAt: nowIso(now),
    expiresAt: nowIso(now + ANCHOR_TOKEN_TTL_SECONDS * 1000),
  });
  return token;
}

/** Single use: marks the token used as it reads it; returns the user it was for, or null. */
export async function consumeAnchorToken(db: Db, token: string, now = Date.now()): Promise<string | null> {
  const [row] = await db
    .update(anchorTokens)
    .set({ usedAt: nowIso(now) })
    .where(and(eq(anchorTokens.tokenHash, await sha256Hex(token)), isNull(anchorTokens.usedAt), gt(anchorTokens.expiresAt, nowIso(now))))
    .returning({ userId: anchorTokens.userId });
  return row?.userId ?? null;
}
