import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { z } from "zod";
import { roleSchema } from "@anchorage/common";
import type { Config } from "../../config.ts";
import { randomToken } from "../../../core/ids.ts";
import { unauthenticated } from "../../../core/app-error.ts";
import { ACCESS_TOKEN_ALG, currentSigningKey, verificationKey } from "./signing-keys.ts";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/**
 * Every JWT Anchorage signs uses the same keys and issuer, so each kind carries its own `typ`
 * header (RFC 8725 §3.11) and a fixed `aud`, and each verifier demands both: a registry or proxy
 * token is never taken for an access token, nor one kind for another, whatever its claims hold.
 */
export const ACCESS_TOKEN_AUDIENCE = "anchorage";
/** RFC 9068 §2.1: access tokens are typed `at+jwt`. */
export const ACCESS_TOKEN_TYP = "at+jwt";

const claimsSchema = z.object({
  sub: z.string().min(1),
  jti: z.string().min(1),
  sid: z.string().min(1),
  roles: z.array(roleSchema),
  provider: z.string(),
  /** Set on tokens from GET /auth/access-token: `roles` is then a cap on the user's roles, not a copy of them. */
  roles_limited: z.literal(true).optional(),
  exp: z.number(),
  iat: z.number(),
});
export type AccessClaims = z.infer<typeof claimsSchema>;

/**
 * Signs an access token for a session. `limited` makes `roles` a cap (GET /auth/access-token):
 * the token then acts with at most those roles, and `ttlSeconds` / `notAfter` (seconds since the
 * epoch) shorten its life.
 */
export async function issueAccessToken(
  config: Config,
  subject: { userId: string; sessionId: string; roles: AccessClaims["roles"]; provider: string },
  now = Date.now(),
  o: { limited?: boolean; ttlSeconds?: number; notAfter?: number } = {},
): Promise<{ token: string; jti: string; expiresAt: number }> {
  const { kid, key } = await currentSigningKey(config);
  const jti = randomToken(16);
  const iat = Math.floor(now / 1000);
  const exp = Math.min(iat + (o.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS), o.notAfter ?? Number.POSITIVE_INFINITY);
  const token = await new SignJWT({ sid: subject.sessionId, roles: subject.roles, provider: subject.provider, ...(o.limited ? { roles_limited: true } : {}) })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid, typ: ACCESS_TOKEN_TYP })
    .setSubject(subject.userId)
    .setJti(jti)
    .setIssuer(config.issuer)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key);
  return { token, jti, expiresAt: exp };
}

/**
 * Checks signature, algorithm, key id, type, issuer, audience and expiry. Only ES256 is
 * accepted, so `alg: none` and an HS256 token "signed" with the public key both fail
 * before any key is used. Says nothing about revocation: see `authenticate`.
 */
export async function verifyAccessToken(config: Config, token: string): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = await verificationKey(config, header.kid);
        if (!key) throw unauthenticated("access token signed with an unknown key");
        return key;
      },
      { algorithms: [ACCESS_TOKEN_ALG], typ: ACCESS_TOKEN_TYP, issuer: config.issuer, audience: ACCESS_TOKEN_AUDIENCE, requiredClaims: ["exp", "jti", "sub"] },
    );
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw unauthenticated("access token has malformed claims");
    return claims.data;
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw unauthenticated("access token expired");
    if (e instanceof joseErrors.JOSEError) throw unauthenticated("invalid access token");
    throw e;
  }
}
