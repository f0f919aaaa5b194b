import { createRoute, z } from "@hono/zod-openapi";
import { identityListSchema, unlinkIdentityRequestSchema } from "@anchorage/common";
import { AppError, notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../../http/openapi-common.ts";
import { newRouter } from "../../http/router.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { assertPermit } from "../../../core/auth/permit.ts";
import { sessionPrincipal } from "../require-user.ts";
import { findUserById } from "../../../core/users/users.ts";
import { listIdentities, toIdentityView, unlinkIdentity } from "./identity-store.ts";

/** `/api/settings/identities`: the provider accounts linked to the signed-in person (linking itself is `GET /auth/{provider}?link=1`). */
export const identityRoutes = newRouter();

identityRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["settings"],
    summary: "Your linked sign-in providers",
    ...signedInSession,
    responses: { 200: jsonResponse(identityListSchema, "Linked providers"), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "read:account", { type: "account", ownerId: p.userId });
    const [rows, user] = await Promise.all([listIdentities(c.get("db"), p.userId), findUserById(c.get("db"), p.userId)]);
    return c.json({ identities: rows.map(toIdentityView), has_password: (user?.passwordHash ?? null) !== null }, 200);
  },
);

identityRoutes.openapi(
  createRoute({
    method: "post",
    path: "/unlink",
    tags: ["settings"],
    summary: "Unlink a provider; refused when it is your last way to sign in",
    ...signedInSession,
    request: { body: jsonBody(unlinkIdentityRequestSchema) },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Unlinked"), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    const { provider } = c.req.valid("json");
    const outcome = await unlinkIdentity(c.get("db"), p.userId, provider);
    if (outcome === "not-found") throw notFound(`linked ${provider} account`);
    if (outcome === "last-method") {
      throw new AppError("E-CONFLICT", `${provider} is your only way to sign in; link another provider or add a passkey or password first`);
    }
    await recordAudit(c.get("db"), { actorId: p.userId, action: "auth.identity_unlinked", subjectId: p.userId, ip: clientIp(c.req.raw), detail: { provider } }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);
