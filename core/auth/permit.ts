import { scopesCover, scopeTargetOf, type Action, type Resource, type ShareGrant } from "@anchorage/common";
import { forbidden } from "../app-error.ts";
import type { Principal } from "./principal.ts";

/** Actions a user may take on their own account. */
const SELF_ACTIONS: ReadonlySet<Action> = new Set(["read:account", "update:account", "anchor:cloud_instance", "read:cloud_shares", "write:cloud_shares"]);
const DATA_ACTIONS: ReadonlySet<Action> = new Set(["read:data", "write:data"]);
const REGISTRY_ACTIONS: ReadonlySet<Action> = new Set(["pull:registry", "push:registry"]);

/** A grant applies while enabled, unexpired, and on this instance (or on all of the owner's). */
function grantAllows(grant: ShareGrant, instanceId: string, action: Action, now: number): boolean {
  if (!grant.enabled) return false;
  if (grant.expiresAt !== null && Date.parse(grant.expiresAt) <= now) return false;
  if (grant.instanceId !== null && grant.instanceId !== instanceId) return false;
  return grant.permissions.includes(action);
}

/** What the user behind the principal may do, as a person. */
function userMay(principal: Principal, action: Action, resource: Resource, now: number): boolean {
  if (principal.user.disabledAt !== null) return false;
  // Roles come from the user row read on this request, not from the token, so a demotion takes effect at once.
  if (principal.user.roles.includes("admin")) return true;
  switch (resource.type) {
    case "account":
      return resource.ownerId === principal.userId && SELF_ACTIONS.has(action);
    case "instance":
      if (!action.endsWith(":cloud_instance")) return false;
      if (resource.ownerId === principal.userId) return true;
      if (action === "manage:cloud_instance") return false; // never shareable
      // Grants must be the principal's own, from this instance's owner: the caller loads them so.
      return resource.grants.some((g) => grantAllows(g, resource.instanceId, action, now));
    case "data":
      return resource.ownerId === principal.userId && DATA_ACTIONS.has(action);
    case "registry":
      return resource.ownerId === principal.userId && REGISTRY_ACTIONS.has(action);
    default:
      return false;
  }
}

function decide(principal: Principal | null, action: Action, resource: Resource, now: number): boolean {
  if (!principal) return false;
  // A token holds at most what its user holds, and within that only what its scopes name:
  // both must allow. Nothing a scope cannot name (accounts, administration) is a token's.
  if (principal.kind === "token") {
    const target = scopeTargetOf(action, resource);
    if (!target || !scopesCover(principal.scopes, target)) return false;
  }
  return userMay(principal, action, resource, now);
}

/**
 * The one decision for every access (DESIGN.md, Permissions). It fails closed:
 * a policy that throws denies.
 */
export function permit(principal: Principal | null, action: Action, resource: Resource, now = Date.now()): boolean {
  try {
    return decide(principal, action, resource, now) === true;
  } catch {
    return false;
  }
}

export function assertPermit(principal: Principal | null, action: Action, resource: Resource): void {
  if (!permit(principal, action, resource)) throw forbidden(`not allowed to ${action}`);
}
