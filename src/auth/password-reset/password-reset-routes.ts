import { emailProven } from "../../users/email-verified.ts";
import { createRoute } from "@hono/zod-openapi";
import { passwordForgotRequestSchema, passwordForgotResponseSchema, passwordResetRequestSchema, passwordResetResponseSchema } from "@anchorage/common/password-reset";
import { AppError, unauthenticated } from "../../../core/app-error.ts";
import { nowIso } from "../../../core/ids.ts";
import { findUserByEmail, findUserById, normalizeEmail } from "../../../core/users/users.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { closeHubSessions } from "../../cloud/events/close-hub-sessions.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi-common.ts";
import { newRouter } from "../../http/router.ts";
import { sendMailAfterResponse } from "../../mail/send-mail.ts";
import { magicLinksEnabled } from "../magic-link/magic-link-routes.ts";
import { enforceRateLimits, ipKey } from "../rate-limit/rate-limits.ts";
import { passwordChangedMail, passwordResetMail } from "./password-reset-mail.ts";
import { createPasswordReset, PASSWORD_RESET_TTL_SECONDS, redeemPasswordReset, resetPassword } from "./password-reset-links.ts";

export const passwordResetRoutes = newRouter();

/**
 * Per email, counted whether or not it has an account (so a 429 reveals nothing), and per address.
 * A link is 256 random bits, so the reset limit is hygiene, not what keeps it secret.
 */
export const PASSWORD_RESET_LIMITS = {
  forgotPerEmail: { limit: 5, windowSeconds: 15 * 60 },
  forgotPerIp: { limit: 20, windowSeconds: 60 * 60 },
  resetPerIp: { limit: 30, windowSeconds: 60 },
};

const ASKED = "If an account exists for this email, we've sent a link to choose a new password. It works once, within 30 minutes.";
const INVALID_LINK = "this password reset link is invalid, expired or already used; ask for a new one";

passwordResetRoutes.openapi(
  createRoute({
    method: "post", path: "/password/forgot", tags: ["auth"],
    summary: "Mail a single-use link (30 minutes) to choose a new password. The same answer whether or not the email has an account",
    description:
      "The link opens the dashboard's `/password/reset#token=…` (the token in the fragment, so it reaches no server log); " +
      "the page sends it to `POST /auth/password/reset`. Off (404), like magic links, where the server can send no mail.",
    request: { body: jsonBody(passwordForgotRequestSchema) },
    responses: { 202: jsonResponse(passwordForgotResponseSchema, "Asked (mailed only when the account exists)"), ...errorResponses(400, 404, 429) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const config = c.get("config");
    const db = c.get("db");
    if (!magicLinksEnabled(config)) throw new AppError("E-NOT-FOUND", "password reset by mail is off: this server sends no mail (RESEND_API_KEY is not set)");
    const ip = clientIp(c.req.raw);
    const email = normalizeEmail(body.email);
    await enforceRateLimits(c.env, [
      { key: ipKey("password-forgot", ip), rule: PASSWORD_RESET_LIMITS.forgotPerIp },
      { key: `password-forgot:email:${email}`, rule: PASSWORD_RESET_LIMITS.forgotPerEmail },
    ]);
    const found = await findUserByEmail(db, email);
    const user = found && !found.disabledAt ? found : null;
    // The same row and the same audit write either way; the mail itself goes after the response.
    const asked = await createPasswordReset(db, { userId: user?.id ?? null, email });
    if (user) {
      const link = `${config.issuer}/password/reset#token=${asked.token}`;
      sendMailAfterResponse(c, passwordResetMail({ to: user.email, link, expiresAt: asked.expiresAt, ip, userAgent: c.req.header("user-agent") ?? null }));
    }
    await recordAudit(db, { actorId: null, action: "auth.password_reset_requested", subjectId: user?.id ?? null, ip }, eventSink(c));
    return c.json({ message: ASKED, expires_in: PASSWORD_RESET_TTL_SECONDS }, 202);
  },
);

passwordResetRoutes.openapi(
  createRoute({
    method: "post", path: "/password/reset", tags: ["auth"],
    summary: "Set a new password with a reset link's token, once: every session of the account ends (API tokens stay), a notice is mailed, and nobody is signed in",
    description:
      "The password follows the registration policy; a policy failure is a 400 and leaves the link unspent. " +
      "A used, expired or unknown token is a 401 and changes nothing. An account with a second factor still needs it at the next sign-in.",
    request: { body: jsonBody(passwordResetRequestSchema) },
    responses: { 200: jsonResponse(passwordResetResponseSchema, "Password set; signed out everywhere"), ...errorResponses(400, 401, 429) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const db = c.get("db");
    const ip = clientIp(c.req.raw);
    await enforceRateLimits(c.env, [{ key: ipKey("password-reset", ip), rule: PASSWORD_RESET_LIMITS.resetPerIp }]);
    const userId = await redeemPasswordReset(db, body.token);
    const user = userId ? await findUserById(db, userId) : undefined;
    if (!user || user.disabledAt) throw unauthenticated(INVALID_LINK);
    await emailProven(db, user, user.email); // the reset link was mailed to the account's address
    const ended = await resetPassword(db, user.id, body.password);
    // Open dashboards of the account stop receiving events at once, as after signing out everywhere.
    await closeHubSessions(c.env, user.id, { allBut: null });
    const config = c.get("config");
    sendMailAfterResponse(c, passwordChangedMail({ to: user.email, at: nowIso(), sessionsEnded: ended, dashboard: `${config.issuer}/`, ip, userAgent: c.req.header("user-agent") ?? null }));
    await recordAudit(db, { actorId: user.id, action: "auth.password_reset", subjectId: user.id, ip, detail: { sessions_ended: ended } }, eventSink(c));
    c.header("cache-control", "no-store");
    return c.json({ success: true as const, sessions_ended: ended, message: "Your password was changed and every session was signed out. Sign in with the new password." }, 200);
  },
);
