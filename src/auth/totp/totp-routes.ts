import { createRoute, z } from "@hono/zod-openapi";
import { totpConfirmRequestSchema, totpConfirmResponseSchema, totpStartResponseSchema, totpStatusSchema } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { assertPermit } from "../../../core/auth/permit.ts";
import { sessionPrincipal } from "../require-user.ts";
import { enforceRateLimits, RATE_LIMITS } from "../rate-limit/rate-limits.ts";
import { requireStepUp } from "../step-up/require-step-up.ts";
import { confirmTotpEnrolment, startTotp } from "./enrol-totp.ts";
import { countRecoveryCodesLeft, deleteTotp, findTotp } from "./totp-store.ts";

/**
 * `/api/settings/totp`: the signed-in person's authenticator app (TOTP, RFC 6238) as a second
 * factor. Session only (an API token is refused), every query scoped to the caller.
 */
export const totpRoutes = newRouter();
const tags = ["settings"];

/** Codes are guessable one at a time: confirming shares the sign-in step's per-account limit. */
const limitCodes = (env: Parameters<typeof enforceRateLimits>[0], userId: string) =>
  enforceRateLimits(env, [{ key: `2fa:account:${userId}`, rule: RATE_LIMITS.secondFactorPerAccount }]);

totpRoutes.openapi(
  createRoute({
    method: "get",
    path: "/totp",
    tags,
    summary: "Whether two-factor sign-in with an authenticator app (TOTP) is on, and how many recovery codes are left",
    ...signedInSession,
    responses: { 200: jsonResponse(totpStatusSchema, "TOTP state"), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "read:account", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const [row, left] = await Promise.all([findTotp(db, p.userId), countRecoveryCodesLeft(db, p.userId)]);
    const state = !row ? "none" : row.confirmedAt ? "enabled" : "pending";
    return c.json({ state, confirmed_at: row?.confirmedAt ?? null, recovery_codes_left: row?.confirmedAt ? left : 0 } as const, 200);
  },
);

totpRoutes.openapi(
  createRoute({
    method: "post",
    path: "/totp/start",
    tags,
    summary: "Start setting up an authenticator app: a new TOTP secret and its otpauth:// URL, pending until confirmed (starting again replaces a pending one; 409 when TOTP is already on). Needs a step-up (E-AUTH-STEP-UP)",
    ...signedInSession,
    responses: { 200: jsonResponse(totpStartResponseSchema, "The pending secret"), ...errorResponses(401, 403, 409) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    await requireStepUp(c, p);
    const db = c.get("db");
    const started = await startTotp(db, c.get("config"), { id: p.userId, email: p.user.email });
    await recordAudit(db, { actorId: p.userId, action: "settings.totp_started", subjectId: p.userId, ip: clientIp(c.req.raw) }, eventSink(c));
    return c.json(started, 200);
  },
);

totpRoutes.openapi(
  createRoute({
    method: "post",
    path: "/totp/confirm",
    tags,
    summary: "Confirm the pending TOTP secret with a code from the app: TOTP is on from now, and the 10 single-use recovery codes are answered (only this once). Needs a step-up (E-AUTH-STEP-UP)",
    ...signedInSession,
    request: { body: jsonBody(totpConfirmRequestSchema) },
    responses: { 200: jsonResponse(totpConfirmResponseSchema, "TOTP is on; the recovery codes"), ...errorResponses(400, 401, 403, 409, 429) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    // Asked at both ends: a secret started in a fresh window cannot be confirmed long after it.
    await requireStepUp(c, p);
    await limitCodes(c.env, p.userId);
    const db = c.get("db");
    const answer = await confirmTotpEnrolment(db, p.userId, c.req.valid("json").code);
    await recordAudit(db, { actorId: p.userId, action: "settings.totp_confirmed", subjectId: p.userId, ip: clientIp(c.req.raw), detail: { recovery_codes: answer.recovery_codes.length } }, eventSink(c));
    return c.json(answer, 200);
  },
);

totpRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/totp",
    tags,
    summary: "Turn TOTP off and delete its recovery codes. Needs a step-up (E-AUTH-STEP-UP; POST /auth/step-up); no body",
    ...signedInSession,
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Removed"), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    await requireStepUp(c, p);
    const db = c.get("db");
    if (!(await deleteTotp(db, p.userId))) throw notFound("two-factor setup");
    await recordAudit(db, { actorId: p.userId, action: "settings.totp_deleted", subjectId: p.userId, ip: clientIp(c.req.raw), detail: { proof: "step-up" } }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);
