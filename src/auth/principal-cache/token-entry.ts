import type { Context } from "hono";
import type { ScopeGrant } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import type { ApiTokenRow } from "../../../core/db/schema.ts";
import type { AppEnv } from "../../http/app-env.ts";
import { sha256Hex } from "../../../core/ids.ts";
import { deadReason, findApiTokenByHash, touchApiToken } from "../api-tokens/api-token-store.ts";
import type { PrincipalUser } from "../../../core/auth/principal.ts";
import { tokenKey } from "./forget.ts";
import { readThrough } from "./read-through.ts";

/** An API token as a request needs it: the token (never its hash), its user, and the scopes it holds now. */
export type TokenSnapshot = {
  token: Omit<ApiTokenRow, "tokenHash" | "lastUsedAt">;
  user: PrincipalUser;
  serviceAccount: { id: string; version: number } | null;
  scopes: ScopeGrant[];
};

/** What is copied: the snapshot, and when the token was last used (to decide on writing it again). */
type ReadToken = { snapshot: TokenSnapshot; lastUsedAt: string | null };

/** The token as D1 has it now, or null when there is none. */
async function readToken(db: Db, tokenHash: string): Promise<ReadToken | null> {
  const found = await findApiTokenByHash(db, tokenHash);
  if (!found) return null;
  const { tokenHash: _h, lastUsedAt, ...token } = found.token;
  const { passwordHash: _p, ...user } = found.user;
  const serviceAccount = found.serviceAccount ? { id: found.serviceAccount.id, version: found.serviceAccount.version } : null;
  return { snapshot: { token, user, serviceAccount, scopes: found.scopes }, lastUsedAt };
}

/**
 * The API token whose secret is `secret` and why it does not work now (or null when it does).
 * A working token is copied as a session is (read-through.ts); an unknown or dead one is not, so
 * guessing secrets fills nothing. Its expiry is checked on every use. `last_used_at` is written
 * when D1 is read for it, which for a busy token is at least every ENTRY_TTL_SECONDS / 2 per
 * location: finer than its resolution (LAST_USED_RESOLUTION_MS) needs.
 */
export async function liveApiToken(c: Context<AppEnv>, secret: string): Promise<{ snapshot: TokenSnapshot | null; dead: string | null }> {
  const db = c.get("db");
  const hash = await sha256Hex(secret);
  const read = await readThrough<ReadToken | null>(c, {
    key: tokenKey(hash),
    load: () => readToken(db, hash),
    keep: (r) => r !== null && !deadReason(r.snapshot),
    // When it was last used changes with every use and decides nothing.
    same: (a, b) => JSON.stringify(a?.snapshot) === JSON.stringify(b?.snapshot),
    loaded: (r) => (r && !deadReason(r.snapshot) ? touchApiToken(db, { id: r.snapshot.token.id, lastUsedAt: r.lastUsedAt }) : undefined),
  });
  if (!read) return { snapshot: null, dead: "unknown API token" };
  return { snapshot: read.snapshot, dead: deadReason(read.snapshot) };
}
