import type { Action, Resource } from "@anchorage/common";
import { forbidden } from "../http/app-error.ts";
import type { Principal } from "./principal.ts";

/** Actions a user may take on their own account. */
const SELF_ACTIONS: ReadonlySet<Action> = new Set(["read:account", "update:account"]);

function decide(principal: Principal | null, action: Action, resource: Resource): boolean {
  if (!principal) return false;
  if (principal.user.disabledAt !== null) return false;
  // Roles come from the user row read on this request, not from the token, so a demotion takes effect at once.
  if (principal.user.roles.includes("admin")) return true;
  if (resource.type === "account" && resource.ownerId === principal.userId) return SELF_ACTIONS.has(action);
  return false;
}

/**
 * The one decision for every access (DESIGN.md, Permissions). It fails closed:
 * a policy that throws denies.
 */
export function permit(principal: Principal | null, action: Action, resource: Resource): boolean {
  try {
    return decide(principal, action, resource) === true;
  } catch {
    return false;
  }
}

export function assertPermit(principal: Principal | null, action: Action, resource: Resource): void {
  if (!permit(principal, action, resource)) throw forbidden(`not allowed to ${action}`);
}
