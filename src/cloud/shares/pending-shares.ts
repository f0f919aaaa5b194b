import { and, eq } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { pendingShares, type UserRow } from "../../../core/db/schema.ts";

/** The owner's pending share with this id, if any. */
export const findPendingShare = (db: Db, ownerId: string, id: string) =>
  db.select().from(pendingShares).where(and(eq(pendingShares.id, id), eq(pendingShares.ownerId, ownerId))).get();

/**
 * Turns every share offered to this user's email before they had an account into a real share
 * (same id, same terms). Called when a session starts, so it runs once someone has proven they
 * hold the account. One D1 batch (a transaction): a share is moved exactly once even when two
 * sign-ins race, since the copy ignores an id already moved and the delete follows it. Answers the
 * owners whose shares it moved (the copies of this user's grants from them are to be forgotten).
 */
export async function claimPendingShares(d1: D1Database, user: Pick<UserRow, "id" | "emailNormalized" | "disabledAt">): Promise<string[]> {
  if (user.disabledAt) return [];
  const [moved] = await d1.batch<{ owner_id: string }>([
    d1
      .prepare(
        `INSERT OR IGNORE INTO cloud_shares (id, owner_id, grantee_id, instance_id, permissions, enabled, expires_at, created_at, updated_at)
         SELECT id, owner_id, ?1, instance_id, permissions, enabled, expires_at, created_at, updated_at
         FROM pending_shares WHERE grantee_email_normalized = ?2 AND owner_id <> ?1
         RETURNING owner_id`,
      )
      .bind(user.id, user.emailNormalized),
    d1.prepare(`DELETE FROM pending_shares WHERE grantee_email_normalized = ?1`).bind(user.emailNormalized),
  ]);
  return [...new Set((moved?.results ?? []).map((r) => r.owner_id))];
}
