import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { passkeyCeremonySchema, passkeyRegisterFinishSchema, passkeySchema } from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { assertPermit } from "../../../core/auth/permit.ts";
import { sessionPrincipal } from "../require-user.ts";
import { beginPasskeyRegistration } from "./begin-registration.ts";
import { finishPasskeyRegistration } from "./finish-registration.ts";
import { toPasskeyView } from "./passkey-view.ts";
import { requireStepUp } from "../step-up/require-step-up.ts";

/**
 * "Add a passkey", served at two paths each: `/auth/passkey/register/{start,finish}` (the auth
 * services' paths) and `/api/settings/keys/add/{begin,finish}` (key management). One definition, one handler.
 * A signed-in person only: an API token cannot add a way to sign in.
 */
export const registrationStartRoute = (path: string, tag: string) =>
  createRoute({
    method: "post",
    path,
    tags: [tag],
    summary: "Start adding a passkey: options for navigator.credentials.create() and a single-use challenge id (5 minutes). Needs a step-up (E-AUTH-STEP-UP)",
    ...signedInSession,
    responses: { 200: jsonResponse(passkeyCeremonySchema, "The ceremony's options"), ...errorResponses(401, 403) },
  });

export const registrationFinishRoute = (path: string, tag: string) =>
  createRoute({
    method: "post",
    path,
    tags: [tag],
    summary: "Finish adding a passkey with the browser's attestation. Needs a step-up (E-AUTH-STEP-UP)",
    ...signedInSession,
    request: { body: jsonBody(passkeyRegisterFinishSchema) },
    responses: { 201: jsonResponse(passkeySchema, "The passkey, stored"), ...errorResponses(400, 401, 403, 409) },
  });

export const handleRegistrationStart: RouteHandler<ReturnType<typeof registrationStartRoute>, AppEnv> = async (c) => {
  const p = sessionPrincipal(c);
  assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
  await requireStepUp(c, p);
  return c.json(await beginPasskeyRegistration(c.get("db"), c.get("config"), p.user), 200);
};

export const handleRegistrationFinish: RouteHandler<ReturnType<typeof registrationFinishRoute>, AppEnv> = async (c) => {
  const p = sessionPrincipal(c);
  assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
  // Asked at both ends: a ceremony started in a fresh window cannot be finished long after it.
  await requireStepUp(c, p);
  const passkey = await finishPasskeyRegistration(c.get("db"), c.get("config"), p.user, c.req.valid("json"));
  await recordAudit(
    c.get("db"),
    { actorId: p.userId, action: "settings.passkey_added", subjectId: p.userId, ip: clientIp(c.req.raw), detail: { passkey_id: passkey.id, name: passkey.name } },
    eventSink(c),
  );
  return c.json(toPasskeyView(passkey), 201);
};
