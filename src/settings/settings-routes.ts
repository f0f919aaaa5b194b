import { sessionPrincipal } from "../auth/require-user.ts";
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { changePasswordRequestSchema, sessionInfoSchema } from "@anchorage/common";
import { newRouter } from "../http/router.ts";
import { notFound } from "../../core/app-error.ts";
import { clientIp } from "../http/client-ip.ts";
import { signedInSession, errorResponses, jsonBody, jsonResponse } from "../http/openapi-common.ts";
import { sessions } from "../../core/db/schema.ts";
import { recordAudit } from "../audit/audit-log.ts";
import { eventSink } from "../audit/event-sink.ts";
import { assertPermit } from "../../core/auth/permit.ts";
import { changePassword } from "../auth/password/change-password.ts";
import { enforceRateLimits, RATE_LIMITS } from "../auth/rate-limit/rate-limits.ts";
import { listLiveSessions, revokeSession } from "../auth/session/session-store.ts";
import { toSessionInfo } from "../auth/session/session-view.ts";
import { closeHubSessions } from "../cloud/events/close-hub-sessions.ts";
import { handleUpdateProfile, updateProfileRoute } from "../users/profile-route.ts";
import { requireStepUp } from "../auth/step-up/require-step-up.ts";

export const settingsRoutes = newRouter();

settingsRoutes.openapi(updateProfileRoute("/profile", "settings"), handleUpdateProfile);

settingsRoutes.openapi(
  createRoute({
    method: "put",
    path: "/password",
    tags: ["settings"],
    summary: "Change your password; every other session ends. Needs a step-up (E-AUTH-STEP-UP)",
    ...signedInSession,
    request: { body: jsonBody(changePasswordRequestSchema) },
    responses: {
      200: jsonResponse(z.object({ success: z.literal(true), sessions_ended: z.number().int() }), "Password changed"),
      ...errorResponses(400, 401, 403, 429),
    },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    await requireStepUp(c, p);
    await enforceRateLimits(c.env, [{ key: `password:account:${p.userId}`, rule: RATE_LIMITS.passwordChangePerAccount }]);
    const body = c.req.valid("json");
    const ended = await changePassword(c.get("db"), p.user, body.current_password, body.new_password, p.sessionId);
    await closeHubSessions(c.env, p.userId, { allBut: p.sessionId });
    await recordAudit(c.get("db"), { actorId: p.userId, action: "settings.password_changed", subjectId: p.userId, ip: clientIp(c.req.raw), detail: { sessions_ended: ended } }, eventSink(c));
    return c.json({ success: true as const, sessions_ended: ended }, 200);
  },
);

settingsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/sessions",
    tags: ["settings"],
    summary: "Your live sessions",
    ...signedInSession,
    responses: { 200: jsonResponse(z.object({ sessions: z.array(sessionInfoSchema) }), "Sessions"), ...errorResponses(401) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "read:account", { type: "account", ownerId: p.userId });
    const rows = await listLiveSessions(c.get("db"), { userId: p.userId });
    return c.json({ sessions: rows.map((r) => toSessionInfo(r.session, p.sessionId)) }, 200);
  },
);

settingsRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/sessions/{id}",
    tags: ["settings"],
    summary: "End one of your sessions (its tokens stop working at once)",
    ...signedInSession,
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Session ended"), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    const { id } = c.req.valid("param");
    const db = c.get("db");
    // Scoped to the caller: someone else's session id is simply not found.
    const own = await db.select({ userId: sessions.userId }).from(sessions).where(and(eq(sessions.id, id), eq(sessions.userId, p.userId))).get();
    if (!own) throw notFound("session");
    assertPermit(p, "update:account", { type: "account", ownerId: own.userId });
    if (!(await revokeSession(db, id, "revoked_by_user"))) throw notFound("session");
    await closeHubSessions(c.env, p.userId, { sessionId: id });
    await recordAudit(db, { actorId: p.userId, action: "settings.session_revoked", subjectId: id, ip: clientIp(c.req.raw) }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);
