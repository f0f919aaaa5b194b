import type { Db } from "../../../core/db/client.ts";
import { instances } from "../../../core/db/schema.ts";
import type { Principal } from "../../../core/auth/principal.ts";
import { sharesOf, teamSharesReceived } from "../../../core/shares/share-store.ts";
import { accessTo, type InstanceAccess } from "../../../core/instances/instance-access.ts";
import { instancesByIds, instancesOwnedBy } from "../../../core/instances/instance-store.ts";

/** Instances the principal may see: owned, shared with them (live shares only), or all for an admin. */
export async function visibleInstances(db: Db, principal: Principal): Promise<InstanceAccess[]> {
  if (principal.user.roles.includes("admin")) {
    const all = await db.select().from(instances).all();
    // An admin's API token still sees only what its scopes cover.
    return (await Promise.all(all.map((i) => accessTo(db, principal, i)))).filter((a) => a.permissions.includes("read:cloud_instance"));
  }
  const owned = await instancesOwnedBy(db, principal.userId);
  const received = [...(await sharesOf(db, principal.userId, "received")), ...(await teamSharesReceived(db, principal.userId))];
  const ids = new Set<string>();
  for (const { share } of received) {
    if (share.instanceId) ids.add(share.instanceId);
    else for (const i of await instancesOwnedBy(db, share.ownerId)) ids.add(i.id);
  }
  const shared = await instancesByIds(db, [...ids].filter((id) => !owned.some((o) => o.id === id)));
  const all = await Promise.all([...owned, ...shared].map((i) => accessTo(db, principal, i)));
  // A share that expired or lacks read: the instance is not visible.
  return all.filter((a) => a.permissions.includes("read:cloud_instance"));
}
