import { sessionPrincipal } from "../auth/require-user.ts";
import { createRoute, z } from "@hono/zod-openapi";
import {
  adminCreateUserRequestSchema,
  adminSessionInfoSchema,
  adminUpdateUserRequestSchema,
  createInviteRequestSchema,
  userSchema,
} from "@anchorage/common";
import { newRouter } from "../http/router.ts";
import { notFound } from "../../core/app-error.ts";
import { clientIp } from "../http/client-ip.ts";
import { signedInSession, errorResponses, jsonBody, jsonResponse } from "../http/openapi-common.ts";
import { pageQuerySchema } from "../http/pagination.ts";
import { listAudit, recordAudit } from "../audit/audit-log.ts";
import { auditPageSchema, auditQuerySchema, toAuditEntryView, toAuditFilter } from "../audit/audit-view.ts";
import { eventSink } from "../audit/event-sink.ts";
import { assertPermit } from "../../core/auth/permit.ts";
import { createInvite, listInvites } from "../auth/invites.ts";
import { hashPassword } from "../auth/password/password-hash.ts";
import { listLiveSessions, revokeSession } from "../auth/session/session-store.ts";
import { toSessionInfo } from "../auth/session/session-view.ts";
import { listUsers } from "../users/list-users.ts";
import { createUser, findUserById, newUserRow, toPublicUser } from "../../core/users/users.ts";
import { adminDeleteUser, adminUpdateUser } from "./admin-users.ts";
import { instancesOwnedBy } from "../../core/instances/instance-store.ts";
import { proxyRouteChanged } from "../cloud/proxy/proxy-route-copy.ts";
import { closeHubSessions } from "../cloud/events/close-hub-sessions.ts";
import { closeTerminalsOn, instancesWithTerminalsOf } from "../cloud/terminal/close-terminals.ts";
import { closeForwardsOn, instancesForwardableBy } from "../cloud/forward/close-forwards.ts";
import { sessions } from "../../core/db/schema.ts";
import { eq } from "drizzle-orm";
import { requireStepUp } from "../auth/step-up/require-step-up.ts";

export const adminRoutes = newRouter();

const idParam = z.object({ id: z.string().min(1).max(64) });
const ok = z.object({ success: z.literal(true) });
const tags = ["admin"];


adminRoutes.openapi(
  createRoute({ method: "get", path: "/users", tags, ...signedInSession, summary: "List users", request: { query: pageQuerySchema },
    responses: { 200: jsonResponse(z.object({ users: z.array(userSchema) }), "Users"), ...errorResponses(401, 403) } }),
  async (c) => {
    assertPermit(c.get("principal"), "admin:users", { type: "system" });
    return c.json({ users: (await listUsers(c.get("db"), c.req.valid("query"))).map(toPublicUser) }, 200);
  },
);

adminRoutes.openapi(
  createRoute({ method: "post", path: "/users", tags, ...signedInSession, summary: "Create a user. Needs a step-up (E-AUTH-STEP-UP)", request: { body: jsonBody(adminCreateUserRequestSchema) },
    responses: { 201: jsonResponse(userSchema, "Created"), ...errorResponses(400, 401, 403, 409) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "admin:users", { type: "system" });
    await requireStepUp(c, p);
    const body = c.req.valid("json");
    const user = await createUser(c.get("db"), newUserRow({ email: body.email, name: body.name, roles: body.roles, passwordHash: await hashPassword(body.password), emailVerified: body.email_verified }));
    await recordAudit(c.get("db"), { actorId: p.userId, action: "admin.user_created", subjectId: user.id, ip: clientIp(c.req.raw), detail: { roles: user.roles, ...(body.email_verified ? { email_verified: true } : {}) } }, eventSink(c));
    return c.json(toPublicUser(user), 201);
  },
);

adminRoutes.openapi(
  createRoute({ method: "get", path: "/users/{id}", tags, ...signedInSession, summary: "One user", request: { params: idParam },
    responses: { 200: jsonResponse(userSchema, "The user"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    assertPermit(c.get("principal"), "admin:users", { type: "system" });
    const user = await findUserById(c.get("db"), c.req.valid("param").id);
    if (!user) throw notFound("user");
    return c.json(toPublicUser(user), 200);
  },
);

adminRoutes.openapi(
  createRoute({ method: "patch", path: "/users/{id}", tags, ...signedInSession,
    summary: "Change a user's name or roles, or disable/enable them (disabling ends their sessions at once). Needs a step-up (E-AUTH-STEP-UP)",
    request: { params: idParam, body: jsonBody(adminUpdateUserRequestSchema) },
    responses: { 200: jsonResponse(z.object({ user: userSchema, sessions_ended: z.number().int() }), "Updated"), ...errorResponses(400, 401, 403, 404, 409) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "admin:users", { type: "system" });
    await requireStepUp(c, p);
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const forwardable = body.disabled ? await instancesForwardableBy(c.get("db"), id) : [];
    const { user, sessionsEnded } = await adminUpdateUser(c.get("db"), id, body);
    if (user.disabledAt) {
      await closeHubSessions(c.env, id, { allBut: null });
      await closeTerminalsOn(c.env, await instancesWithTerminalsOf(c.get("db"), id), id);
      await closeForwardsOn(c.env, forwardable, id);
    }
    await recordAudit(c.get("db"), { actorId: p.userId, action: "admin.user_updated", subjectId: id, ip: clientIp(c.req.raw), detail: { ...body, sessions_ended: sessionsEnded } }, eventSink(c));
    return c.json({ user: toPublicUser(user), sessions_ended: sessionsEnded }, 200);
  },
);

adminRoutes.openapi(
  createRoute({ method: "delete", path: "/users/{id}", tags, ...signedInSession, summary: "Delete a user and everything of theirs. Needs a step-up (E-AUTH-STEP-UP)", request: { params: idParam },
    responses: { 200: jsonResponse(ok, "Deleted"), ...errorResponses(401, 403, 404, 409) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "admin:users", { type: "system" });
    await requireStepUp(c, p);
    const { id } = c.req.valid("param");
    const terminals = await instancesWithTerminalsOf(c.get("db"), id); // the rows go with the user
    const forwardable = await instancesForwardableBy(c.get("db"), id);
    const proxies = (await instancesOwnedBy(c.get("db"), id)).filter((i) => i.proxySlug);
    await adminDeleteUser(c.get("db"), id);
    for (const i of proxies) await proxyRouteChanged(c, i.id, [i.proxySlug]); // their apps close at once
    await closeHubSessions(c.env, id, { allBut: null });
    await closeTerminalsOn(c.env, terminals, id);
    await closeForwardsOn(c.env, forwardable, id);
    await recordAudit(c.get("db"), { actorId: p.userId, action: "admin.user_deleted", subjectId: id, ip: clientIp(c.req.raw) }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);

adminRoutes.openapi(
  createRoute({ method: "get", path: "/sessions", tags, ...signedInSession, summary: "Every live session", request: { query: z.strictObject({ user_id: z.string().max(64).optional() }) },
    responses: { 200: jsonResponse(z.object({ sessions: z.array(adminSessionInfoSchema) }), "Sessions"), ...errorResponses(401, 403) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "admin:sessions", { type: "system" });
    const rows = await listLiveSessions(c.get("db"), { userId: c.req.valid("query").user_id });
    return c.json({ sessions: rows.map((r) => ({ ...toSessionInfo(r.session, p.sessionId), user_id: r.user.id, user_email: r.user.email })) }, 200);
  },
);

adminRoutes.openapi(
  createRoute({ method: "delete", path: "/sessions/{id}", tags, ...signedInSession, summary: "End anyone's session", request: { params: idParam },
    responses: { 200: jsonResponse(ok, "Ended"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "admin:sessions", { type: "system" });
    const { id } = c.req.valid("param");
    const session = await c.get("db").select({ userId: sessions.userId }).from(sessions).where(eq(sessions.id, id)).get();
    if (!session || !(await revokeSession(c.get("db"), id, "revoked_by_admin"))) throw notFound("session");
    await closeHubSessions(c.env, session.userId, { sessionId: id });
    await recordAudit(c.get("db"), { actorId: p.userId, action: "admin.session_revoked", subjectId: id, ip: clientIp(c.req.raw) }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);

const inviteSchema = z.object({ code: z.string(), email: z.string().nullable(), expires_at: z.string() });

adminRoutes.openapi(
  createRoute({ method: "post", path: "/invites", tags, ...signedInSession, summary: "Create a single-use invite code (shown once)", request: { body: jsonBody(createInviteRequestSchema) },
    responses: { 201: jsonResponse(inviteSchema, "The invite"), ...errorResponses(400, 401, 403) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "admin:invites", { type: "system" });
    const body = c.req.valid("json");
    const invite = await createInvite(c.get("db"), { createdBy: p.userId, email: body.email, expiresInHours: body.expires_in_hours });
    await recordAudit(c.get("db"), { actorId: p.userId, action: "admin.invite_created", ip: clientIp(c.req.raw), detail: { email: invite.email } }, eventSink(c));
    return c.json(invite, 201);
  },
);

adminRoutes.openapi(
  createRoute({ method: "get", path: "/invites", tags, ...signedInSession, summary: "Invites (codes are not shown again)",
    responses: { 200: jsonResponse(z.object({ invites: z.array(z.object({ id: z.string(), email: z.string().nullable(), created_by: z.string(), created_at: z.string(), expires_at: z.string(), used_at: z.string().nullable() })) }), "Invites"), ...errorResponses(401, 403) } }),
  async (c) => {
    assertPermit(c.get("principal"), "admin:invites", { type: "system" });
    return c.json({ invites: await listInvites(c.get("db")) }, 200);
  },
);

adminRoutes.openapi(
  createRoute({ method: "get", path: "/audit", tags, ...signedInSession, summary: "The audit log, newest first, filtered and paged by cursor",
    request: { query: auditQuerySchema.extend({ user_id: z.string().min(1).max(64).optional() }) },
    responses: { 200: jsonResponse(auditPageSchema, "One page of entries"), ...errorResponses(400, 401, 403) } }),
  async (c) => {
    assertPermit(c.get("principal"), "admin:audit", { type: "system" });
    const q = c.req.valid("query");
    const { entries, nextCursor } = await listAudit(c.get("db"), { ...toAuditFilter(q), userId: q.user_id });
    return c.json({ entries: entries.map((r) => toAuditEntryView(r)), next_cursor: nextCursor }, 200);
  },
);
