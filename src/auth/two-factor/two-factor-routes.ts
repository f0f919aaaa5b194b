import { createRoute } from "@hono/zod-openapi";
import { sessionResponseSchema, twoFactorVerifySchema } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { assertSameOrigin } from "../../http/csrf.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { enforceRateLimits, ipKey, RATE_LIMITS } from "../rate-limit/rate-limits.ts";
import { startSession } from "../session/start-session.ts";
import { SecondFactorRefused, verifySecondFactor } from "./verify-second-factor.ts";

/** `/auth/2fa/*`: the second step of a password sign-in, with a TOTP code or a recovery code (a passkey finishes it at /auth/passkey/login/finish). */
export const twoFactorRoutes = newRouter();

twoFactorRoutes.openapi(
  createRoute({
    method: "post",
    path: "/2fa/verify",
    tags: ["auth"],
    summary: "Finish a password sign-in's second step with a TOTP code (method totp) or a recovery code (method recovery) and the challenge_token /auth/login gave; starts a session",
    request: { body: jsonBody(twoFactorVerifySchema) },
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
      signIn = await verifySecondFactor(c.env, db, body);
    } catch (e) {
      if (e instanceof SecondFactorRefused) {
        await recordAudit(db, { actorId: null, action: "auth.login_failed", subjectId: e.userId, ip, detail: { method: body.method, reason: e.message } }, eventSink(c));
      }
      throw e;
    }
    const session = await startSession(c, signIn.user, signIn.provider, body.transport);
    const actor = signIn.user.id;
    if (signIn.recoveryCodesLeft !== null) {
      await recordAudit(db, { actorId: actor, action: "auth.recovery_code_used", subjectId: actor, ip, detail: { recovery_codes_left: signIn.recoveryCodesLeft } }, eventSink(c));
    }
    await recordAudit(db, { actorId: actor, action: "auth.login", subjectId: actor, ip, detail: { session_id: session.session_id, method: signIn.provider } }, eventSink(c));
    return c.json(session, 200);
  },
);
