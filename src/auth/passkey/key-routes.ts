import { createRoute, z } from "@hono/zod-openapi";
import { deletePasskeySchema, passkeyListSchema, passkeySchema, renamePasskeySchema } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { AppError, notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { assertPermit } from "../../../core/auth/permit.ts";
import { sessionPrincipal } from "../require-user.ts";
import { countSignInMethods, deletePasskey, listPasskeys, renamePasskey } from "./passkey-store.ts";
import { toPasskeyView } from "./passkey-view.ts";
import { handleRegistrationFinish, handleRegistrationStart, registrationFinishRoute, registrationStartRoute } from "./registration-routes.ts";
import { requireStepUp } from "../step-up/require-step-up.ts";

/**
 * `/api/settings/keys`: the signed-in person's passkeys. Session only (an API token is refused),
 * every query scoped to the caller, so another user's key is simply not found.
 */
export const keyRoutes = newRouter();
const tags = ["settings"];

keyRoutes.openapi(
  createRoute({
    method: "get",
    path: "/keys",
    tags,
    summary: "Your passkeys, and how else you can sign in",
    ...signedInSession,
    responses: { 200: jsonResponse(passkeyListSchema, "Passkeys"), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "read:account", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const [keys, methods] = await Promise.all([listPasskeys(db, p.userId), countSignInMethods(db, p.userId)]);
    return c.json({ keys: keys.map(toPasskeyView), sign_in_methods: methods }, 200);
  },
);

keyRoutes.openapi(registrationStartRoute("/keys/add/begin", "settings"), handleRegistrationStart);
keyRoutes.openapi(registrationFinishRoute("/keys/add/finish", "settings"), handleRegistrationFinish);

keyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/keys/rename",
    tags,
    summary: "Rename one of your passkeys",
    ...signedInSession,
    request: { body: jsonBody(renamePasskeySchema) },
    responses: { 200: jsonResponse(passkeySchema, "The renamed passkey"), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    const { id, name } = c.req.valid("json");
    const row = await renamePasskey(c.get("db"), p.userId, id, name);
    if (!row) throw notFound("passkey");
    await recordAudit(c.get("db"), { actorId: p.userId, action: "settings.passkey_renamed", subjectId: p.userId, ip: clientIp(c.req.raw), detail: { passkey_id: id, name } }, eventSink(c));
    return c.json(toPasskeyView(row), 200);
  },
);

keyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/keys/delete",
    tags,
    summary: "Delete one of your passkeys (refused with 409 when it is your last way to sign in). Needs a step-up (E-AUTH-STEP-UP)",
    ...signedInSession,
    request: { body: jsonBody(deletePasskeySchema) },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Deleted"), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    await requireStepUp(c, p);
    const { id } = c.req.valid("json");
    const outcome = await deletePasskey(c.get("db"), p.userId, id);
    if (outcome === "not-found") throw notFound("passkey");
    if (outcome === "last-method") {
      throw new AppError("E-CONFLICT", "this passkey is your last way to sign in: add another passkey, a password or a linked account before deleting it");
    }
    await recordAudit(c.get("db"), { actorId: p.userId, action: "settings.passkey_deleted", subjectId: p.userId, ip: clientIp(c.req.raw), detail: { passkey_id: id } }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);
