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

/** Every share a user has received, with the owner's email, for listing "shared with me". */
export async function sharesReceived(db: Db, granteeId: string) {
  return db
    .select({ share: cloudShares, ownerEmail: users.email })
    .from(cloudShares)
    .innerJoin(users, eq(users.id, cloudShares.ownerId))
    .where(eq(cloudShares.granteeId, granteeId))
    .orderBy(desc(cloudShares.createdAt))
    .all();
}

export async function sharesGiven(db: Db, ownerId: string) {
  return db
    .select({ share: cloudShares, granteeEmail: users.email })
    .from(cloudShares)
    .innerJoin(users, eq(users.id, cloudShares.granteeId))
    .where(eq(cloudShares.ownerId, ownerId))
    .orderBy(desc(cloudShares.createdAt))
    .all();
}

/** Instances a share of this row reaches right now (one, or all the owner's). */
export async function instancesOfShare(db: Db, share: ShareRow): Promise<string[]> {
  if (share.instanceId) return [share.instanceId];
  const rows = await db.select({ id: instances.id }).from(instances).where(eq(instances.ownerId, share.ownerId)).all();
  return rows.map((r) => r.id);
}
