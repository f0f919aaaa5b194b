import type { Db } from "../../../core/db/client.ts";
import { dropHeldCopies, markChange } from "./isolate-copies.ts";
import { deleteEntries } from "./location-cache.ts";

/**
 * The keys of the copies, and forgetting them. Every change to a session, an API token, a user, a
 * share or a proxy's route calls one of these after writing D1: this isolate and this location drop their copies at
 * once, and the request that made the change answers only once every other isolate's copy has
 * expired (ISOLATE_TTL_MS: holdAfterChange), so the very next request anywhere in this location
 * reads D1.
 * Other locations hold their copies at most ENTRY_TTL_SECONDS. `db` is the request's own handle.
 */
export const sessionKey = (sessionId: string) => `session/${encodeURIComponent(sessionId)}`;
export const tokenKey = (tokenHash: string) => `token/${encodeURIComponent(tokenHash)}`;
/** The grants one user holds from one owner (grants-entry.ts). */
export const grantsKey = (ownerId: string, granteeId: string) => `grants/${encodeURIComponent(ownerId)}/${encodeURIComponent(granteeId)}`;

/** Which instance a proxy slug reaches, and on what terms (src/cloud/proxy/proxy-route-copy.ts). */
export const proxySlugKey = (slug: string) => `proxy/${encodeURIComponent(slug)}`;
/** The copy of which slug an own host name reaches (src/cloud/proxy/proxy-route.ts). */
export const proxyHostKey = (hostname: string) => `proxy-host/${encodeURIComponent(hostname)}`;

export async function forgetKeys(db: Db, keys: string[]): Promise<void> {
  if (!keys.length) return;
  markChange(db);
  dropHeldCopies(keys);
  await deleteEntries(keys);
}

export const forgetSessions = (db: Db, sessionIds: string[]) => forgetKeys(db, sessionIds.map(sessionKey));
export const forgetTokens = (db: Db, tokenHashes: string[]) => forgetKeys(db, tokenHashes.map(tokenKey));

/** After a share between these two is created, changed, revoked or claimed. */
export const forgetGrants = (db: Db, pairs: { ownerId: string; granteeId: string }[]) => forgetKeys(db, pairs.map((p) => grantsKey(p.ownerId, p.granteeId)));
