import { and, desc, eq, isNull, or } from "drizzle-orm";
import type { ShareGrant } from "@anchorage/common";
import type { Db } from "../../db/client.ts";
import { cloudShares, instances, users, type ShareRow } from "../../db/schema.ts";

export const toGrant = (s: ShareRow): ShareGrant => ({
  instanceId: s.instanceId,
  permissions: s.permissions,
  enabled: s.enabled,
  expiresAt: s.expiresAt,
});

/** The grants `granteeId` holds from `ownerId` (for one instance or all); permit() judges them. */
export async function grantsFrom(db: Db, ownerId: string, granteeId: string, instanceId?: string): Promise<ShareGrant[]> {
  const rows = await db
    .select()
    .from(cloudShares)
    .where(
      and(
        eq(cloudShares.ownerId, ownerId),
        eq(cloudShares.granteeId, granteeId),
        instanceId ? or(isNull(cloudShares.instanceId), eq(cloudShares.instanceId, instanceId)) : undefined,
      ),
    )
    .all();
  return rows.map(toGrant);
}

/**
 * A user's shares, newest first, each with the other party's email: those they received
 * (with the owner's email) or those they gave (with the grantee's).
 */
export async function sharesOf(db: Db, userId: string, side: "received" | "given") {
  const [mine, theirs] = side === "received" ? [cloudShares.granteeId, cloudShares.ownerId] : [cloudShares.ownerId, cloudShares.granteeId];
  return db
    .select({ share: cloudShares, otherEmail: users.email })
    .from(cloudShares)
    .innerJoin(users, eq(users.id, theirs))
    .where(eq(mine, userId))
    .orderBy(desc(cloudShares.createdAt))
    .all();
}

/** Instances a share of this row reaches right now (one, or all the owner's). */
export async function instancesOfShare(db: Db, share: ShareRow): Promise<string[]> {
  if (share.instanceId) return [share.instanceId];
  const rows = await db.select({ id: instances.id }).from(instances).where(eq(instances.ownerId, share.ownerId)).all();
  return rows.map((r) => r.id);
}
