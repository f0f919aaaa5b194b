import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Role } from "@anchorage/common";
import { accessTokenQuerySchema, scopedAccessTokenSchema } from "@anchorage/common/passwordless";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter } from "../../http/router.ts";
import { AppError, forbidden } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { authenticate } from "../authenticate.ts";
import { verifyCredentials } from "../password/verify-credentials.ts";
import { hasSecondFactor } from "../two-factor/has-second-factor.ts";
import { notifyNewSignIn } from "../session/notify-new-sign-in.ts";
import { createSession } from "../session/session-store.ts";
import { issueAccessToken } from "./access-token.ts";

export const accessTokenRoutes = newRouter();

const CHALLENGE = { "WWW-Authenticate": 'Basic realm="Anchorage", charset="UTF-8"' };
const noCredentials = (message: string) => new AppError("E-AUTH-UNAUTH", message, { headers: CHALLENGE });

/** RFC 7617: `Basic base64(user-id ":" password)`, UTF-8; the user id here is the email. */
function basicCredentials(header: string): { email: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (!m) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(m[1]!), (ch) => ch.charCodeAt(0)));
  } catch {
    throw noCredentials("Basic credentials are not base64 of UTF-8 `email:password`");
  }
  const colon = decoded.indexOf(":");
  if (colon < 1) throw noCredentials("Basic credentials must be `email:password`");
  return { email: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Refuses a request for a role the caller does not hold: a token never has more than its user. */
function grantedRoles(held: Role[], requested: Role[] | undefined): Role[] {
  const roles = [...new Set(requested ?? held)];
  const missing = roles.filter((r) => !held.includes(r));
  if (missing.length) throw forbidden(`you do not hold the role${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  return roles;
}

/**
 * Which session the token belongs to, so revoking it (sign-out, a session revoke, a password
 * change, disabling the user) ends the token at once. A password makes a session of its own that
 * lives only as long as the token; an access token lends its own session, and the new token
 * never outlives it, so chaining tokens cannot stretch a stolen 15-minute token into a longer one.
 */
async function sessionFor(c: Context<AppEnv>, header: string, requested: Role[] | undefined, ttl: number) {
  const basic = basicCredentials(header);
  if (basic) {
    const user = await verifyCredentials(c, basic.email, basic.password);
    // A password alone is never enough for an account with a second factor (a passkey or TOTP).
    if (await hasSecondFactor(c.get("db"), user.id)) throw forbidden("this account signs in with a second factor (a passkey or an authenticator app): present an access token instead of the password");
    const roles = grantedRoles(user.roles, requested);
    const { session } = await createSession(c.get("db"), {
      userId: user.id, provider: "access-token", userAgent: c.req.header("user-agent") ?? null, ip: clientIp(c.req.raw), maxAgeSeconds: ttl,
    });
    notifyNewSignIn(c, user, session);
    return { userId: user.id, sessionId: session.id, provider: "access-token", roles, notAfter: undefined, via: "password" };
  }
  if (!/^Bearer\s/i.test(header)) throw noCredentials("Authorization must be `Basic <email:password>` or `Bearer <access token>`");
  const p = await authenticate(c);
  // An API token's scopes cannot be written into an access token, which would act with all of its user's rights.
  if (p.kind !== "user") throw forbidden("an API token cannot mint access tokens: use it directly");
  return { userId: p.userId, sessionId: p.sessionId, provider: p.provider, roles: grantedRoles(p.roles, requested), notAfter: p.tokenExp, via: "token" };
}

accessTokenRoutes.openapi(
  createRoute({
    method: "get", path: "/access-token", tags: ["auth"], security: [{ basic: [] }, ...bearerSecurity],
    summary: "A short-lived access token with some of your roles (`roles=user`), for `ttl` seconds up to ACCESS_TOKEN_MAX_TTL_SECONDS. Credentials: Basic email:password, or Bearer an access token",
    request: { query: accessTokenQuerySchema },
    responses: { 200: jsonResponse(scopedAccessTokenSchema, "The token"), ...errorResponses(400, 401, 403, 429) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const config = c.get("config");
    const header = c.req.header("authorization");
    if (!header) throw noCredentials("credentials required: Authorization: Basic <email:password> or Bearer <access token>");
    const ttl = Math.min(query.ttl ?? config.accessTokenMaxTtlSeconds, config.accessTokenMaxTtlSeconds);
    const s = await sessionFor(c, header, query.roles, ttl);
    const now = Date.now();
    const token = await issueAccessToken(config, { userId: s.userId, sessionId: s.sessionId, roles: s.roles, provider: s.provider }, now, { limited: true, ttlSeconds: ttl, notAfter: s.notAfter });
    await recordAudit(c.get("db"), { actorId: s.userId, action: "auth.access_token_issued", subjectId: s.sessionId, ip: clientIp(c.req.raw), detail: { roles: s.roles, expires_at: token.expiresAt, via: s.via } }, eventSink(c));
    c.header("cache-control", "no-store");
    return c.json({ access_token: token.token, token_type: "Bearer" as const, expires_in: Math.max(0, token.expiresAt - Math.floor(now / 1000)), roles: s.roles, session_id: s.sessionId }, 200);
  },
);
