import { createRoute, z } from "@hono/zod-openapi";
import { apiTokenSchema, createdTokenSchema, createTokenRequestSchema } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../../http/openapi-common.ts";
import { notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { closeHubSessions } from "../../cloud/events/close-hub-sessions.ts";
import { sessionPrincipal } from "../require-user.ts";
import { issueApiToken, revokeApiToken, tokensOf } from "./api-token-store.ts";
import { assertGrantable } from "./grantable.ts";
import { expiryFrom, toTokenView } from "./token-views.ts";
import { scopesNeedStepUp } from "../step-up/privileged-scopes.ts";
import { requireStepUp } from "../step-up/require-step-up.ts";

/**
 * `/api/tokens`: a signed-in person's API tokens. Only a session manages them (an API token
 * is refused here whatever its scopes), so a leaked token cannot mint or keep itself alive.
 */
export const tokenRoutes = newRouter();
const tags = ["tokens"];
export const tokenIdParam = z.object({ id: z.string().min(1).max(64) });

tokenRoutes.openapi(
  createRoute({ method: "post", path: "/", tags, ...signedInSession,
    summary: "Create an API token (`anc_…`, shown once) with scopes no wider than your own rights. Command, terminal or manage verbs, or an admin's grant on another user, need a step-up (E-AUTH-STEP-UP)",
    request: { body: jsonBody(createTokenRequestSchema) },
    responses: { 201: jsonResponse(createdTokenSchema, "The token, with its secret"), ...errorResponses(400, 401, 403) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    const body = c.req.valid("json");
    const db = c.get("db");
    await assertGrantable(db, p.user, body.scopes);
    if (scopesNeedStepUp(body.scopes, p.user)) await requireStepUp(c, p);
    const { token, row } = await issueApiToken(db, { userId: p.userId, serviceAccountId: null, name: body.name, scopes: body.scopes, expiresAt: expiryFrom(body.expires_in_days) });
    await recordAudit(db, { actorId: p.userId, action: "auth.token_created", subjectId: row.id, ip: clientIp(c.req.raw), detail: { name: row.name, scopes: row.scopes, expires_at: row.expiresAt } }, eventSink(c));
    return c.json({ ...toTokenView(row), token }, 201);
  },
);

tokenRoutes.openapi(
  createRoute({ method: "get", path: "/", tags, ...signedInSession, summary: "Your API tokens (never their secrets), with when each was last used",
    responses: { 200: jsonResponse(z.object({ tokens: z.array(apiTokenSchema) }), "Tokens"), ...errorResponses(401, 403) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    return c.json({ tokens: (await tokensOf(c.get("db"), p.userId)).map(toTokenView) }, 200);
  },
);

tokenRoutes.openapi(
  createRoute({ method: "delete", path: "/{id}", tags, ...signedInSession,
    summary: "Revoke a token of yours (or of one of your service accounts): it stops working on its next request",
    request: { params: tokenIdParam },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Revoked"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    const db = c.get("db");
    const row = await revokeApiToken(db, p.userId, c.req.valid("param").id);
    if (!row) throw notFound("token");
    // Its event socket, authorized when it opened, ends now too.
    await closeHubSessions(c.env, p.userId, { sessionId: row.id });
    await recordAudit(db, { actorId: p.userId, action: "auth.token_revoked", subjectId: row.id, ip: clientIp(c.req.raw), detail: { name: row.name, service_account: row.serviceAccountId } }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);
