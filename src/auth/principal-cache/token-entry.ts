import type { Context } from "hono";
import type { ScopeGrant } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import type { ApiTokenRow } from "../../../core/db/schema.ts";
import type { AppEnv } from "../../http/app-env.ts";
import { sha256Hex } from "../../../core/ids.ts";
import { deadReason, findApiTokenByHash, touchApiToken } from "../api-tokens/api-token-store.ts";
import type { PrincipalUser } from "../../../core/auth/principal.ts";
import { afterResponse, keepCopy } from "./keep-copy.ts";
import { forgetTokens, tokenKey } from "./forget.ts";
import { ENTRY_TTL_SECONDS, readEntry } from "./location-cache.ts";

/**
 * An API token as a request needs it: the token (never its hash; nor when it was last used, which
 * changes with use and decides nothing), its user, and the scopes it holds now.
 */
export type TokenSnapshot = {
  token: Omit<ApiTokenRow, "tokenHash" | "lastUsedAt">;
  user: PrincipalUser;
  serviceAccount: { id: string; version: number } | null;
  scopes: ScopeGrant[];
};

/** The token as D1 has it now, or null when there is none. */
async function readToken(db: Db, tokenHash: string): Promise<{ snapshot: TokenSnapshot; lastUsedAt: string | null } | null> {
  const found = await findApiTokenByHash(db, tokenHash);
  if (!found) return null;
  const { tokenHash: _h, lastUsedAt, ...token } = found.token;
  const { passwordHash: _p, ...user } = found.user;
  const serviceAccount = found.serviceAccount ? { id: found.serviceAccount.id, version: found.serviceAccount.version } : null;
  return { snapshot: { token, user, serviceAccount, scopes: found.scopes }, lastUsedAt };
}

const readTokenSnapshot = async (db: Db, tokenHash: string) => (await readToken(db, tokenHash))?.snapshot ?? null;

/**
 * The API token whose secret is `secret` and why it does not work now (or null when it does).
 * A working token's copy is kept in this location's cache as a session's is (session-entry.ts);
 * an unknown or dead one is not, so guessing secrets fills nothing. Its expiry is checked on
 * every use. `last_used_at` is written when D1 is read, which for a busy token is once per
 * ENTRY_TTL_SECONDS per location: finer than its resolution (LAST_USED_RESOLUTION_MS) needs.
 */
export async function liveApiToken(c: Context<AppEnv>, secret: string): Promise<{ snapshot: TokenSnapshot | null; dead: string | null }> {
  const db = c.get("db");
  const hash = await sha256Hex(secret);
  const key = tokenKey(hash);
  const now = Date.now();
  const cached = await readEntry<TokenSnapshot>(key, now, c.get("callCounts"));
  if (cached) {
    if (now - cached.readAt > (ENTRY_TTL_SECONDS * 1000) / 2) afterResponse(c, refresh(db, hash));
    return { snapshot: cached.value, dead: deadReason(cached.value, now) };
  }
  const read = await readToken(db, hash);
  if (!read) return { snapshot: null, dead: "unknown API token" };
  const { snapshot } = read;
  const dead = deadReason(snapshot, now);
  if (!dead) {
    afterResponse(c, keepCopy(key, { value: snapshot, readAt: now }, () => readTokenSnapshot(db, hash)));
    afterResponse(c, touchApiToken(db, { id: snapshot.token.id, lastUsedAt: read.lastUsedAt }, now));
  }
  return { snapshot, dead };
}

async function refresh(db: Db, hash: string) {
  const readAt = Date.now();
  const snapshot = await readTokenSnapshot(db, hash);
  if (snapshot && !deadReason(snapshot, readAt)) await keepCopy(tokenKey(hash), { value: snapshot, readAt }, () => readTokenSnapshot(db, hash));
  else await forgetTokens([hash]);
}
