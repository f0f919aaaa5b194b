import { createRoute, z } from "@hono/zod-openapi";
import {
  apiTokenSchema,
  createdTokenSchema,
  createServiceAccountRequestSchema,
  createServiceAccountTokenRequestSchema,
  serviceAccountSchema,
  serviceAccountScopesRequestSchema,
} from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../../http/openapi-common.ts";
import { notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { closeHubSessions } from "../../cloud/events/close-hub-sessions.ts";
import { sessionPrincipal } from "../require-user.ts";
import { issueApiToken, tokensOfServiceAccount } from "./api-token-store.ts";
import { assertGrantable } from "./grantable.ts";
import { createServiceAccount, deleteServiceAccount, findServiceAccount, serviceAccountsOf, setServiceAccountScopes } from "./service-account-store.ts";
import { tokenIdParam } from "./token-routes.ts";
import { expiryFrom, toServiceAccountView, toTokenView } from "./token-views.ts";
import { scopesNeedStepUp } from "../step-up/privileged-scopes.ts";
import { requireStepUp } from "../step-up/require-step-up.ts";

/**
 * `/api/service-accounts`: identities for other services and CI, owned by a user. Their tokens
 * carry no scopes of their own and follow the account's, so a scope change reaches every token
 * at once. Managed by a signed-in session only.
 */
export const serviceAccountRoutes = newRouter();
const tags = ["service accounts"];
const withAccount = { ...serviceAccountSchema.shape };

serviceAccountRoutes.openapi(
  createRoute({ method: "post", path: "/", tags, ...signedInSession, summary: "Create a service account with scopes no wider than your own rights (a step-up for command, terminal, manage or an admin's grant on another user)",
    request: { body: jsonBody(createServiceAccountRequestSchema) },
    responses: { 201: jsonResponse(serviceAccountSchema, "The account"), ...errorResponses(400, 401, 403) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    const body = c.req.valid("json");
    const db = c.get("db");
    await assertGrantable(db, p.user, body.scopes);
    if (scopesNeedStepUp(body.scopes, p.user)) await requireStepUp(c, p);
    const row = await createServiceAccount(db, p.userId, body);
    await recordAudit(db, { actorId: p.userId, action: "auth.service_account_created", subjectId: row.id, ip: clientIp(c.req.raw), detail: { name: row.name, scopes: row.scopes } }, eventSink(c));
    return c.json(toServiceAccountView(row), 201);
  },
);

serviceAccountRoutes.openapi(
  createRoute({ method: "get", path: "/", tags, ...signedInSession, summary: "Your service accounts",
    responses: { 200: jsonResponse(z.object({ service_accounts: z.array(serviceAccountSchema) }), "Accounts"), ...errorResponses(401, 403) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    return c.json({ service_accounts: (await serviceAccountsOf(c.get("db"), p.userId)).map(toServiceAccountView) }, 200);
  },
);

serviceAccountRoutes.openapi(
  createRoute({ method: "get", path: "/{id}", tags, ...signedInSession, summary: "One of your service accounts, with its live tokens",
    request: { params: tokenIdParam },
    responses: { 200: jsonResponse(z.object({ ...withAccount, tokens: z.array(apiTokenSchema) }), "The account"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    const db = c.get("db");
    const row = await findServiceAccount(db, p.userId, c.req.valid("param").id);
    if (!row) throw notFound("service account");
    return c.json({ ...toServiceAccountView(row), tokens: (await tokensOfServiceAccount(db, row.id)).map(toTokenView) }, 200);
  },
);

serviceAccountRoutes.openapi(
  createRoute({ method: "put", path: "/{id}/scopes", tags, ...signedInSession,
    summary: "Replace the account's scopes and bump its version: every token of it follows from its next request (a step-up for command, terminal, manage or an admin's grant on another user)",
    request: { params: tokenIdParam, body: jsonBody(serviceAccountScopesRequestSchema) },
    responses: { 200: jsonResponse(serviceAccountSchema, "The account"), ...errorResponses(400, 401, 403, 404) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    const db = c.get("db");
    const { id } = c.req.valid("param");
    const { scopes } = c.req.valid("json");
    if (!(await findServiceAccount(db, p.userId, id))) throw notFound("service account");
    await assertGrantable(db, p.user, scopes);
    // Widening an account's scopes is minting tokens with them: its keys follow at once.
    if (scopesNeedStepUp(scopes, p.user)) await requireStepUp(c, p);
    const row = await setServiceAccountScopes(db, p.userId, id, scopes);
    if (!row) throw notFound("service account");
    // Event sockets opened under the old scopes end; they reconnect under the new ones.
    await Promise.all((await tokensOfServiceAccount(db, id)).map((t) => closeHubSessions(c.env, p.userId, { sessionId: t.id })));
    await recordAudit(db, { actorId: p.userId, action: "auth.service_account_updated", subjectId: row.id, ip: clientIp(c.req.raw), detail: { scopes, version: row.version } }, eventSink(c));
    return c.json(toServiceAccountView(row), 200);
  },
);

serviceAccountRoutes.openapi(
  createRoute({ method: "delete", path: "/{id}", tags, ...signedInSession, summary: "Delete a service account and every token of it",
    request: { params: tokenIdParam },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Deleted"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    const db = c.get("db");
    const { id } = c.req.valid("param");
    const tokens = await tokensOfServiceAccount(db, id);
    const row = await deleteServiceAccount(db, p.userId, id);
    if (!row) throw notFound("service account");
    await Promise.all(tokens.map((t) => closeHubSessions(c.env, p.userId, { sessionId: t.id })));
    await recordAudit(db, { actorId: p.userId, action: "auth.service_account_deleted", subjectId: row.id, ip: clientIp(c.req.raw), detail: { name: row.name } }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);

serviceAccountRoutes.openapi(
  createRoute({ method: "post", path: "/{id}/tokens", tags, ...signedInSession, summary: "Create a token for the account (`anc_…`, shown once); a step-up when the account's scopes need one",
    request: { params: tokenIdParam, body: jsonBody(createServiceAccountTokenRequestSchema) },
    responses: { 201: jsonResponse(createdTokenSchema, "The token, with its secret"), ...errorResponses(400, 401, 403, 404) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    const db = c.get("db");
    const account = await findServiceAccount(db, p.userId, c.req.valid("param").id);
    if (!account) throw notFound("service account");
    if (scopesNeedStepUp(account.scopes, p.user)) await requireStepUp(c, p);
    const body = c.req.valid("json");
    const { token, row } = await issueApiToken(db, { userId: p.userId, serviceAccountId: account.id, name: body.name, scopes: null, expiresAt: expiryFrom(body.expires_in_days) });
    await recordAudit(db, { actorId: p.userId, action: "auth.token_created", subjectId: row.id, ip: clientIp(c.req.raw), detail: { name: row.name, service_account: account.id, expires_at: row.expiresAt } }, eventSink(c));
    return c.json({ ...toTokenView(row), token }, 201);
  },
);

serviceAccountRoutes.openapi(
  createRoute({ method: "get", path: "/{id}/tokens", tags, ...signedInSession, summary: "The account's live tokens",
    request: { params: tokenIdParam },
    responses: { 200: jsonResponse(z.object({ tokens: z.array(apiTokenSchema) }), "Tokens"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    const db = c.get("db");
    const account = await findServiceAccount(db, p.userId, c.req.valid("param").id);
    if (!account) throw notFound("service account");
    return c.json({ tokens: (await tokensOfServiceAccount(db, account.id)).map(toTokenView) }, 200);
  },
);
