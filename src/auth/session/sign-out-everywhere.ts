import type { OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import type { McpGrant, SignOutExtra } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import type { Env } from "../../../core/env.ts";
import { revokeApiToken, tokensOf } from "../api-tokens/api-token-store.ts";
import { revokeUserSessions } from "./session-store.ts";
import { closeHubSessions } from "../../cloud/events/close-hub-sessions.ts";


/** One MCP client's grant as the user sees it (the shared McpGrant shape). */
export type McpGrantView = McpGrant;

/** Every OAuth grant an MCP client holds from this user (workers-oauth-provider keeps them in KV). */
export async function mcpGrantsOf(oauth: OAuthHelpers, userId: string): Promise<McpGrantView[]> {
  const grants: McpGrantView[] = [];
  let cursor: string | undefined;
  do {
    const page = await oauth.listUserGrants(userId, { cursor, limit: 100 });
    for (const g of page.items) {
      const client = await oauth.lookupClient(g.clientId).catch(() => null);
      const meta = (g.metadata ?? {}) as { tokenId?: string | null };
      grants.push({
        id: g.id,
        client_id: g.clientId,
        client_name: client?.clientName || g.clientId,
        created_at: new Date(g.createdAt * 1000).toISOString(),
        expires_at: g.expiresAt ? new Date(g.expiresAt * 1000).toISOString() : null,
        token_id: meta.tokenId ?? null,
      });
    }
    cursor = page.cursor;
  } while (cursor);
  return grants;
}

/**
 * Ends one MCP client's access: its OAuth grant (and with it the client's access and refresh
 * tokens) and the API token minted for it at consent, so neither path still works.
 */
export async function revokeMcpGrant(oauth: OAuthHelpers, db: Db, userId: string, grant: Pick<McpGrantView, "id" | "token_id">): Promise<void> {
  await oauth.revokeGrant(grant.id, userId);
  if (grant.token_id) await revokeApiToken(db, userId, grant.token_id);
}

/**
 * Signs a user out of every session; with `mcp`, every MCP client's grant too, and with `tokens`,
 * every API token of their own (not their service accounts'). Revocation is in D1 (sessions,
 * tokens) and in the provider's grant store, so it holds at once, never waiting on a KV TTL.
 */
export async function signOutEverywhere(env: Env, oauth: OAuthHelpers, db: Db, userId: string, include: readonly SignOutExtra[]) {
  const sessionsEnded = await revokeUserSessions(db, userId, "signed_out_everywhere");
  await closeHubSessions(env, userId, { allBut: null });
  let mcpGrantsRevoked = 0;
  if (include.includes("mcp")) {
    for (const g of await mcpGrantsOf(oauth, userId)) {
      await revokeMcpGrant(oauth, db, userId, g);
      mcpGrantsRevoked++;
    }
  }
  let apiTokensRevoked = 0;
  if (include.includes("tokens")) {
    for (const t of await tokensOf(db, userId)) if (await revokeApiToken(db, userId, t.id)) apiTokensRevoked++;
  }
  return { sessionsEnded, mcpGrantsRevoked, apiTokensRevoked };
}
