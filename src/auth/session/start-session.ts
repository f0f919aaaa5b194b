import type { Context } from "hono";
import type { SessionResponse } from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import type { UserRow, SessionRow } from "../../../core/db/schema.ts";
import { clientIp } from "../../http/client-ip.ts";
import { toPublicUser } from "../../../core/users/users.ts";
import { setSessionCookies } from "../cookies.ts";
import { ACCESS_TOKEN_TTL_SECONDS, issueAccessToken } from "../tokens/access-token.ts";
import { createSession, REFRESH_TOKEN_TTL_SECONDS } from "./session-store.ts";
import { notifyNewSignIn } from "./notify-new-sign-in.ts";
import { claimPendingShares } from "../../cloud/shares/pending-shares.ts";
import { forgetGrants } from "../principal-cache/forget.ts";

type Transport = "bearer" | "cookie";

/**
 * Sessions that no proof of identity started: a device sign-in (RFC 8628) or a device invite is
 * approved by another session, so it starts without a step-up and must make its own.
 */
const HANDED_OVER: ReadonlySet<string> = new Set(["device", "device-invite"]);

/**
 * Hands a session to the client: Bearer tokens in the body, or HttpOnly cookies
 * and no token in the body (a script injected into the dashboard cannot read what it never sees).
 */
export async function deliverSession(
  c: Context<AppEnv>,
  user: UserRow,
  session: SessionRow,
  refreshToken: string,
  transport: Transport,
): Promise<SessionResponse> {
  const config = c.get("config");
  const access = await issueAccessToken(config, { userId: user.id, sessionId: session.id, roles: user.roles, provider: session.provider });
  if (transport === "cookie") {
    setSessionCookies(c, config, { access: access.token, refresh: refreshToken });
    return { user: toPublicUser(user), session_id: session.id };
  }
  return {
    user: toPublicUser(user),
    session_id: session.id,
    tokens: {
      token_type: "Bearer",
      access_token: access.token,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      refresh_token: refreshToken,
      refresh_expires_in: REFRESH_TOKEN_TTL_SECONDS,
    },
  };
}

/**
 * Starts a new session for a user who has just proven who they are (and mails them if it comes
 * from a new address). Shares offered to their email before they had an account become theirs now.
 */
export async function startSession(c: Context<AppEnv>, user: UserRow, provider: string, transport: Transport): Promise<SessionResponse> {
  const owners = await claimPendingShares(c.env.DB, user);
  await forgetGrants(c.get("db"), owners.map((ownerId) => ({ ownerId, granteeId: user.id })));
  const { session, refreshToken } = await createSession(c.get("db"), {
    userId: user.id,
    provider,
    userAgent: c.req.header("user-agent") ?? null,
    ip: clientIp(c.req.raw),
    proven: !HANDED_OVER.has(provider),
  });
  notifyNewSignIn(c, user, session);
  return deliverSession(c, user, session, refreshToken, transport);
}
