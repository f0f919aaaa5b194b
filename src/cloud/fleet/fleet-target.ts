import type { Action, FleetTarget } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import type { Principal } from "../../../core/auth/principal.ts";
import { AppError } from "../../../core/app-error.ts";
import { accessTo, type InstanceAccess } from "../../../core/instances/instance-access.ts";
import { instancesByIds } from "../../../core/instances/instance-store.ts";
import { instanceIdsTagged } from "../../../core/instances/instance-tags.ts";
import { visibleInstances } from "../instances/visible-instances.ts";

/** An instance a target names that the caller may not act on: reported, never run. */
export type RefusedMember = { instanceId: string; name: string | null; reason: string };

export type ResolvedTarget = { members: InstanceAccess[]; refused: RefusedMember[] };

/**
 * The instances a target covers, each checked with permit() as a single request would be: a tag
 * means every instance the caller can see that carries it; a list names instances, and one the
 * caller cannot see is reported as not found (as a single request's 404 would). A target that
 * matches nothing is a 400 naming the field.
 */
export async function resolveTarget(db: Db, principal: Principal, target: FleetTarget, action: Action, field = "target"): Promise<ResolvedTarget> {
  const candidates = "tag" in target ? await tagged(db, principal, target.tag) : await listed(db, principal, target.instanceIds);
  const members: InstanceAccess[] = [];
  const refused: RefusedMember[] = [...candidates.missing.map((id) => ({ instanceId: id, name: null, reason: "instance not found" }))];
  for (const a of candidates.found) {
    if (a.permissions.includes(action)) members.push(a);
    else refused.push({ instanceId: a.instance.id, name: a.instance.name, reason: `not allowed to ${action} on this instance` });
  }
  if (members.length === 0 && refused.length === 0) {
    throw new AppError("E-VALIDATION", `${field} matches no instance`, { fields: [{ path: "tag" in target ? `${field}.tag` : `${field}.instanceIds`, message: "matches no instance" }] });
  }
  return { members, refused };
}

async function tagged(db: Db, principal: Principal, tag: string) {
  const ids = await instanceIdsTagged(db, tag);
  if (ids.size === 0) return { found: [], missing: [] };
  const visible = await visibleInstances(db, principal);
  return { found: visible.filter((a) => ids.has(a.instance.id)), missing: [] as string[] };
}

async function listed(db: Db, principal: Principal, instanceIds: string[]) {
  const unique = [...new Set(instanceIds)];
  const rows = [];
  for (let i = 0; i < unique.length; i += 90) rows.push(...(await instancesByIds(db, unique.slice(i, i + 90))));
  const accesses = await Promise.all(rows.map((r) => accessTo(db, principal, r)));
  const found = accesses.filter((a) => a.permissions.includes("read:cloud_instance"));
  const seen = new Set(found.map((a) => a.instance.id));
  return { found, missing: unique.filter((id) => !seen.has(id)) };
}
