import { importJWK, jwtVerify, errors as joseErrors } from "jose";
import { z } from "zod";
import type { InstanceRow } from "../../../core/db/schema.ts";
import { unauthenticated } from "../../../core/app-error.ts";

export const AGENT_CONNECT_AUDIENCE = "anchorage-agent-connect";

/**
 * Verifies the agent's signed challenge: an ES256 JWT by the instance's own private key,
 * issued by the instance, for this audience, at most 2 minutes old, carrying the nonce the
 * InstanceDO handed out (which the DO then consumes, so a captured token cannot be replayed).
 * No reusable bearer secret crosses the wire (DESIGN.md, Tokens).
 */
export async function verifyAgentProof(instance: InstanceRow, token: string): Promise<{ nonce: string }> {
  try {
    const key = await importJWK({ ...instance.publicKey, alg: "ES256" }, "ES256");
    const { payload } = await jwtVerify(token, key, {
      algorithms: ["ES256"],
      issuer: instance.id,
      audience: AGENT_CONNECT_AUDIENCE,
      maxTokenAge: "2m",
      requiredClaims: ["iat", "exp", "nonce"],
    });
    return { nonce: z.string().min(16).max(100).parse(payload.nonce) };
  } catch (e) {
    if (e instanceof joseErrors.JOSEError || e instanceof z.ZodError) throw unauthenticated("agent proof invalid or expired");
    throw e;
  }
}
