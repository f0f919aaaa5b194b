import { createRoute, z } from "@hono/zod-openapi";
import { logoutRequestSchema, refreshRequestSchema, sessionResponseSchema, signedInEverywhereSchema, SIGN_OUT_EXTRAS, userSchema, validateRequestSchema } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { AppError, notFound, unauthenticated } from "../../../core/app-error.ts";
import { assertSameOrigin } from "../../http/csrf.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { toPublicUser } from "../../../core/users/users.ts";
import { bearerToken, verifyPrincipal, authenticate } from "../authenticate.ts";
import { requireSessionPrincipal } from "../../../core/auth/principal.ts";
import { clearSessionCookies, readAccessCookie, readRefreshCookie } from "../cookies.ts";
import { enforceRateLimits, ipKey, RATE_LIMITS } from "../rate-limit/rate-limits.ts";
import { RefreshTokenReuseError, revokeSession, rotateRefreshToken, sessionOfRefreshToken } from "../session/session-store.ts";
import { deliverSession } from "../session/start-session.ts";
import { listLiveSessions } from "../session/session-store.ts";
import { toSessionInfo } from "../session/session-view.ts";
import { mcpGrantsOf, revokeMcpGrant, signOutEverywhere } from "../session/sign-out-everywhere.ts";
import { tokensOf } from "../api-tokens/api-token-store.ts";
import { mcpOAuthApi } from "../../mcp/oauth-provider.ts";
import { assertPermit } from "../../../core/auth/permit.ts";
import { closeHubSessions } from "../../cloud/events/close-hub-sessions.ts";
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
      // The session is what every token of it is checked against (revokeSession also forgets this location's copy).
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

const signOutEverywhereBody = z.strictObject({
  include: z.array(z.enum(SIGN_OUT_EXTRAS)).max(SIGN_OUT_EXTRAS.length).default([]),
});

const logoutAll = createRoute({
  method: "post",
  path: "/logout-all",
  tags: ["auth"],
  summary: "Sign out of every session (this one too); optionally of every MCP client and API token",
  description:
    "Ends every session of the signed-in user at once (their refresh tokens and access tokens stop working, event sockets close). " +
    '`include` takes more with it: `"mcp"` revokes every MCP client\'s OAuth grant (its access and refresh tokens, and the API token ' +
    'minted for it at consent), `"tokens"` revokes every API token of your own (MCP clients act with one, so they stop too; service ' +
    "accounts' tokens are not touched). Without `include`, MCP clients and API tokens keep working. Body: `{\"include\":[\"mcp\",\"tokens\"]}`.",
  request: { body: { ...jsonBody(signOutEverywhereBody), required: false } },
  responses: {
    200: jsonResponse(z.object({ success: z.literal(true), sessions_ended: z.number().int(), mcp_grants_revoked: z.number().int(), api_tokens_revoked: z.number().int() }), "Signed out everywhere"),
    ...errorResponses(400, 401, 403),
  },
});

sessionRoutes.openapi(logoutAll, async (c) => {
  const { include } = signOutEverywhereBody.parse(c.req.valid("json") ?? {});
  // A session's own credential, never an API token: a leaked token must not sign its owner out.
  const p = requireSessionPrincipal(await authenticate(c));
  assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
  const db = c.get("db");
  const done = await signOutEverywhere(c.env, mcpOAuthApi(c.env, c.get("config").issuer), db, p.userId, include);
  await recordAudit(db, { actorId: p.userId, action: "auth.logout_all", subjectId: p.userId, ip: clientIp(c.req.raw), detail: { include, sessions_ended: done.sessionsEnded, mcp_grants_revoked: done.mcpGrantsRevoked, api_tokens_revoked: done.apiTokensRevoked } }, eventSink(c));
  clearSessionCookies(c, c.get("config"));
  return c.json({ success: true as const, sessions_ended: done.sessionsEnded, mcp_grants_revoked: done.mcpGrantsRevoked, api_tokens_revoked: done.apiTokensRevoked }, 200);
});


const signedInEverywhere = createRoute({
  method: "get",
  path: "/sessions",
  tags: ["auth"],
  summary: "Everything that is signed in as you: sessions, MCP clients (by name, with when they were allowed) and API tokens",
  description: "Each is revocable: a session with DELETE /api/settings/sessions/{id}, an MCP client with DELETE /auth/mcp-grants/{id}, an API token with DELETE /api/tokens/{id}.",
  responses: { 200: jsonResponse(signedInEverywhereSchema, "Signed-in things"), ...errorResponses(401) },
});

sessionRoutes.openapi(signedInEverywhere, async (c) => {
  const p = requireSessionPrincipal(await authenticate(c));
  assertPermit(p, "read:account", { type: "account", ownerId: p.userId });
  const db = c.get("db");
  const [rows, grants, tokens] = await Promise.all([listLiveSessions(db, { userId: p.userId }), mcpGrantsOf(mcpOAuthApi(c.env, c.get("config").issuer), p.userId), tokensOf(db, p.userId)]);
  return c.json(
    {
      sessions: rows.map((r) => toSessionInfo(r.session, p.sessionId)),
      mcp_grants: grants,
      api_tokens: tokens.map((t) => ({ id: t.id, name: t.name, created_at: t.createdAt, last_used_at: t.lastUsedAt, expires_at: t.expiresAt })),
    },
    200,
  );
});

const revokeGrantRoute = createRoute({
  method: "delete",
  path: "/mcp-grants/{id}",
  tags: ["auth"],
  summary: "Cut off one MCP client: its OAuth grant and the API token it acts with",
  request: { params: z.object({ id: z.string().min(1).max(200) }) },
  responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Revoked"), ...errorResponses(401, 404) },
});

sessionRoutes.openapi(revokeGrantRoute, async (c) => {
  const p = requireSessionPrincipal(await authenticate(c));
  assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
  const db = c.get("db");
  // Looked up among the caller's own grants: someone else's grant id is simply not found.
  const oauth = mcpOAuthApi(c.env, c.get("config").issuer);
  const grant = (await mcpGrantsOf(oauth, p.userId)).find((g) => g.id === c.req.valid("param").id);
  if (!grant) throw notFound("MCP grant");
  await revokeMcpGrant(oauth, db, p.userId, grant);
  await recordAudit(db, { actorId: p.userId, action: "auth.mcp_grant_revoked", subjectId: grant.token_id, ip: clientIp(c.req.raw), detail: { client_id: grant.client_id, client_name: grant.client_name } }, eventSink(c));
  return c.json({ success: true as const }, 200);
});
