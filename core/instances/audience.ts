import { and, eq, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { cloudShares, teamMembers, teamShares, users } from "../db/schema.ts";
import { nowIso } from "../ids.ts";

/**
 * The users who may see an instance right now, so who get its live events: the owner,
 * every enabled admin, and every grantee of a live share with read permission (a team's
 * members for a share given to their team).
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
  const teamGrantees = await db
    .select({ id: teamMembers.userId })
    .from(teamShares)
    .innerJoin(teamMembers, eq(teamMembers.teamId, teamShares.teamId))
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(
      and(
        eq(teamShares.ownerId, instance.ownerId),
        eq(teamShares.enabled, true),
        isNull(users.disabledAt),
        or(isNull(teamShares.instanceId), eq(teamShares.instanceId, instance.id)),
        or(isNull(teamShares.expiresAt), sql`${teamShares.expiresAt} > ${nowIso(now)}`),
        sql`exists (select 1 from json_each(${teamShares.permissions}) where value = 'read:cloud_instance')`,
      ),
    )
    .all();
  return [...new Set([instance.ownerId, ...admins.map((a) => a.id), ...grantees.map((g) => g.id), ...teamGrantees.map((g) => g.id)])];
}
