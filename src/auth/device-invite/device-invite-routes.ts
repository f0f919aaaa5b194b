import { createRoute } from "@hono/zod-openapi";
import { sessionResponseSchema } from "@anchorage/common";
import { deviceInviteCreatedSchema, deviceInviteVerifySchema } from "@anchorage/common/passwordless";
import { newRouter } from "../../http/router.ts";
import { unauthenticated } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { findUserById } from "../../../core/users/users.ts";
import { enforceRateLimits, ipKey } from "../rate-limit/rate-limits.ts";
import { sessionPrincipal } from "../require-user.ts";
import { startSession } from "../session/start-session.ts";
import { createDeviceInvite, DEVICE_INVITE_TTL_SECONDS, redeemDeviceInvite } from "./invite-codes.ts";

export const deviceInviteRoutes = newRouter();

/**
 * Six digits are 10^6 codes, so guessing is what bounds their safety. A wrong guess names no code,
 * so it cannot be counted against one: every attempt is counted per address and across the whole
 * deployment instead. The deployment-wide window (10 min) is longer than a code lives (5 min), so
 * one code meets at most 60 guesses from everyone together: at most a 60 in 10^6 chance. The price
 * is that a flood of guesses pauses this flow for everyone (the RFC 8628 device flow still works).
 */
export const DEVICE_INVITE_LIMITS = {
  createPerUser: { limit: 10, windowSeconds: 60 * 60 },
  verifyPerIp: { limit: 10, windowSeconds: 10 * 60 },
  verifyEverywhere: { limit: 60, windowSeconds: 10 * 60 },
};

deviceInviteRoutes.openapi(
  createRoute({
    method: "post", path: "/device-invite/create", tags: ["auth"], ...signedInSession,
    summary: "A 6-digit code (5 minutes, single use) that signs a command-line tool in as you; it replaces your earlier unused code",
    responses: { 201: jsonResponse(deviceInviteCreatedSchema, "The code (shown this once)"), ...errorResponses(401, 403, 429) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    await enforceRateLimits(c.env, [{ key: `device-invite-create:user:${p.userId}`, rule: DEVICE_INVITE_LIMITS.createPerUser }]);
    const { code, expiresAt } = await createDeviceInvite(c.get("db"), p.userId);
    await recordAudit(c.get("db"), { actorId: p.userId, action: "auth.device_invite_created", subjectId: p.userId, ip: clientIp(c.req.raw) }, eventSink(c));
    c.header("cache-control", "no-store");
    return c.json({ code, expires_at: expiresAt, expires_in: DEVICE_INVITE_TTL_SECONDS }, 201);
  },
);

deviceInviteRoutes.openapi(
  createRoute({
    method: "post", path: "/device-invite/verify", tags: ["auth"],
    summary: "A command-line tool trades a device code for a session (Bearer tokens). Attempts are limited per address and deployment-wide",
    request: { body: jsonBody(deviceInviteVerifySchema) },
    responses: { 200: jsonResponse(sessionResponseSchema, "Signed in"), ...errorResponses(400, 401, 429) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const db = c.get("db");
    const ip = clientIp(c.req.raw);
    // One after the other: an address over its own limit must not use up everyone's budget too.
    await enforceRateLimits(c.env, [{ key: ipKey("device-invite-verify", ip), rule: DEVICE_INVITE_LIMITS.verifyPerIp }]);
    await enforceRateLimits(c.env, [{ key: "device-invite-verify:everywhere", rule: DEVICE_INVITE_LIMITS.verifyEverywhere }]);
    const userId = await redeemDeviceInvite(db, body.code);
    const user = userId ? await findUserById(db, userId) : undefined;
    if (!user || user.disabledAt) throw unauthenticated("this device code is wrong, expired or already used");
    const session = await startSession(c, user, "device-invite", "bearer");
    await recordAudit(db, { actorId: user.id, action: "auth.device_invite_login", subjectId: session.session_id, ip, detail: body.client_name ? { client_name: body.client_name } : {} }, eventSink(c));
    c.header("cache-control", "no-store");
    return c.json(session, 200);
  },
);
