import { createRoute, z } from "@hono/zod-openapi";
import { scopeGrantSchema, tokenCheckSchema, userSchema } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi-common.ts";
import { pageQuerySchema } from "../../http/pagination.ts";
import { notFound } from "../../../core/app-error.ts";
import { listUsers } from "../../users/list-users.ts";
import { findUserById, toPublicUser } from "../../../core/users/users.ts";
import { sharesOf } from "../../../core/shares/share-store.ts";
import { deadReason, findApiToken, findApiTokenById, isApiToken, type LiveApiToken } from "../api-tokens/api-token-store.ts";
import { findServiceAccountById } from "../api-tokens/service-account-store.ts";
import { requireServiceKey, serviceKeySecurity } from "./service-key.ts";

/**
 * Service-to-service routes (`X-Service-Key`): other services ask Anchorage, the single source
 * of truth on revocation, whether a token works and what it may do.
 */
export const serviceRoutes = newRouter();
const tags = ["service to service"];
const withKey = { security: serviceKeySecurity, middleware: [requireServiceKey] };

const checkView = (t: LiveApiToken) => {
  const dead = deadReason(t);
  return {
    valid: dead === null,
    ...(dead ? { reason: dead } : {}),
    id: t.token.id,
    user_id: t.user.id,
    service_account_id: t.serviceAccount?.id ?? null,
    scopes: dead ? [] : t.scopes,
    scopes_version: t.serviceAccount?.version ?? null,
    expires_at: t.token.expiresAt,
  };
};

serviceRoutes.openapi(
  createRoute({ method: "get", path: "/tokens/{id}/check", tags, ...withKey, summary: "Whether a token (by id) works now, and its scopes",
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: { 200: jsonResponse(tokenCheckSchema, "The token's state"), ...errorResponses(401, 404) } }),
  async (c) => {
    const found = await findApiTokenById(c.get("db"), c.req.valid("param").id);
    if (!found) throw notFound("token");
    return c.json(checkView(found), 200);
  },
);

serviceRoutes.openapi(
  createRoute({ method: "post", path: "/tokens/check", tags, ...withKey,
    summary: "Whether a token presented to another service (the `anc_…` secret, in the body, never in a URL) works now, and its scopes",
    request: { body: jsonBody(z.strictObject({ token: z.string().min(1).max(256) })) },
    responses: { 200: jsonResponse(tokenCheckSchema, "The token's state"), ...errorResponses(400, 401, 404) } }),
  async (c) => {
    const { token } = c.req.valid("json");
    const found = isApiToken(token) ? await findApiToken(c.get("db"), token) : null;
    if (!found) throw notFound("token");
    return c.json(checkView(found), 200);
  },
);

const serviceUserSchema = userSchema.extend({ disabled: z.boolean() });

serviceRoutes.openapi(
  createRoute({ method: "get", path: "/users", tags, ...withKey, summary: "Users, in creation order (filter `q` on email or name)",
    request: { query: pageQuerySchema },
    responses: { 200: jsonResponse(z.object({ users: z.array(serviceUserSchema) }), "Users"), ...errorResponses(400, 401, 404) } }),
  async (c) => {
    const rows = await listUsers(c.get("db"), c.req.valid("query"));
    return c.json({ users: rows.map((u) => ({ ...toPublicUser(u), disabled: u.disabledAt !== null })) }, 200);
  },
);

const identityPermissionsSchema = z.object({
  identity: z.string(),
  kind: z.enum(["user", "service_account", "token"]),
  user_id: z.string(),
  enabled: z.boolean(),
  roles: z.array(z.string()),
  scopes: z.array(scopeGrantSchema).nullable().describe("a service account's or token's scopes; null for a user (not scoped)"),
  scopes_version: z.number().int().nullable(),
  shares: z.array(z.object({ owner_id: z.string(), instance_id: z.string().nullable(), permissions: z.array(z.string()), expires_at: z.string().nullable() })),
});

serviceRoutes.openapi(
  createRoute({ method: "get", path: "/identity-permissions", tags, ...withKey,
    summary: "What an identity (a user `usr_…`, a service account `sa_…` or a token `tok_…`) may do now: roles, scopes, shares received",
    request: { query: z.strictObject({ identity: z.string().min(1).max(64) }) },
    responses: { 200: jsonResponse(identityPermissionsSchema, "Its permissions"), ...errorResponses(400, 401, 404) } }),
  async (c) => {
    const db = c.get("db");
    const { identity } = c.req.valid("query");
    let view: { kind: "user" | "service_account" | "token"; userId: string; enabled: boolean; scopes: z.infer<typeof scopeGrantSchema>[] | null; version: number | null };
    if (identity.startsWith("sa_")) {
      const sa = await findServiceAccountById(db, identity);
      if (!sa) throw notFound("identity");
      view = { kind: "service_account", userId: sa.ownerId, enabled: true, scopes: sa.scopes, version: sa.version };
    } else if (identity.startsWith("tok_")) {
      const t = await findApiTokenById(db, identity);
      if (!t) throw notFound("identity");
      view = { kind: "token", userId: t.user.id, enabled: deadReason(t) === null, scopes: t.scopes, version: t.serviceAccount?.version ?? null };
    } else {
      view = { kind: "user", userId: identity, enabled: true, scopes: null, version: null };
    }
    const user = await findUserById(db, view.userId);
    if (!user) throw notFound("identity");
    const received = await sharesOf(db, user.id, "received");
    return c.json(
      {
        identity,
        kind: view.kind,
        user_id: user.id,
        enabled: view.enabled && user.disabledAt === null,
        roles: user.roles,
        scopes: view.scopes,
        scopes_version: view.version,
        shares: received
          .filter(({ share }) => share.enabled)
          .map(({ share }) => ({ owner_id: share.ownerId, instance_id: share.instanceId, permissions: share.permissions, expires_at: share.expiresAt })),
      },
      200,
    );
  },
);
