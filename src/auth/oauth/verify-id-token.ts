import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import { providerFailure } from "./oauth-failure.ts";

/** Asymmetric algorithms only: an ID token signed with the client secret (HS256) is not accepted. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

/**
 * Validates an ID token as OpenID Connect Core §3.1.3.7 asks: signed by a key in the provider's
 * JWKS, `iss` the configured issuer, `aud` our client id (and `azp` ours when there are several
 * audiences), not expired, and `nonce` the one this flow sent (no replay of another flow's token).
 */
export async function verifyIdToken(
  idToken: string,
  expected: { issuer: string; clientId: string; jwksUri: string; nonce: string },
  now = Date.now(),
): Promise<JWTPayload & { sub: string }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(expected.jwksUri)), {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: ALGORITHMS,
      requiredClaims: ["sub", "exp", "iat"],
      currentDate: new Date(now),
      clockTolerance: 30,
    }));
  } catch (e) {
    throw providerFailure("ID token refused", e);
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== expected.clientId) {
    throw providerFailure("ID token has several audiences and its azp is not this client");
  }
  if (payload.nonce !== expected.nonce) throw providerFailure("ID token nonce does not match this sign-in");
  if (typeof payload.sub !== "string" || payload.sub.length === 0 || payload.sub.length > 255) throw providerFailure("ID token has no usable sub");
  return payload as JWTPayload & { sub: string };
}
