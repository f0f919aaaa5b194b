import { generateCodeVerifier, generateState } from "arctic";
import { z } from "zod";
import { oauthProviderIdSchema, type OAuthProviderId } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import { consumeChallenge, createChallenge } from "../challenges/challenge-store.ts";
import type { FlowSecrets } from "./provider-contract.ts";

/** How long a person has to get through the provider's pages (the brief's 10 minutes). */
export const OAUTH_STATE_TTL_SECONDS = 600;

/**
 * What a flow keeps between the redirect and the callback. RFC 7636 §4.1: the verifier is 43–128
 * characters; a flow without one cannot prove the code is its own, so it is refused before the
 * provider is asked anything.
 */
const stateDataSchema = z.object({
  provider: oauthProviderIdSchema,
  codeVerifier: z.string().min(43).max(128),
  nonce: z.string().min(16).max(128),
  /** A same-origin path to land on. */
  next: z.string().max(512),
});
export type OAuthStateData = z.infer<typeof stateDataSchema>;

/**
 * Starts a flow: a random state, PKCE verifier and nonce. Kept in D1's auth_challenges (hashed,
 * 10 minutes), not KV: KV is eventually consistent, and a state must be redeemable exactly once.
 * `linkUserId` marks a signed-in person linking a provider to their account.
 */
export async function createOAuthState(db: Db, o: { provider: OAuthProviderId; next: string; linkUserId: string | null }): Promise<FlowSecrets> {
  const codeVerifier = generateCodeVerifier();
  const nonce = generateState();
  const data: OAuthStateData = { provider: o.provider, codeVerifier, nonce, next: o.next };
  const { key } = await createChallenge(db, "oauth-state", { userId: o.linkUserId, data, ttlSeconds: OAUTH_STATE_TTL_SECONDS });
  return { state: key, codeVerifier, nonce };
}

export type RedeemedState = { ok: true; data: OAuthStateData; linkUserId: string | null } | { ok: false; why: string };

/** Redeems a state once (atomically; a replay or a second racing callback finds nothing). */
export async function redeemOAuthState(db: Db, state: string): Promise<RedeemedState> {
  const row = await consumeChallenge(db, "oauth-state", state);
  if (!row) return { ok: false, why: "state is unknown, expired or already used" };
  const data = stateDataSchema.safeParse(row.data);
  if (!data.success) return { ok: false, why: `state holds no usable flow (${data.error.issues.map((i) => i.path.join(".")).join(", ")})` };
  return { ok: true, data: data.data, linkUserId: row.userId };
}
