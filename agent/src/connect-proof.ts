import { SignJWT, importJWK, type JWK } from "jose";

export const AGENT_CONNECT_AUDIENCE = "anchorage-agent-connect";

/**
 * Signs the server's one-time nonce with the instance's private key: the only
 * credential the agent ever sends, good for one connection within two minutes.
 */
export async function signConnectProof(instanceId: string, privateJwk: JWK, nonce: string): Promise<string> {
  const key = await importJWK({ ...privateJwk, alg: "ES256" }, "ES256");
  return new SignJWT({ nonce })
    .setProtectedHeader({ alg: "ES256" })
    .setIssuer(instanceId)
    .setAudience(AGENT_CONNECT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("60s")
    .sign(key);
}
