import type { Context } from "hono";
import type { Role } from "@anchorage/common";
import type { AppEnv } from "../http/app-env.ts";
import { unauthenticated } from "../../core/app-error.ts";
import { assertSameOrigin } from "../http/csrf.ts";
import { readAccessCookie } from "./cookies.ts";
import type { Principal, SessionPrincipal, TokenPrincipal } from "../../core/auth/principal.ts";
import { isApiToken } from "./api-tokens/api-token-store.ts";
import { liveSession } from "./principal-cache/session-entry.ts";
import { liveApiToken } from "./principal-cache/token-entry.ts";
import { cachedGrants } from "./principal-cache/grants-entry.ts";
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
 * A valid signature is not enough: its session must be live with an enabled user, as D1 says
 * (through this location's cache: principal-cache/), so logout, revocation and disabling take
 * effect on the very next request here, and within ENTRY_TTL_SECONDS everywhere else.
 */
export async function verifyPrincipal(c: Context<AppEnv>, token: string, via: SessionPrincipal["via"]): Promise<SessionPrincipal> {
  const claims = await verifyAccessToken(c.get("config"), token);
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
  const found = await liveSession(c, sessionId);
  if (!found || found.userId !== userId) throw unauthenticated("session has ended");
  const cap = token.rolesCap;
  const user = cap ? { ...found.user, roles: found.user.roles.filter((r) => cap.includes(r)) } : found.user;
  return {
    kind: "user",
    userId: user.id,
    roles: user.roles,
    sessionId: found.sessionId,
    provider: token.provider,
    jti: token.jti,
    tokenExp: token.exp,
    via: token.via,
    user,
    grantsFrom: grantsReader(c, user.id),
  };
}

/**
 * The principal of an API token, with its user and (for a service account's token) the account's
 * current scopes, as D1 has them (through this location's cache), so revocation, expiry, a
 * disabled user and a scope change all apply to the very next call here.
 */
export async function tokenPrincipal(c: Context<AppEnv>, secret: string): Promise<TokenPrincipal> {
  const { snapshot, dead } = await liveApiToken(c, secret);
  if (!snapshot || dead) throw unauthenticated(dead ?? "unknown API token");
  return {
    kind: "token",
    userId: snapshot.user.id,
    roles: snapshot.user.roles,
    tokenId: snapshot.token.id,
    serviceAccountId: snapshot.serviceAccount?.id ?? null,
    scopesVersion: snapshot.serviceAccount?.version ?? null,
    scopes: snapshot.scopes,
    via: "bearer",
    user: snapshot.user,
    grantsFrom: grantsReader(c, snapshot.user.id),
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

/** Its shares read through the copies (grants-entry.ts), as its session is. */
const grantsReader = (c: Context<AppEnv>, userId: string) => (ownerId: string) => cachedGrants(c, ownerId, userId);
