import { emailProven } from "../../users/email-verified.ts";
import { createRoute } from "@hono/zod-openapi";
import {
  magicLinkRequestedSchema,
  magicLinkRequestSchema,
  magicLinkStatusQuerySchema,
  magicLinkStatusSchema,
  magicLinkVerifiedSchema,
  magicLinkVerifySchema,
} from "@anchorage/common/passwordless";
import type { Config } from "../../config.ts";
import { newRouter } from "../../http/router.ts";
import { AppError, notFound, unauthenticated } from "../../../core/app-error.ts";
import { assertSameOrigin } from "../../http/csrf.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { sendMailAfterResponse } from "../../mail/send-mail.ts";
import { findUserByEmail, findUserById, normalizeEmail } from "../../../core/users/users.ts";
import { enforceRateLimits, ipKey } from "../rate-limit/rate-limits.ts";
import { startSession } from "../session/start-session.ts";
import { browserLinkMail, cliLinkMail } from "./magic-link-mail.ts";
import { approveCliRequest, claimApprovedRequest, createMagicLinkRequest, MAGIC_LINK_TTL_SECONDS, redeemMagicLink, requestState } from "./magic-link-requests.ts";

export const magicLinkRoutes = newRouter();

/**
 * Per email, counted whether or not it has an account (so a 429 reveals nothing), and per address.
 * A link is 256 random bits, so the verify and status limits are hygiene, not what keeps it secret.
 */
export const MAGIC_LINK_LIMITS = {
  requestPerEmail: { limit: 5, windowSeconds: 15 * 60 },
  requestPerIp: { limit: 20, windowSeconds: 60 * 60 },
  verifyPerIp: { limit: 30, windowSeconds: 60 },
  statusPerIp: { limit: 120, windowSeconds: 60 },
};

/** Links need a way to reach people: Resend, or (outside production) the dev outbox someone can read. */
export const magicLinksEnabled = (config: Config) => config.mail.resendApiKey !== null || config.environment !== "production";

const REQUESTED = "If an account exists for this email, a sign-in link is on its way. It works once, within 10 minutes.";
const INVALID_LINK = "this sign-in link is invalid, expired or already used; ask for a new one";

magicLinkRoutes.openapi(
  createRoute({
    method: "post", path: "/magic-link/request", tags: ["auth"],
    summary: "Mail a single-use sign-in link (10 minutes). The same answer whether or not the email has an account; `for: cli` also returns the request id to poll `status` with",
    request: { body: jsonBody(magicLinkRequestSchema) },
    responses: { 202: jsonResponse(magicLinkRequestedSchema, "Asked (mailed only when the account exists)"), ...errorResponses(400, 404, 429) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const config = c.get("config");
    const db = c.get("db");
    if (!magicLinksEnabled(config)) throw new AppError("E-NOT-FOUND", "magic links are off: this server sends no mail (RESEND_API_KEY is not set)");
    const ip = clientIp(c.req.raw);
    const email = normalizeEmail(body.email);
    await enforceRateLimits(c.env, [
      { key: ipKey("magic-link", ip), rule: MAGIC_LINK_LIMITS.requestPerIp },
      { key: `magic-link:email:${email}`, rule: MAGIC_LINK_LIMITS.requestPerEmail },
    ]);
    // Magic links sign in existing accounts; they never create one (docs/sign-in.md, "Magic links").
    const found = await findUserByEmail(db, email);
    const user = found && !found.disabledAt ? found : null;
    const forCli = body.for === "cli";
    // The same rows and the same audit write either way; the mail itself goes after the response.
    const asked = await createMagicLinkRequest(db, { userId: user?.id ?? null, email, forCli });
    if (user) {
      const link = `${config.issuer}/magic?token=${asked.token}${forCli ? "&for=cli" : ""}`;
      const context = { to: user.email, link, expiresAt: asked.expiresAt, ip, userAgent: c.req.header("user-agent") ?? null };
      sendMailAfterResponse(c, forCli ? cliLinkMail({ ...context, checkCode: asked.checkCode! }) : browserLinkMail(context));
    }
    await recordAudit(db, { actorId: null, action: "auth.magic_link_requested", subjectId: user?.id ?? null, ip, detail: { for: body.for } }, eventSink(c));
    return c.json({ message: REQUESTED, expires_in: MAGIC_LINK_TTL_SECONDS, ...(forCli ? { request_id: asked.requestId!, check_code: asked.checkCode! } : {}) }, 202);
  },
);

magicLinkRoutes.openapi(
  createRoute({
    method: "post", path: "/magic-link/verify", tags: ["auth"],
    summary: "Redeem a sign-in link, once: a browser link starts a session here; a terminal's link approves the terminal, whose next `status` poll gets the session",
    request: { body: jsonBody(magicLinkVerifySchema) },
    responses: { 200: jsonResponse(magicLinkVerifiedSchema, "Signed in, or the terminal approved"), ...errorResponses(400, 401, 403, 429) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const db = c.get("db");
    const ip = clientIp(c.req.raw);
    // A cookie session may only be set for a page of our own (login CSRF).
    if (body.transport === "cookie") assertSameOrigin(c.req.raw, c.get("config"));
    await enforceRateLimits(c.env, [{ key: ipKey("magic-link-verify", ip), rule: MAGIC_LINK_LIMITS.verifyPerIp }]);
    const row = await redeemMagicLink(db, body.token);
    const user = row?.userId ? await findUserById(db, row.userId) : undefined;
    if (!row || !user || user.disabledAt) throw unauthenticated(INVALID_LINK);
    // The link went to the account's address: whoever opened it reads that mailbox.
    await emailProven(db, user, user.email);
    if (row.link.for === "cli") {
      const approved = row.link.status_key_hash !== undefined && (await approveCliRequest(db, row.link.status_key_hash, user.id));
      if (!approved) throw unauthenticated("the terminal that asked for this link has stopped waiting; ask for a new one");
      await recordAudit(db, { actorId: user.id, action: "auth.magic_link_approved", subjectId: user.id, ip }, eventSink(c));
      return c.json({ for: "cli" as const, message: "Approved: your terminal is signing in. You can close this page." }, 200);
    }
    const session = await startSession(c, user, "magic-link", body.transport);
    await recordAudit(db, { actorId: user.id, action: "auth.magic_link_login", subjectId: session.session_id, ip }, eventSink(c));
    c.header("cache-control", "no-store");
    return c.json({ for: "browser" as const, ...session }, 200);
  },
);

magicLinkRoutes.openapi(
  createRoute({
    method: "get", path: "/magic-link/status", tags: ["auth"],
    summary: "For the terminal that asked (`for: cli`): pending until the link is opened, then the session exactly once (Bearer tokens), then used; or expired",
    request: { query: magicLinkStatusQuerySchema },
    responses: { 200: jsonResponse(magicLinkStatusSchema, "Where the request stands"), ...errorResponses(400, 401, 404, 429) },
  }),
  async (c) => {
    const { request_id } = c.req.valid("query");
    const db = c.get("db");
    const ip = clientIp(c.req.raw);
    await enforceRateLimits(c.env, [{ key: ipKey("magic-link-status", ip), rule: MAGIC_LINK_LIMITS.statusPerIp }]);
    c.header("cache-control", "no-store");
    const userId = await claimApprovedRequest(db, request_id);
    if (userId) {
      const user = await findUserById(db, userId);
      if (!user || user.disabledAt) throw unauthenticated(INVALID_LINK);
      const session = await startSession(c, user, "magic-link", "bearer");
      await recordAudit(db, { actorId: user.id, action: "auth.magic_link_login", subjectId: session.session_id, ip, detail: { for: "cli" } }, eventSink(c));
      return c.json({ status: "approved" as const, ...session }, 200);
    }
    const state = await requestState(db, request_id);
    if (!state) throw notFound("sign-in link request");
    return c.json({ status: state }, 200);
  },
);
