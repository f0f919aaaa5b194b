import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { loginRequestSchema, registerRequestSchema, secondFactorRequiredSchema, sessionResponseSchema } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { AppError } from "../../../core/app-error.ts";
import { assertSameOrigin } from "../../http/csrf.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi-common.ts";
import { createUser, newUserRow } from "../../../core/users/users.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { consumeInviteStatement } from "../invites.ts";
import { hashPassword } from "../password/password-hash.ts";
import { verifyCredentials } from "../password/verify-credentials.ts";
import { beginSecondFactor } from "../two-factor/begin-second-factor.ts";
import { enforceRateLimits, ipKey, RATE_LIMITS } from "../rate-limit/rate-limits.ts";
import { startSession } from "../session/start-session.ts";

export const passwordRoutes = newRouter();

const register = createRoute({
  method: "post",
  path: "/register",
  tags: ["auth"],
  summary: "Create an account with email and password (open or invite-only by config)",
  request: { body: jsonBody(registerRequestSchema) },
  responses: { 201: jsonResponse(sessionResponseSchema, "Account created and signed in"), ...errorResponses(400, 403, 409, 429) },
});

passwordRoutes.openapi(register, async (c) => {
  const body = c.req.valid("json");
  const config = c.get("config");
  const db = c.get("db");
  const ip = clientIp(c.req.raw);
  // A cookie session may only be set for a page of our own (login CSRF).
  if (body.transport === "cookie") assertSameOrigin(c.req.raw, config);
  await enforceRateLimits(c.env, [{ key: ipKey("register", ip), rule: RATE_LIMITS.registerPerIp }]);

  if (config.registration === "closed") throw new AppError("E-AUTH-FORBID", "registration is closed; ask an admin for an account");
  if (config.registration === "invite" && !body.invite) {
    throw new AppError("E-AUTH-FORBID", "registration is by invitation; an invite code is required");
  }
  const row = newUserRow({ email: body.email, name: body.name, passwordHash: await hashPassword(body.password), roles: ["user"] });
  const user =
    config.registration === "invite"
      ? await createUser(db, row, { d1: c.env.DB, statement: await consumeInviteStatement(c.env.DB, body.invite!, body.email, row.id), table: "invites" })
      : await createUser(db, row);
  await recordAudit(db, { actorId: user.id, action: "auth.register", subjectId: user.id, ip }, eventSink(c));
  return c.json(await startSession(c, user, "password", body.transport), 201);
});

const login = createRoute({
  method: "post",
  path: "/login",
  tags: ["auth"],
  summary: "Sign in with email and password; an account with a second factor (TOTP or a passkey) gets requires_2fa, its methods and a challenge_token instead of a session",
  request: { body: jsonBody(loginRequestSchema) },
  responses: {
    200: jsonResponse(z.union([sessionResponseSchema, secondFactorRequiredSchema]), "Signed in, or the password was right and a second factor must finish (POST /auth/2fa/verify for totp and recovery, POST /auth/passkey/login/finish for passkey)"),
    ...errorResponses(400, 401, 403, 429),
  },
});

passwordRoutes.openapi(login, async (c) => {
  const body = c.req.valid("json");
  const config = c.get("config");
  const db = c.get("db");
  const ip = clientIp(c.req.raw);
  if (body.transport === "cookie") assertSameOrigin(c.req.raw, config);
  const user = await verifyCredentials(c, body.email, body.password);
  // With a second factor on the account (TOTP or a passkey) the password alone never makes a session.
  const secondFactor = await beginSecondFactor(db, config, user);
  if (secondFactor) {
    await recordAudit(db, { actorId: user.id, action: "auth.login_2fa_required", subjectId: user.id, ip }, eventSink(c));
    return c.json(secondFactor, 200);
  }
  const session = await startSession(c, user, "password", body.transport);
  // The session's id names its event (auth.session.{id}.created); it is an id, not a credential.
  await recordAudit(db, { actorId: user.id, action: "auth.login", subjectId: user.id, ip, detail: { session_id: session.session_id } }, eventSink(c));
  return c.json(session, 200);
});
