import { desc } from "drizzle-orm";
import type { Db } from "../../core/db/client.ts";
import { invites } from "../../core/db/schema.ts";
import { nowIso, randomToken, sha256Hex } from "../../core/ids.ts";
import { normalizeEmail } from "../../core/users/users.ts";

export async function createInvite(db: Db, input: { createdBy: string; email?: string; expiresInHours: number }, now = Date.now()) {
  const code = "inv_" + randomToken(18);
  const row = {
    codeHash: await sha256Hex(code),
    email: input.email ? normalizeEmail(input.email) : null,
    createdBy: input.createdBy,
    createdAt: nowIso(now),
    expiresAt: nowIso(now + input.expiresInHours * 3600_000),
  };
  await db.insert(invites).values(row);
  return { code, email: row.email, expires_at: row.expiresAt };
}

export async function listInvites(db: Db) {
  const rows = await db.select().from(invites).orderBy(desc(invites.createdAt)).limit(200).all();
  return rows.map((r) => ({
    id: r.codeHash.slice(0, 12),
    email: r.email,
    created_by: r.createdBy,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    used_at: r.usedAt,
  }));
}

/**
 * The statement that consumes an invite for `userId`: single-use because it only
 * matches an unused, unexpired code (for the right email), and it runs in the same
 * D1 transaction as the user insert, so a failed registration leaves the invite unused.
 */
export async function consumeInviteStatement(d1: D1Database, code: string, email: string, userId: string, now = Date.now()) {
  return d1
    .prepare(
      `UPDATE invites SET used_at = ?1, used_by = ?2
       WHERE code_hash = ?3 AND used_at IS NULL AND expires_at > ?1 AND (email_normalized IS NULL OR email_normalized = ?4)`,
    )
    .bind(nowIso(now), userId, await sha256Hex(code), normalizeEmail(email));
}
