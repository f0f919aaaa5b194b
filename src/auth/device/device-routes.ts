import { sessionPrincipal } from "../require-user.ts";
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import {
  deviceApproveRequestSchema,
  deviceCodeRequestSchema,
  deviceCodeResponseSchema,
  deviceTokenRequestSchema,
  deviceVerifyResponseSchema,
  userCodeSchema,
} from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter, validationError } from "../../http/router.ts";
import { AppError, notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { findUserById } from "../../../core/users/users.ts";
import { enforceRateLimits, ipKey } from "../rate-limit/rate-limits.ts";
import { startSession } from "../session/start-session.ts";
import { consumeApproved, createDeviceCode, decide, DEVICE_CODE_TTL_SECONDS, findByDeviceCode, findPendingByUserCode, notePoll, POLL_INTERVAL_SECONDS } from "./device-codes.ts";

export const deviceRoutes = newRouter();

/** RFC 8628 clients send forms (RFC 6749 §4.1.3); ours send JSON. Both are read the same. */
async function readBody(c: Context<AppEnv>): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (/^application\/x-www-form-urlencoded/i.test(type)) return Object.fromEntries(new URLSearchParams(await c.req.text()));
  if (/^application\/json/i.test(type)) {
    try {
      return await c.req.json();
    } catch {
      throw new AppError("E-VALIDATION", "invalid body: malformed JSON");
    }
  }
  if (!type && !(await c.req.text())) return {};
  throw new AppError("E-UNSUPPORTED-MEDIA", "body must be application/json or application/x-www-form-urlencoded");
}

/** RFC 6749 §5.2 error answers, which device-flow clients expect from the token endpoint. */
const oauthError = (c: Context<AppEnv>, error: string, description: string, status = 400) =>
  c.json({ error, error_description: description }, status as 400, { "cache-control": "no-store" });

const DEVICE_LIMIT = { limit: 20, windowSeconds: 60 };

deviceRoutes.post("/device/code", async (c) => {
  const parsed = deviceCodeRequestSchema.safeParse(await readBody(c));
  if (!parsed.success) throw validationError(parsed.error, "body");
  await enforceRateLimits(c.env, [{ key: ipKey("device-code", clientIp(c.req.raw)), rule: DEVICE_LIMIT }]);
  const { deviceCode, userCode } = await createDeviceCode(c.get("db"), { clientId: parsed.data.client_id, scope: parsed.data.scope });
  const uri = `${c.get("config").issuer}/device`;
  return c.json({
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: uri,
    verification_uri_complete: `${uri}?user_code=${userCode}`,
    expires_in: DEVICE_CODE_TTL_SECONDS,
    interval: POLL_INTERVAL_SECONDS,
  } satisfies z.infer<typeof deviceCodeResponseSchema>);
});

deviceRoutes.post("/device/token", async (c) => {
  const parsed = deviceTokenRequestSchema.safeParse(await readBody(c));
  if (!parsed.success) return oauthError(c, parsed.error.issues.some((i) => i.path[0] === "grant_type") ? "unsupported_grant_type" : "invalid_request", "expected grant_type=urn:ietf:params:oauth:grant-type:device_code and device_code");
  const db = c.get("db");
  const row = await findByDeviceCode(db, parsed.data.device_code);
  const now = Date.now();
  if (!row || row.consumedAt) return oauthError(c, "invalid_grant", "unknown or already used device_code");
  if (Date.parse(row.expiresAt) <= now) return oauthError(c, "expired_token", "the device code expired; start again");
  if (row.denied) return oauthError(c, "access_denied", "the user denied the request");
  if (!row.approvedBy) {
    // §3.5: a client polling faster than the interval is told to slow down, and the interval grows.
    const tooSoon = row.lastPolledAt !== null && now - Date.parse(row.lastPolledAt) < row.intervalSeconds * 1000 - 250;
    await notePoll(db, row, tooSoon, now);
    return tooSoon ? oauthError(c, "slow_down", `poll at most every ${row.intervalSeconds + 5} s`) : oauthError(c, "authorization_pending", "waiting for the user to approve");
  }
  const userId = await consumeApproved(db, row, now);
  const user = userId ? await findUserById(db, userId) : undefined;
  if (!user || user.disabledAt) return oauthError(c, "invalid_grant", "the device code can no longer be used");
  const session = await startSession(c, user, "device", "bearer");
  await recordAudit(db, { actorId: user.id, action: "auth.device_login", subjectId: session.session_id, ip: clientIp(c.req.raw), detail: { client_id: row.clientId } }, eventSink(c));
  c.header("cache-control", "no-store");
  return c.json({
    access_token: session.tokens!.access_token,
    token_type: "Bearer",
    expires_in: session.tokens!.expires_in,
    refresh_token: session.tokens!.refresh_token,
    scope: row.scope,
  });
});

/** Guessing user codes is what an attacker would do here: limit per user and per address. */
async function limitApprovals(c: Context<AppEnv>) {
  await enforceRateLimits(c.env, [
    { key: `device-approve:user:${c.get("principal").userId}`, rule: { limit: 10, windowSeconds: 600 } },
    { key: ipKey("device-approve", clientIp(c.req.raw)), rule: { limit: 30, windowSeconds: 600 } },
  ]);
}

deviceRoutes.openapi(
  createRoute({
    method: "get", path: "/device/verify", tags: ["auth"], ...signedInSession,
    summary: "What a pending device sign-in asks for, by its user code (for the /device page)",
    request: { query: z.object({ user_code: userCodeSchema }) },
    responses: { 200: jsonResponse(deviceVerifyResponseSchema, "The pending request"), ...errorResponses(400, 401, 404, 429) },
  }),
  async (c) => {
    await limitApprovals(c);
    const row = await findPendingByUserCode(c.get("db"), c.req.valid("query").user_code);
    if (!row) throw notFound("pending sign-in with this code (it may have expired or been used)");
    return c.json({ user_code: row.userCode, client_id: row.clientId, scope: row.scope, created_at: row.createdAt, expires_at: row.expiresAt }, 200);
  },
);

deviceRoutes.openapi(
  createRoute({
    method: "post", path: "/device/approve", tags: ["auth"], ...signedInSession,
    summary: "Approve or deny a device sign-in (the CLI's next poll then gets a session, or access_denied)",
    request: { body: jsonBody(deviceApproveRequestSchema) },
    responses: { 200: jsonResponse(z.object({ status: z.enum(["approved", "denied"]) }), "Decided"), ...errorResponses(400, 401, 404, 429) },
  }),
  async (c) => {
    await limitApprovals(c);
    const p = sessionPrincipal(c);
    const body = c.req.valid("json");
    const row = await decide(c.get("db"), body.user_code, p.userId, body.approve);
    if (!row) throw notFound("pending sign-in with this code (it may have expired or been used)");
    await recordAudit(c.get("db"), { actorId: p.userId, action: body.approve ? "auth.device_approved" : "auth.device_denied", ip: clientIp(c.req.raw), detail: { client_id: row.clientId } }, eventSink(c));
    return c.json({ status: body.approve ? ("approved" as const) : ("denied" as const) }, 200);
  },
);

// The two RFC 8628 endpoints take forms as well as JSON, so they are plain routes; describe them here.
deviceRoutes.openAPIRegistry.registerPath({
  method: "post", path: "/device/code", tags: ["auth"], summary: "RFC 8628 device authorization: a device code for the CLI and a user code for the browser",
  request: { body: jsonBody(deviceCodeRequestSchema) },
  responses: { 200: jsonResponse(deviceCodeResponseSchema, "Codes"), ...errorResponses(400, 429) },
});
deviceRoutes.openAPIRegistry.registerPath({
  method: "post", path: "/device/token", tags: ["auth"],
  summary: "RFC 8628 token polling; errors here are RFC 6749 `{error, error_description}` (authorization_pending, slow_down, expired_token, access_denied)",
  request: { body: jsonBody(deviceTokenRequestSchema) },
  responses: { 200: jsonResponse(z.object({ access_token: z.string(), token_type: z.literal("Bearer"), expires_in: z.number(), refresh_token: z.string(), scope: z.string() }), "A session"), 400: { description: "RFC 6749 error" } },
});
