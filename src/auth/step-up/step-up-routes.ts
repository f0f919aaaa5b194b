import { createRoute } from "@hono/zod-openapi";
import { passkeyCeremonySchema, stepUpRequestSchema, stepUpResponseSchema, stepUpStatusSchema, type StepUpMethod } from "@anchorage/common";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import type { SessionPrincipal } from "../../../core/auth/principal.ts";
import { newRouter } from "../../http/router.ts";
import { unauthenticated } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { findUserById } from "../../../core/users/users.ts";
import { sessionPrincipal } from "../require-user.ts";
import { enforceRateLimits, RATE_LIMITS, type RateCheck } from "../rate-limit/rate-limits.ts";
import { verifyPassword } from "../password/password-hash.ts";
import { verifyTotpCode } from "../totp/verify-totp-code.ts";
import { hasConfirmedTotp } from "../totp/totp-store.ts";
import { beginPasskeyStepUp, proofRefused, verifyPasskeyStepUp } from "./passkey-step-up.ts";
import { stepUpMethods } from "./step-up-methods.ts";
import { freshUntil, isFresh, readSteppedUpAt, recordStepUp } from "./stepped-up-at.ts";

/**
 * `/auth/step-up`: a signed-in session proves who it is again (password, TOTP code or passkey),
 * and for STEP_UP_MAX_AGE_SECONDS may then do what requireStepUp guards. Session only: an API
 * token has nothing to renew. A wrong proof changes nothing and counts against the account's limit.
 */
export const stepUpRoutes = newRouter();
const tags = ["auth"];

const limits = (userId: string, method: StepUpMethod): RateCheck[] => [
  { key: `step-up:account:${userId}`, rule: RATE_LIMITS.stepUpPerAccount },
  // TOTP guesses share one budget whatever asks for them (sign-in, removing TOTP, step-up).
  ...(method === "totp" ? [{ key: `2fa:account:${userId}`, rule: RATE_LIMITS.secondFactorPerAccount }] : []),
];

stepUpRoutes.openapi(
  createRoute({
    method: "get", path: "/step-up", tags, ...signedInSession,
    summary: "Whether this session proved who it is recently enough for the actions that ask (STEP_UP_MAX_AGE_SECONDS), and the methods this account can step up with",
    responses: { 200: jsonResponse(stepUpStatusSchema, "The session's step-up"), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    const db = c.get("db");
    const [at, methods] = await Promise.all([readSteppedUpAt(db, p.sessionId, p.userId), stepUpMethods(db, p.userId)]);
    return c.json({ fresh: isFresh(at), stepped_up_at: at, expires_at: at ? freshUntil(at) : null, methods }, 200);
  },
);

stepUpRoutes.openapi(
  createRoute({
    method: "post", path: "/step-up/passkey/options", tags, ...signedInSession,
    summary: "Start a passkey step-up: options for navigator.credentials.get() naming this account's passkeys, and a single-use challenge id for this session (5 minutes)",
    responses: { 200: jsonResponse(passkeyCeremonySchema, "The ceremony's options"), ...errorResponses(401, 403, 404, 429) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    // Each start stores a challenge row: bounded per account like the attempts themselves.
    await enforceRateLimits(c.env, limits(p.userId, "passkey"));
    return c.json(await beginPasskeyStepUp(c.get("db"), c.get("config"), p), 200);
  },
);

/** Checks the proof; throws a 403 naming the field when it does not hold. Returns what the audit entry records. */
async function checkProof(c: Context<AppEnv>, p: SessionPrincipal, body: ReturnType<typeof stepUpRequestSchema.parse>): Promise<Record<string, unknown>> {
  const db = c.get("db");
  switch (body.method) {
    case "password": {
      // The hash is read from D1 here: a principal's copy of the user never carries it.
      const hash = (await findUserById(db, p.userId))?.passwordHash;
      if (!hash) throw proofRefused("this account has no password: step up with an authenticator app code or a passkey", "password");
      if (!(await verifyPassword(body.password, hash))) throw proofRefused("the password is wrong", "password");
      return {};
    }
    case "totp":
      if (!(await hasConfirmedTotp(db, p.userId))) throw proofRefused("this account has no authenticator app: step up with the password or a passkey", "code");
      // The same check as sign-in's second step: ±1 step, and a code already accepted once is refused.
      if (!(await verifyTotpCode(db, p.userId, body.code))) throw proofRefused("that code is wrong or was already used", "code");
      return {};
    case "passkey":
      return { passkey_id: await verifyPasskeyStepUp(db, c.get("config"), p, body.challenge_id, body.response) };
  }
}

stepUpRoutes.openapi(
  createRoute({
    method: "post", path: "/step-up", tags, ...signedInSession,
    summary: "Prove who you are again for this session: {method:\"password\",password}, {method:\"totp\",code} or {method:\"passkey\",challenge_id,response}; the actions that ask for a step-up are then allowed for STEP_UP_MAX_AGE_SECONDS",
    request: { body: jsonBody(stepUpRequestSchema) },
    responses: { 200: jsonResponse(stepUpResponseSchema, "Stepped up"), ...errorResponses(400, 401, 403, 404, 429) },
  }),
  async (c) => {
    const p = sessionPrincipal(c);
    const body = c.req.valid("json");
    const db = c.get("db");
    const ip = clientIp(c.req.raw);
    await enforceRateLimits(c.env, limits(p.userId, body.method));
    let detail: Record<string, unknown>;
    try {
      detail = await checkProof(c, p, body);
    } catch (e) {
      await recordAudit(db, { actorId: p.userId, action: "auth.step_up_failed", subjectId: p.sessionId, ip, detail: { method: body.method, reason: (e as Error).message } }, eventSink(c));
      throw e;
    }
    const at = await recordStepUp(db, p.sessionId, p.userId);
    if (!at) throw unauthenticated("this session has ended: sign in again");
    await recordAudit(db, { actorId: p.userId, action: "auth.step_up", subjectId: p.sessionId, ip, detail: { method: body.method, ...detail } }, eventSink(c));
    return c.json({ method: body.method, stepped_up_at: at, expires_at: freshUntil(at) }, 200);
  },
);
