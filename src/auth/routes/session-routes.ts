import { createRoute, z } from "@hono/zod-openapi";
import { logoutRequestSchema, refreshRequestSchema, sessionResponseSchema, userSchema, validateRequestSchema } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { AppError, unauthenticated } from "../../http/app-error.ts";
import { assertSameOrigin } from "../../http/csrf.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { toPublicUser } from "../../users/users.ts";
import { bearerToken, verifyPrincipal, authenticate } from "../authenticate.ts";
import { requireSessionPrincipal } from "../principal.ts";
import { clearSessionCookies, readAccessCookie, readRefreshCookie } from "../cookies.ts";
import { enforceRateLimits, ipKey, RATE_LIMITS } from "../rate-limit/rate-limits.ts";
import { RefreshTokenReuseError, revokeSession, rotateRefreshToken, sessionOfRefreshToken } from "../session/session-store.ts";
import { deliverSession } from "../session/start-session.ts";
import { closeHubSessions } from "../../cloud/events/close-hub-sessions.ts";
import { blacklistAccessToken } from "../tokens/blacklist.ts";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";

export const sessionRoutes = newRouter();

/** The refresh token from the body, else from the cookie (which then needs a same-origin request). */
function presentedRefreshToken(c: Context<AppEnv>, fromBody: string | undefined): { token: string; via: "bearer" | "cookie" } | null {
  if (fromBody) return { token: fromBody, via: "bearer" };
  const cookie = readRefreshCookie(c);
  if (!cookie) return null;
  assertSameOrigin(c.req.raw, c.get("config"));
  return { token: cookie, via: "cookie" };
}

const refresh = createRoute({
  method: "post",
  path: "/refresh",
  tags: ["auth"],
  summary: "Exchange a refresh token for a new access token and a new refresh token (rotation; reuse revokes the session)",
  request: { body: { ...jsonBody(refreshRequestSchema), required: false } },
  responses: { 200: jsonResponse(sessionResponseSchema, "New tokens"), ...errorResponses(400, 401, 429) },
});

sessionRoutes.openapi(refresh, async (c) => {
  const body = refreshRequestSchema.parse(c.req.valid("json") ?? {});
  const presented = presentedRefreshToken(c, body.refresh_token);
  if (!presented) throw unauthenticated("refresh token required (body `refresh_token` or the session cookie)");
  const db = c.get("db");
  const sessionId = await sessionOfRefreshToken(db, presented.token);
  await enforceRateLimits(c.env, [
    { key: ipKey("refresh", clientIp(c.req.raw)), rule: RATE_LIMITS.refreshPerIp },
    ...(sessionId ? [{ key: `refresh:session:${sessionId}`, rule: RATE_LIMITS.refreshPerSession }] : []),
  ]);
  try {
    const rotated = await rotateRefreshToken(db, c.env.DB, presented.token);
    const transport = presented.via === "cookie" ? "cookie" : body.transport;
    return c.json(await deliverSession(c, rotated.user, rotated.session, rotated.refreshToken, transport), 200);
  } catch (e) {
    if (e instanceof RefreshTokenReuseError) {
      await recordAudit(db, { actorId: null, action: "auth.refresh_reuse", subjectId: e.sessionId, ip: clientIp(c.req.raw) }, eventSink(c));
    }
    if (presented.via === "cookie") clearSessionCookies(c, c.get("config"));
    throw e;
  }
});

const logout = createRoute({
  method: "post",
  path: "/logout",
  tags: ["auth"],
  summary: "End the session: the access token stops working at once and the refresh token family is revoked",
  request: { body: { ...jsonBody(logoutRequestSchema), required: false } },
  responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Signed out"), ...errorResponses(400, 401) },
});

sessionRoutes.openapi(logout, async (c) => {
  const body = logoutRequestSchema.parse(c.req.valid("json") ?? {});
  const db = c.get("db");
  const config = c.get("config");
  let ended = false;

  const presented = presentedRefreshToken(c, body.refresh_token);
  if (c.req.header("authorization") || readAccessCookie(c)) {
    try {
      const principal = requireSessionPrincipal(await authenticate(c));
      await blacklistAccessToken(c.env.KV, principal.jti, principal.tokenExp);
      await revokeSession(db, principal.sessionId, "logout");
      await closeHubSessions(c.env, principal.userId, { sessionId: principal.sessionId });
      await recordAudit(db, { actorId: principal.userId, action: "auth.logout", subjectId: principal.sessionId, ip: clientIp(c.req.raw) }, eventSink(c));
      ended = true;
    } catch (e) {
      // An expired access token must not stop a logout that also presents the refresh token.
      if (!(presented && e instanceof AppError && e.code === "E-AUTH-UNAUTH")) throw e;
    }
  }
  if (presented) {
    const sessionId = await sessionOfRefreshToken(db, presented.token);
    if (sessionId && (await revokeSession(db, sessionId, "logout"))) ended = true;
  }
  clearSessionCookies(c, config);
  if (!ended) throw unauthenticated("no session to end");
  return c.json({ success: true as const }, 200);
});

const validateResponse = z.object({
  valid: z.literal(true),
  user: userSchema,
  session_id: z.string(),
  roles: userSchema.shape.roles,
  provider: z.string(),
  expires_at: z.number().int().describe("access token expiry, seconds since the epoch"),
});

const validate = createRoute({
  method: "post",
  path: "/validate",
  tags: ["auth"],
  summary: "Check an access token (body `token`, else the Authorization header or cookie): signature, expiry, revocation",
  request: { body: { ...jsonBody(validateRequestSchema), required: false } },
  responses: { 200: jsonResponse(validateResponse, "The token is valid"), ...errorResponses(400, 401) },
});

sessionRoutes.openapi(validate, async (c) => {
  const body = validateRequestSchema.parse(c.req.valid("json") ?? {});
  const token = body.token ?? bearerToken(c.req.raw) ?? readAccessCookie(c);
  if (!token) throw unauthenticated("no token to validate");
  const principal = await verifyPrincipal(c, token, body.token || c.req.header("authorization") ? "bearer" : "cookie");
  return c.json(
    {
      valid: true as const,
      user: toPublicUser(principal.user),
      session_id: principal.sessionId,
      roles: principal.roles,
      provider: principal.provider,
      expires_at: principal.tokenExp,
    },
    200,
  );
});
