import { SignJWT, jwtVerify } from "jose";
import { z } from "zod";
import { PROXY_COOKIE_BASE } from "@anchorage/common/cookie-names";
import type { Config } from "../../config.ts";
import { randomToken } from "../../../core/ids.ts";
import { unauthenticated } from "../../../core/app-error.ts";
import { lt } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { usedProxyHandoffs } from "../../../core/db/schema.ts";
import { nowIso } from "../../../core/ids.ts";
import { isUniqueViolation } from "../../../core/users/users.ts";
import { ACCESS_TOKEN_ALG, currentSigningKey, verificationKey } from "../../auth/tokens/signing-keys.ts";

/**
 * Proxy tokens let a user's session reach one instance's proxied app on its own host
 * (`<slug>.<PROXY_DOMAIN>`), where the dashboard's cookie does not go. Two kinds:
 * a 5-minute token handed over in a redirect (or to a script), and the longer-lived one
 * the proxied host keeps in its own cookie. Both name the session they came from, which
 * must still be live on every request, so signing out ends proxy access too.
 */
export const PROXY_TOKEN_TTL_SECONDS = 300;
export const PROXY_COOKIE_TTL_SECONDS = 12 * 3600;
export const PROXY_COOKIE = PROXY_COOKIE_BASE;

const AUDIENCE = { handoff: "anchorage-proxy", cookie: "anchorage-proxy-cookie" } as const;
/** Each kind its own `typ` (RFC 8725 §3.11) besides its `aud`: never taken for an access token, nor for each other. */
export const PROXY_TOKEN_TYP = { handoff: "anchorage-proxy+jwt", cookie: "anchorage-proxy-cookie+jwt" } as const;
type Kind = keyof typeof AUDIENCE;

const claimsSchema = z.object({ sub: z.string(), sid: z.string(), ins: z.string(), exp: z.number(), jti: z.string() });
export type ProxyClaims = z.infer<typeof claimsSchema>;

export async function issueProxyToken(config: Config, kind: Kind, subject: { userId: string; sessionId: string; instanceId: string }) {
  const { kid, key } = await currentSigningKey(config);
  const ttl = kind === "handoff" ? PROXY_TOKEN_TTL_SECONDS : PROXY_COOKIE_TTL_SECONDS;
  const token = await new SignJWT({ sid: subject.sessionId, ins: subject.instanceId })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid, typ: PROXY_TOKEN_TYP[kind] })
    .setSubject(subject.userId)
    .setJti(randomToken(12))
    .setIssuer(config.issuer)
    .setAudience(AUDIENCE[kind])
    .setIssuedAt()
    .setExpirationTime(`${ttl}s`)
    .sign(key);
  return { token, expiresIn: ttl };
}

/**
 * Spends a handoff token: the first trade wins (the primary key decides, atomically in D1);
 * a replay of a token that leaked from a URL is refused.
 */
export async function spendHandoff(db: Db, claims: ProxyClaims): Promise<void> {
  const now = nowIso();
  await db.delete(usedProxyHandoffs).where(lt(usedProxyHandoffs.expiresAt, now));
  try {
    await db.insert(usedProxyHandoffs).values({ jti: claims.jti, expiresAt: new Date(claims.exp * 1000).toISOString() });
  } catch (e) {
    if (isUniqueViolation(e)) throw unauthenticated("proxy token already used");
    throw e;
  }
}

/** Verifies a proxy token of the given kind for this instance; any failure is a plain 401. */
export async function verifyProxyToken(config: Config, kind: Kind, token: string, instanceId: string): Promise<ProxyClaims> {
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = await verificationKey(config, header.kid);
        if (!key) throw new Error("unknown kid");
        return key;
      },
      { algorithms: [ACCESS_TOKEN_ALG], typ: PROXY_TOKEN_TYP[kind], issuer: config.issuer, audience: AUDIENCE[kind] },
    );
    const claims = claimsSchema.parse(payload);
    if (claims.ins !== instanceId) throw new Error("another instance");
    return claims;
  } catch {
    throw unauthenticated("proxy token invalid or expired");
  }
}
