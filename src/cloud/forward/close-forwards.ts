import type { Env } from "../../../core/env.ts";
import type { Db } from "../../../core/db/client.ts";
import { standingPrincipal } from "../../../core/auth/principal.ts";
import { findUserById } from "../../../core/users/users.ts";
import { accessTo } from "../../../core/instances/instance-access.ts";
import { instancesOwnedBy } from "../../../core/instances/instance-store.ts";
import { visibleInstances } from "../instances/visible-instances.ts";

/**
 * After a share changed: on each of the owner's instances where the grantee no longer holds
 * `proxy:`, their open TCP forwards close at once (a forward's socket was authorized when it
 * opened, so nothing else would end it). Forwards live only in each instance's object, so every
 * instance of the owner is asked; a share change is rare, and the objects without one answer at once.
 */
export async function closeRevokedForwards(env: Env, db: Db, ownerId: string, granteeId: string): Promise<void> {
  const grantee = await findUserById(db, granteeId);
  const owned = await instancesOwnedBy(db, ownerId);
  await Promise.all(
    owned.map(async (instance) => {
      const allowed = grantee && !grantee.disabledAt && (await accessTo(db, standingPrincipal(grantee), instance)).permissions.includes("proxy:cloud_instance");
      if (!allowed) await env.INSTANCE.get(env.INSTANCE.idFromName(instance.id)).closeForwardsOf(granteeId);
    }),
  );
}

/** Instances where a user may hold forwards (read before disabling or deleting them: what they could reach). */
export async function instancesForwardableBy(db: Db, userId: string): Promise<string[]> {
  const row = await findUserById(db, userId);
  if (!row) return [];
  const { passwordHash: _, ...user } = row;
  return (await visibleInstances(db, standingPrincipal(user))).filter((a) => a.permissions.includes("proxy:cloud_instance")).map((a) => a.instance.id);
}

/** A user was disabled or deleted: their forwards close on every instance they could reach. */
export async function closeForwardsOn(env: Env, instanceIds: string[], userId: string): Promise<void> {
  await Promise.all(instanceIds.map((id) => env.INSTANCE.get(env.INSTANCE.idFromName(id)).closeForwardsOf(userId)));
}
