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

/**
 * Imported keys, by the JWK they were imported from. Module state, which DESIGN.md keeps out of
 * the Worker, and allowed here because it decides nothing: it is a memo of a pure function of JWT_SIGNING_KEYS,
 * so an isolate that has it and one that does not decide alike, and it only saves the import
 * (parsing the JWK and building the key) that every request would otherwise repeat. A rotated
 * key set is a new JWK, so a new entry; the map holds as many keys as were configured while the
 * isolate lived.
 */
const imported = new Map<string, CryptoKey>();

/** The key itself is kept, not a pending import: a promise must not be awaited by a request other than its own. */
async function importOnce(jwk: JWK): Promise<CryptoKey> {
  const id = JSON.stringify([jwk.kid, jwk.x, jwk.y, jwk.d ?? null]);
  const known = imported.get(id);
  if (known) return known;
  const key = (await importJWK({ ...jwk, alg: ACCESS_TOKEN_ALG }, ACCESS_TOKEN_ALG)) as CryptoKey;
  imported.set(id, key);
  return key;
}

/** The key new tokens are signed with: the first of JWT_SIGNING_KEYS. */
export async function currentSigningKey(config: Config): Promise<{ kid: string; key: CryptoKey }> {
  const jwk = config.signingKeys[0]!;
  return { kid: jwk.kid, key: await importOnce(jwk) };
}

/** The public key for a `kid`, or null: an unknown kid is refused, never guessed. */
export async function verificationKey(config: Config, kid: string | undefined): Promise<CryptoKey | null> {
  const jwk = config.signingKeys.find((k) => k.kid === kid);
  if (!jwk) return null;
  return importOnce(publicJwk(jwk));
}
