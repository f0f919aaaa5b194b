import type { Env } from "../../../core/env.ts";
import type { Db } from "../../../core/db/client.ts";
import { standingPrincipal } from "../../../core/auth/principal.ts";
import { findUserById } from "../../../core/users/users.ts";
import { accessTo } from "../../../core/instances/instance-access.ts";
import { findInstance } from "../../../core/instances/instance-store.ts";
import { liveParticipationsOf, liveSessionsOf, liveSessionsOfUser } from "../../../core/terminal/terminal-store.ts";

/**
 * After a share changed: every open terminal the grantee holds on the owner's instances is
 * checked again through permit(), and those no longer allowed are closed at once (their
 * sockets authorized the access when they opened, so nothing else would end them).
 */
export async function closeRevokedTerminals(env: Env, db: Db, ownerId: string, granteeId: string): Promise<number> {
  // Their own shells, and the ones they were invited into.
  const live = [...(await liveSessionsOf(db, ownerId, granteeId)), ...(await liveParticipationsOf(db, ownerId, granteeId))];
  if (!live.length) return 0;
  const grantee = await findUserById(db, granteeId);
  const instanceIds = [...new Set(live.map((s) => s.instanceId))];
  let closed = 0;
  for (const instanceId of instanceIds) {
    const instance = await findInstance(db, instanceId);
    const allowed = grantee && instance && (await accessTo(db, standingPrincipal(grantee), instance)).permissions.includes("terminal:cloud_instance");
    if (allowed) continue;
    await env.INSTANCE.get(env.INSTANCE.idFromName(instanceId)).closeTerminalsOf(granteeId);
    closed++;
  }
  return closed;
}

/** Instances where a user holds open terminals (read before deleting the user: the rows go with them). */
export async function instancesWithTerminalsOf(db: Db, userId: string): Promise<string[]> {
  return [...new Set((await liveSessionsOfUser(db, userId)).map((s) => s.instanceId))];
}

/** A user was disabled or deleted: every terminal they held on these instances closes now. */
export async function closeTerminalsOn(env: Env, instanceIds: string[], userId: string): Promise<void> {
  await Promise.all(instanceIds.map((id) => env.INSTANCE.get(env.INSTANCE.idFromName(id)).closeTerminalsOf(userId)));
}
