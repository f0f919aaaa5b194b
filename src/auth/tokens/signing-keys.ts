import { importJWK, type CryptoKey, type JWK } from "jose";
import type { Config, SigningJwk } from "../../config.ts";

export const ACCESS_TOKEN_ALG = "ES256";

/** The public half of a signing key, as published at /.well-known/jwks.json. */
export function publicJwk({ kty, crv, x, y, kid }: SigningJwk): JWK {
  return { kty, crv, x, y, kid, alg: ACCESS_TOKEN_ALG, use: "sig" };
}

export function jwks(config: Config): { keys: JWK[] } {
  return { keys: config.signingKeys.map(publicJwk) };
}

/** The key new tokens are signed with: the first of JWT_SIGNING_KEYS. */
export async function currentSigningKey(config: Config): Promise<{ kid: string; key: CryptoKey }> {
  const jwk = config.signingKeys[0]!;
  return { kid: jwk.kid, key: (await importJWK({ ...jwk, alg: ACCESS_TOKEN_ALG }, ACCESS_TOKEN_ALG)) as CryptoKey };
}

/** The public key for a `kid`, or null: an unknown kid is refused, never guessed. */
export async function verificationKey(config: Config, kid: string | undefined): Promise<CryptoKey | null> {
  const jwk = config.signingKeys.find((k) => k.kid === kid);
  if (!jwk) return null;
  return (await importJWK(publicJwk(jwk), ACCESS_TOKEN_ALG)) as CryptoKey;
}
