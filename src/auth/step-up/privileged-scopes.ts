import { parseScopePath, type ScopeGrant } from "@anchorage/common";
import type { PrincipalUser } from "../../../core/auth/principal.ts";

/**
 * Verbs whose grant to a token is a takeover in waiting: running commands or a terminal on a
 * machine (code execution), and `manage` (delete or disconnect instances, which a person does
 * only after a step-up). Reading, git, sync, proxy and anchoring are not on this list.
 */
export const STEP_UP_VERBS: readonly string[] = ["command", "terminal", "manage"];

/**
 * True when creating a token (or a service account, or its key) with these grants needs a
 * step-up: a grant names a STEP_UP_VERBS verb, or an admin grants on another user's resources
 * (which only the admin role allows: an admin scope).
 */
export function scopesNeedStepUp(grants: readonly ScopeGrant[], creator: PrincipalUser): boolean {
  return grants.some((g) => {
    if (g.actions.some((a) => STEP_UP_VERBS.includes(a))) return true;
    const path = parseScopePath(g.scope);
    return typeof path !== "string" && path.userId !== creator.id && creator.roles.includes("admin");
  });
}
