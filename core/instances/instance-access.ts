import { shareableActions, type Action } from "@anchorage/common";
import type { Db } from "../db/client.ts";
import type { InstanceRow } from "../db/schema.ts";
import type { Principal } from "../auth/principal.ts";
import { permit } from "../auth/permit.ts";
import { forbidden, notFound } from "../app-error.ts";
import { grantsFrom } from "../shares/share-store.ts";
import { findInstance } from "./instance-store.ts";

/** What deciding access needs of an instance: whose it is. A full row, or the proxy's route (proxy-route-copy.ts). */
export type InstanceOwned = Pick<InstanceRow, "id" | "ownerId">;

export type InstanceAccess<I extends InstanceOwned = InstanceRow> = { instance: I; permissions: Action[]; relation: "owner" | "shared" | "admin" };

const instanceActions: Action[] = [...shareableActions, "manage:cloud_instance"];

/** Every action the principal may take on the instance (what the dashboard enables). */
export async function accessTo<I extends InstanceOwned>(db: Db, principal: Principal, instance: I): Promise<InstanceAccess<I>> {
  const grants =
    instance.ownerId === principal.userId ? [] : principal.grantsFrom ? await principal.grantsFrom(instance.ownerId) : await grantsFrom(db, instance.ownerId, principal.userId, instance.id);
  const resource = { type: "instance" as const, instanceId: instance.id, ownerId: instance.ownerId, grants };
  return {
    instance,
    permissions: instanceActions.filter((a) => permit(principal, a, resource)),
    relation: instance.ownerId === principal.userId ? "owner" : principal.user.roles.includes("admin") ? "admin" : "shared",
  };
}

/**
 * Loads an instance for an action. Someone who may not even see it gets 404, as if
 * it did not exist, so instance ids do not leak across tenants; someone who may see
 * it but not do this gets 403.
 */
export async function requireInstance(db: Db, principal: Principal, id: string, action: Action): Promise<InstanceAccess> {
  const instance = await findInstance(db, id);
  if (!instance) throw notFound("instance");
  return requireAccess(db, principal, instance, action);
}

/** requireInstance for an instance row the caller has just read (the proxy, by its slug): the same refusals, no second read. */
export async function requireAccess<I extends InstanceOwned>(db: Db, principal: Principal, instance: I, action: Action): Promise<InstanceAccess<I>> {
  const access = await accessTo(db, principal, instance);
  if (!access.permissions.includes("read:cloud_instance")) throw notFound("instance");
  if (!access.permissions.includes(action)) throw forbidden(`not allowed to ${action} on this instance`);
  return access;
}
