import { scopesCover } from "@anchorage/common";
import type { Principal } from "../../../core/auth/principal.ts";
import { forbidden } from "../../../core/app-error.ts";

/**
 * Who may keep a script library: a signed-in person, for their own scripts; an API token only when
 * its scopes let it command every one of its user's instances (`cloud.<user>.instances` with
 * `command`), since a script exists to be run there and may hold what a narrower token should not read.
 */
export function requireScriptAccess(p: Principal): void {
  if (p.user.disabledAt !== null) throw forbidden("this account is disabled");
  if (p.kind === "token" && !scopesCover(p.scopes, { root: "cloud", userId: p.userId, resource: "instances", verb: "command" })) {
    throw forbidden(`an API token needs cloud.${p.userId}.instances with "command" to use the script library`);
  }
}
