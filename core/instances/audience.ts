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
    .where(and(isNull(users.disabledAt), liveReadShare(cloudShares, instance, now)))
    .all();
  const teamGrantees = await db
    .select({ id: teamMembers.userId })
    .from(teamShares)
    .innerJoin(teamMembers, eq(teamMembers.teamId, teamShares.teamId))
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(and(isNull(users.disabledAt), liveReadShare(teamShares, instance, now)))
    .all();
  return [...new Set([instance.ownerId, ...admins.map((a) => a.id), ...grantees.map((g) => g.id), ...teamGrantees.map((g) => g.id)])];
}

/** A share (to a person or to a team) of this instance that is enabled, unexpired and lets its holder read it. */
function liveReadShare(t: typeof cloudShares | typeof teamShares, instance: { id: string; ownerId: string }, now: number) {
  return and(
    eq(t.ownerId, instance.ownerId),
    eq(t.enabled, true),
    or(isNull(t.instanceId), eq(t.instanceId, instance.id)),
    or(isNull(t.expiresAt), sql`${t.expiresAt} > ${nowIso(now)}`),
    sql`exists (select 1 from json_each(${t.permissions}) where value = 'read:cloud_instance')`,
  );
}
