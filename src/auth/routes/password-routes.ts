import { createRoute } from "@hono/zod-openapi";
import { loginRequestSchema, registerRequestSchema, sessionResponseSchema } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { AppError, unauthenticated } from "../../http/app-error.ts";
import { assertSameOrigin } from "../../http/csrf.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi-common.ts";
import { createUser, findUserByEmail, newUserRow, normalizeEmail } from "../../users/users.ts";
import { users } from "../../db/schema.ts";
import { eq } from "drizzle-orm";
import { recordAudit } from "../../audit/audit-log.ts";
import { consumeInviteStatement } from "../invites.ts";
import { DECOY_PASSWORD_HASH, hashPassword, needsRehash, verifyPassword } from "../password/password-hash.ts";
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
  await recordAudit(db, { actorId: user.id, action: "auth.register", subjectId: user.id, ip });
  return c.json(await startSession(c, user, "password", body.transport), 201);
});

const login = createRoute({
  method: "post",
  path: "/login",
  tags: ["auth"],
  summary: "Sign in with email and password",
  request: { body: jsonBody(loginRequestSchema) },
  responses: { 200: jsonResponse(sessionResponseSchema, "Signed in"), ...errorResponses(400, 401, 403, 429) },
});

passwordRoutes.openapi(login, async (c) => {
  const body = c.req.valid("json");
  const config = c.get("config");
  const db = c.get("db");
  const ip = clientIp(c.req.raw);
  if (body.transport === "cookie") assertSameOrigin(c.req.raw, config);
  await enforceRateLimits(c.env, [
    { key: ipKey("login", ip), rule: RATE_LIMITS.loginPerIp },
    { key: `login:account:${normalizeEmail(body.email)}`, rule: RATE_LIMITS.loginPerAccount },
  ]);

  const user = await findUserByEmail(db, body.email);
  // Always pay for one Argon2id verification, so an unknown email takes as long as a wrong password.
  const ok = await verifyPassword(body.password, user?.passwordHash ?? DECOY_PASSWORD_HASH);
  if (!user || !user.passwordHash || !ok) {
    await recordAudit(db, { actorId: null, action: "auth.login_failed", subjectId: user?.id ?? null, ip });
    throw unauthenticated("invalid email or password");
  }
  // Only someone who knows the password learns that the account is disabled.
  if (user.disabledAt) throw new AppError("E-AUTH-FORBID", "this account is disabled");
  if (needsRehash(user.passwordHash)) {
    await db.update(users).set({ passwordHash: await hashPassword(body.password) }).where(eq(users.id, user.id));
  }
  await recordAudit(db, { actorId: user.id, action: "auth.login", subjectId: user.id, ip });
  return c.json(await startSession(c, user, "password", body.transport), 200);
});
