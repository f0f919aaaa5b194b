import { and, eq, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { cloudShares, users } from "../db/schema.ts";
import { nowIso } from "../ids.ts";

/**
 * The users who may see an instance right now, so who get its live events: the owner,
 * every enabled admin, and every grantee of a live share with read permission.
 * Read from D1 on each fan-out, so a revoked or expired share stops events at once.
 */
export async function instanceAudience(db: Db, instance: { id: string; ownerId: string }, now = Date.now()): Promise<string[]> {
  const admins = await db
    .select({ id: users.id })
    .from(users)
    .where(and(isNull(users.disabledAt), sql`exists (select 1 from json_each(${users.roles}) where value = 'admin')`))
    .all();
  const grantees = await db
    .select({ id: cloudShares.granteeId })
    .from(cloudShares)
    .innerJoin(users, eq(users.id, cloudShares.granteeId))
    .where(
      and(
        eq(cloudShares.ownerId, instance.ownerId),
        eq(cloudShares.enabled, true),
        isNull(users.disabledAt),
        or(isNull(cloudShares.instanceId), eq(cloudShares.instanceId, instance.id)),
        or(isNull(cloudShares.expiresAt), sql`${cloudShares.expiresAt} > ${nowIso(now)}`),
        sql`exists (select 1 from json_each(${cloudShares.permissions}) where value = 'read:cloud_instance')`,
      ),
    )
    .all();
  return [...new Set([instance.ownerId, ...admins.map((a) => a.id), ...grantees.map((g) => g.id)])];
}
