import { createRoute } from "@hono/zod-openapi";
import { passkeyCeremonySchema, passkeyLoginFinishSchema, sessionResponseSchema } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { assertSameOrigin } from "../../http/csrf.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { enforceRateLimits, ipKey, RATE_LIMITS } from "../rate-limit/rate-limits.ts";
import { startSession } from "../session/start-session.ts";
import { beginPasskeySignIn } from "./begin-sign-in.ts";
import { handleRegistrationFinish, handleRegistrationStart, registrationFinishRoute, registrationStartRoute } from "./registration-routes.ts";
import { PasskeyRefused, verifyPasskeySignIn } from "./verify-passkey.ts";

/** `/auth/passkey/*`: adding a passkey, and signing in with one (usernameless, or as the second factor after a password). */
export const passkeyRoutes = newRouter();

passkeyRoutes.openapi(registrationStartRoute("/passkey/register/start", "auth"), handleRegistrationStart);
passkeyRoutes.openapi(registrationFinishRoute("/passkey/register/finish", "auth"), handleRegistrationFinish);

passkeyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/passkey/login/start",
    tags: ["auth"],
    summary: "Start a usernameless passkey sign-in: options for navigator.credentials.get() and a single-use challenge id (5 minutes)",
    responses: { 200: jsonResponse(passkeyCeremonySchema, "The ceremony's options"), ...errorResponses(429) },
  }),
  async (c) => {
    // Each start stores a challenge row: bounded per address like password attempts.
    await enforceRateLimits(c.env, [{ key: ipKey("passkey-start", clientIp(c.req.raw)), rule: RATE_LIMITS.loginPerIp }]);
    return c.json(await beginPasskeySignIn(c.get("db"), c.get("config")), 200);
  },
);

passkeyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/passkey/login/finish",
    tags: ["auth"],
    summary: "Finish a passkey sign-in (with challenge_id) or a password sign-in's second factor (with challenge_token); starts a session",
    request: { body: jsonBody(passkeyLoginFinishSchema) },
    responses: { 200: jsonResponse(sessionResponseSchema, "Signed in"), ...errorResponses(400, 401, 403, 429) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const db = c.get("db");
    const ip = clientIp(c.req.raw);
    // A cookie session may only be set for a page of our own (login CSRF).
    if (body.transport === "cookie") assertSameOrigin(c.req.raw, c.get("config"));
    await enforceRateLimits(c.env, [{ key: ipKey("login", ip), rule: RATE_LIMITS.loginPerIp }]);
    let signIn;
    try {
      signIn = await verifyPasskeySignIn(db, c.get("config"), body);
    } catch (e) {
      if (e instanceof PasskeyRefused) {
        await recordAudit(db, { actorId: null, action: "auth.login_failed", subjectId: e.userId, ip, detail: { method: "passkey", reason: e.message } }, eventSink(c));
      }
      throw e;
    }
    const session = await startSession(c, signIn.user, signIn.provider, body.transport);
    await recordAudit(
      db,
      { actorId: signIn.user.id, action: "auth.login", subjectId: signIn.user.id, ip, detail: { session_id: session.session_id, method: signIn.provider, passkey_id: signIn.passkey.id } },
      eventSink(c),
    );
    return c.json(session, 200);
  },
);
