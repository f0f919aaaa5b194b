import type { ScopeGrant } from "@anchorage/common";
import type { Db } from "../../core/db/client.ts";
import { sharesOf } from "../../core/shares/share-store.ts";
import { MCP_OAUTH_SCOPES, type McpOAuthScope } from "./oauth-scopes.ts";

/**
 * The API-token scopes an approved MCP grant gets: the chosen verbs on all of the user's own
 * instances, and on what others share with them now, as far as each share allows (the token is
 * held to the shares again on every use, so a share revoked later stops working at once).
 */
export async function grantScopesFor(db: Db, userId: string, chosen: McpOAuthScope[]): Promise<ScopeGrant[]> {
  const verbs = [...new Set(chosen.map((s) => MCP_OAUTH_SCOPES[s].verb))].sort();
  if (!verbs.length) return [];
  const grants: ScopeGrant[] = [{ scope: `cloud.${userId}.instances`, actions: verbs }];
  for (const { share } of await sharesOf(db, userId, "received")) {
    if (!share.enabled) continue;
    const actions = verbs.filter((v) => v !== "manage" && share.permissions.includes(`${v}:cloud_instance`));
    if (actions.length) grants.push({ scope: `cloud.${share.ownerId}.instances${share.instanceId ? `.${share.instanceId}` : ""}`, actions });
  }
  return grants;
}
