import { createRoute } from "@hono/zod-openapi";
import { newRouter } from "../http/router.ts";
import { errorResponses, jsonResponse, signedInSession } from "../http/openapi-common.ts";
import { sessionPrincipal } from "../auth/require-user.ts";
import { assertPermit } from "../../core/auth/permit.ts";
import { listOwnAudit } from "./audit-log.ts";
import { auditPageSchema, auditQuerySchema, toAuditEntryView, toAuditFilter } from "./audit-view.ts";

/** `/api/audit`: the signed-in person's own audit log (admins read everyone's at `/admin/audit`). */
export const auditRoutes = newRouter();

auditRoutes.openapi(
  createRoute({ method: "get", path: "/", tags: ["audit"], ...signedInSession,
    summary: "Your audit log, newest first: what you did, what was done to your account, and to your instances, shares, sessions, tokens, service accounts and webhooks",
    request: { query: auditQuerySchema },
    responses: { 200: jsonResponse(auditPageSchema, "One page of entries"), ...errorResponses(400, 401, 403) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "read:account", { type: "account", ownerId: p.userId });
    const { entries, nextCursor } = await listOwnAudit(c.get("db"), p.userId, toAuditFilter(c.req.valid("query")));
    return c.json({ entries: entries.map((r) => toAuditEntryView(r, p.userId)), next_cursor: nextCursor }, 200);
  },
);
