import type { Action, Resource, ShareGrant } from "@anchorage/common";
import { forbidden } from "../http/app-error.ts";
import type { Principal } from "./principal.ts";

/** Actions a user may take on their own account. */
const SELF_ACTIONS: ReadonlySet<Action> = new Set(["read:account", "update:account"]);

/** A grant applies while enabled, unexpired, and on this instance (or on all of the owner's). */
function grantAllows(grant: ShareGrant, instanceId: string, action: Action, now: number): boolean {
  if (!grant.enabled) return false;
  if (grant.expiresAt !== null && Date.parse(grant.expiresAt) <= now) return false;
  if (grant.instanceId !== null && grant.instanceId !== instanceId) return false;
  return grant.permissions.includes(action);
}

function decide(principal: Principal | null, action: Action, resource: Resource, now: number): boolean {
  if (!principal) return false;
  if (principal.user.disabledAt !== null) return false;
  // Roles come from the user row read on this request, not from the token, so a demotion takes effect at once.
  if (principal.user.roles.includes("admin")) return true;
  if (resource.type === "account" && resource.ownerId === principal.userId) return SELF_ACTIONS.has(action);
  if (resource.type === "instance") {
    if (!action.endsWith(":cloud_instance")) return false;
    if (resource.ownerId === principal.userId) return true;
    if (action === "manage:cloud_instance") return false; // never shareable
    // Grants must be the principal's own, from this instance's owner: the caller loads them so.
    return resource.grants.some((g) => grantAllows(g, resource.instanceId, action, now));
  }
  return false;
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
