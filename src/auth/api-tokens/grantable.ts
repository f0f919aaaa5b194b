import { parseScopePath, type Action, type ScopeGrant } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import type { PrincipalUser } from "../../../core/auth/principal.ts";
import { AppError } from "../../../core/app-error.ts";
import { grantsFrom } from "../../../core/shares/share-store.ts";
import { findInstance } from "../../../core/instances/instance-store.ts";
import { findUserById } from "../../../core/users/users.ts";
import { permit } from "../../../core/auth/permit.ts";
import { standingPrincipal } from "../../../core/auth/principal.ts";

const SHAREABLE_VERB: Record<string, Action> = {
  read: "read:cloud_instance",
  command: "command:cloud_instance",
  terminal: "terminal:cloud_instance",
  git: "git:cloud_instance",
  sync: "sync:cloud_instance",
  proxy: "proxy:cloud_instance",
};

/**
 * Why `creator` may not put this grant on a token, or null. Anything of one's own is grantable;
 * an admin may grant on anyone's; others only what a live share gives them on another's
 * instances (and permit() checks the creator's rights again on every use, so a token loses what
 * its creator loses).
 */
async function whyNot(db: Db, creator: PrincipalUser, grant: ScopeGrant): Promise<string | null> {
  const path = parseScopePath(grant.scope);
  if (typeof path === "string") return path;
  if (path.userId === creator.id) return null;
  const other = await findUserById(db, path.userId);
  if (!other) return `no user ${path.userId}`;
  if (creator.roles.includes("admin")) return null;
  if (path.root !== "cloud" || path.resource !== "instances") {
    return `you hold no ${path.root}${path.resource ? `.${path.resource}` : ""} rights of ${path.userId}: only their instances can be shared with you`;
  }
  const standing = standingPrincipal(creator);
  if (path.id !== undefined) {
    const instance = await findInstance(db, path.id);
    if (!instance || instance.ownerId !== path.userId) return `${path.userId} has no instance ${path.id}`;
  }
  const grants = await grantsFrom(db, path.userId, creator.id, path.id);
  // Without an id the token would cover all their instances: only a share of all of them gives that.
  const resource = { type: "instance" as const, instanceId: path.id ?? "*", ownerId: path.userId, grants: path.id ? grants : grants.filter((g) => g.instanceId === null) };
  const missing = grant.actions.filter((verb) => {
    const action = SHAREABLE_VERB[verb];
    return !action || !permit(standing, action, resource);
  });
  return missing.length ? `your shares from ${path.userId} do not give ${missing.join(", ")} on ${grant.scope}` : null;
}

/** Refuses, with every reason and the grant it concerns, scopes beyond what their creator holds. */
export async function assertGrantable(db: Db, creator: PrincipalUser, grants: ScopeGrant[], field = "scopes"): Promise<void> {
  const problems: { path: string; message: string }[] = [];
  for (const [i, grant] of grants.entries()) {
    const why = await whyNot(db, creator, grant);
    if (why) problems.push({ path: `${field}.${i}.scope`, message: why });
  }
  if (problems.length) throw new AppError("E-AUTH-FORBID", `a token cannot hold more than you do: ${problems.map((p) => p.message).join("; ")}`, { fields: problems });
}
