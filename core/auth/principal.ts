import type { Role, ScopeGrant, ShareGrant } from "@anchorage/common";
import type { UserRow } from "../db/schema.ts";
import { forbidden } from "../app-error.ts";

/**
 * The user behind a principal as D1 had them at most ENTRY_TTL_SECONDS ago in this location (now,
 * after any change made here): everything but the password hash, which is read from D1 where
 * it is needed (changing the password) and never copied into a cache.
 */
export type PrincipalUser = Omit<UserRow, "passwordHash">;

/**
 * Where the grants a principal holds from an owner come from, when not straight from D1: the
 * Worker reads them through its copies (src/auth/principal-cache/grants-entry.ts), kept as fresh
 * as the principal's own session. Absent (a principal built outside a request), they come from D1.
 */
export type GrantsReader = (ownerId: string) => Promise<ShareGrant[]>;

/** A person signed in: a session's access token (Bearer or the dashboard's cookie). */
export type SessionPrincipal = {
  kind: "user";
  userId: string;
  roles: Role[];
  sessionId: string;
  provider: string;
  /** The access token's id and expiry (seconds since the epoch). */
  jti: string;
  tokenExp: number;
  via: "bearer" | "cookie";
  user: PrincipalUser;
  grantsFrom?: GrantsReader;
};

/**
 * A script with an API token (`anc_…`): it acts for `user` (the token's creator, or the service
 * account's owner) but only within `scopes`, as D1 has them (through the location cache, like a
 * session: a revocation or a service account's new scopes apply to the very next call).
 */
export type TokenPrincipal = {
  kind: "token";
  userId: string;
  roles: Role[];
  tokenId: string;
  serviceAccountId: string | null;
  /** The service account's scope version the request ran under. */
  scopesVersion: number | null;
  scopes: ScopeGrant[];
  via: "bearer";
  user: PrincipalUser;
  grantsFrom?: GrantsReader;
};

/** Who is calling, as established by `authenticate`. */
export type Principal = SessionPrincipal | TokenPrincipal;

/** A user as permit() sees them outside any request of theirs (to re-check what they may still do after a change). */
export const standingPrincipal = (user: PrincipalUser): SessionPrincipal => ({
  kind: "user", userId: user.id, roles: user.roles, sessionId: "", provider: "", jti: "", tokenExp: 0, via: "bearer", user,
});

/**
 * For what only a signed-in person may do (manage tokens, change the account, approve a device):
 * an API token is refused whatever its scopes.
 */
export function requireSessionPrincipal(p: Principal): SessionPrincipal {
  if (p.kind !== "user") throw forbidden("an API token cannot do this: sign in");
  return p;
}

/** The id written as the actor's in audit entries: the user, and for a token, which one. */
export const actorDetail = (p: Principal): Record<string, unknown> => (p.kind === "token" ? { via_token: p.tokenId, ...(p.serviceAccountId ? { service_account: p.serviceAccountId } : {}) } : {});
