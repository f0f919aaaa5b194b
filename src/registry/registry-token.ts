import { SignJWT } from "jose";
import type { Config } from "../config.ts";
import { randomToken, sha256Hex } from "../../core/ids.ts";
import { ACCESS_TOKEN_ALG, currentSigningKey } from "../auth/tokens/signing-keys.ts";

/** Registry tokens are short: a client asks again for every push or pull session. */
export const REGISTRY_TOKEN_TTL_SECONDS = 300;

/**
 * The registry token's `typ` (RFC 8725 §3.11): our own verifiers each demand another, so a
 * registry token is never an access or proxy token, whatever `aud` (the registry's service
 * name, which the client names) it carries. A registry may check it too.
 */
export const REGISTRY_TOKEN_TYP = "anchorage-registry+jwt";

/**
 * Audiences our own verifiers accept: a registry service may not be named like one, so a
 * registry token never carries a first-party `aud` either.
 */
export const RESERVED_AUDIENCES: readonly string[] = ["anchorage", "anchorage-proxy", "anchorage-proxy-cookie", "anchorage-agent-connect"];

/** One entry of the Docker token spec's `access` claim. */
export type RegistryAccess = { type: "repository"; name: string; actions: string[] };

/** `repository:<name>:<actions>` as the Docker token spec writes a scope; names as the distribution spec allows them. */
const SCOPE = /^repository:([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*):([a-z*,]+)$/;

export function parseRegistryScope(scope: string): { name: string; actions: string[] } | null {
  const m = SCOPE.exec(scope);
  if (!m || m[1]!.length > 255) return null;
  return { name: m[1]!, actions: [...new Set(m[2]!.split(",").filter(Boolean))] };
}

/**
 * Every user's repositories live under their own namespace, `u<16 hex>` from their id (ids mix
 * upper and lower case, which repository names cannot), so one user's token can never name
 * another's repository, whatever scopes its owner wrote.
 */
export async function registryNamespace(userId: string): Promise<string> {
  return "u" + (await sha256Hex(`registry:${userId}`)).slice(0, 16);
}

/** A registry token per the Docker token authentication spec, signed by the keys published at the JWKS. */
export async function issueRegistryToken(config: Config, subject: string, service: string, access: RegistryAccess[], now = Date.now()) {
  if (isReservedService(config, service)) throw new Error("a registry token's audience may not be one of Anchorage's own");
  const { kid, key } = await currentSigningKey(config);
  const iat = Math.floor(now / 1000);
  const token = await new SignJWT({ access })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid, typ: REGISTRY_TOKEN_TYP })
    .setIssuer(config.issuer)
    .setSubject(subject)
    .setAudience(service)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + REGISTRY_TOKEN_TTL_SECONDS)
    .setJti(randomToken(16))
    .sign(key);
  return { token, expiresIn: REGISTRY_TOKEN_TTL_SECONDS, issuedAt: new Date(iat * 1000).toISOString() };
}

/** Whether `service` names one of Anchorage's own audiences (or its issuer) rather than a registry. */
export const isReservedService = (config: Config, service: string) => RESERVED_AUDIENCES.includes(service) || service === config.issuer || service === `${config.issuer}/mcp`;
