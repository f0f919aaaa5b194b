import type { Context } from "hono";
import type { Role } from "@anchorage/common";
import type { AppEnv } from "../http/app-env.ts";
import { unauthenticated } from "../http/app-error.ts";
import { assertSameOrigin } from "../http/csrf.ts";
import { readAccessCookie } from "./cookies.ts";
import type { Principal, SessionPrincipal, TokenPrincipal } from "./principal.ts";
import { deadReason, findApiToken, isApiToken, touchApiToken } from "./api-tokens/api-token-store.ts";
import { findLiveSession } from "./session/session-store.ts";
import { isBlacklisted } from "./tokens/blacklist.ts";
import { verifyAccessToken } from "./tokens/access-token.ts";

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.get("authorization");
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthenticated("Authorization header must be `Bearer <token>`");
  return m[1];
}

/**
 * Establishes the principal from a Bearer access token or the dashboard's cookie.
 * A valid signature is not enough: the token's `jti` must not be blacklisted, and its
 * session must be live in D1 with an enabled user, so logout, revocation and disabling
 * take effect on the very next request, whatever KV's propagation delay.
 */
export async function verifyPrincipal(c: Context<AppEnv>, token: string, via: SessionPrincipal["via"]): Promise<SessionPrincipal> {
  const config = c.get("config");
  const claims = await verifyAccessToken(config, token);
  if (await isBlacklisted(c.env.KV, claims.jti)) throw unauthenticated("access token has been revoked");
  const rolesCap = claims.roles_limited ? claims.roles : undefined;
  return principalForSession(c, claims.sid, claims.sub, { provider: claims.provider, jti: claims.jti, exp: claims.exp, via, rolesCap });
}

/**
 * The principal of a live session of an enabled user; 401 when the session has ended. With
 * `rolesCap` (a token from GET /auth/access-token) it holds only the user's current roles that the
 * cap names, in `user.roles` too, which is what permit() reads: a demotion still applies at once.
 */
export async function principalForSession(
  c: Context<AppEnv>,
  sessionId: string,
  userId: string,
  token: { provider: string; jti: string; exp: number; via: SessionPrincipal["via"]; rolesCap?: Role[] },
): Promise<SessionPrincipal> {
  const found = await findLiveSession(c.get("db"), sessionId);
  if (!found || found.user.id !== userId) throw unauthenticated("session has ended");
  const cap = token.rolesCap;
  const live = cap ? { ...found, user: { ...found.user, roles: found.user.roles.filter((r) => cap.includes(r)) } } : found;
  return {
    kind: "user",
    userId: live.user.id,
    roles: live.user.roles,
    sessionId: live.session.id,
    provider: token.provider,
    jti: token.jti,
    tokenExp: token.exp,
    via: token.via,
    user: live.user,
  };
}

/**
 * The principal of an API token: looked up by its hash on every request, with its user and
 * (for a service account's token) the account's current scopes, so revocation, expiry, a
 * disabled user and a scope change all apply to the very next call.
 */
export async function tokenPrincipal(c: Context<AppEnv>, secret: string): Promise<TokenPrincipal> {
  const db = c.get("db");
  const found = await findApiToken(db, secret);
  if (!found) throw unauthenticated("unknown API token");
  const dead = deadReason(found);
  if (dead) throw unauthenticated(dead);
  c.executionCtx.waitUntil(touchApiToken(db, found.token).catch(() => undefined));
  return {
    kind: "token",
    userId: found.user.id,
    roles: found.user.roles,
    tokenId: found.token.id,
    serviceAccountId: found.serviceAccount?.id ?? null,
    scopesVersion: found.serviceAccount?.version ?? null,
    scopes: found.scopes,
    via: "bearer",
    user: found.user,
  };
}

export async function authenticate(c: Context<AppEnv>): Promise<Principal> {
  const bearer = bearerToken(c.req.raw);
  if (bearer) return isApiToken(bearer) ? tokenPrincipal(c, bearer) : verifyPrincipal(c, bearer, "bearer");
  const cookie = readAccessCookie(c);
  if (cookie) {
    assertSameOrigin(c.req.raw, c.get("config"));
    return verifyPrincipal(c, cookie, "cookie");
  }
  throw unauthenticated();
}
