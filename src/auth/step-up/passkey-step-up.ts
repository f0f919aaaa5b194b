import { generateAuthenticationOptions, verifyAuthenticationResponse, type AuthenticationResponseJSON } from "@simplewebauthn/server";
import { base64url } from "jose";
import type { z } from "zod";
import type { authenticationCredentialSchema } from "@anchorage/common";
import type { Config } from "../../config.ts";
import type { Db } from "../../../core/db/client.ts";
import type { SessionPrincipal } from "../../../core/auth/principal.ts";
import { AppError } from "../../../core/app-error.ts";
import { consumeChallenge, createChallenge } from "../challenges/challenge-store.ts";
import { userHandleOf } from "../passkey/begin-registration.ts";
import { PASSKEY_CHALLENGE_TTL_SECONDS, webauthnChallengeOf } from "../passkey/passkey-challenges.ts";
import { findPasskey, listPasskeys, recordPasskeyUse } from "../passkey/passkey-store.ts";

/** A refused proof: 403 (not 401, which a client takes for an expired session), saying which field. */
export const proofRefused = (message: string, field: string) => new AppError("E-AUTH-FORBID", message, { fields: [{ path: field, message: "does not match" }] });

/**
 * Starts a passkey step-up for a signed-in session: options naming this account's passkeys, on a
 * single-use challenge bound to the account and to this session (another session cannot use it).
 * The person must be verified (PIN or biometric): the passkey is the whole proof, as at sign-in.
 */
export async function beginPasskeyStepUp(db: Db, config: Config, p: SessionPrincipal) {
  const keys = await listPasskeys(db, p.userId);
  if (keys.length === 0) throw new AppError("E-NOT-FOUND", "this account has no passkey: step up with the password or an authenticator app code");
  const options = await generateAuthenticationOptions({
    rpID: config.rpId,
    allowCredentials: keys.map((k) => ({ id: k.id, transports: (k.transports ?? undefined) as never })),
    userVerification: "required",
    timeout: PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
  });
  const { key, expiresAt } = await createChallenge(db, "webauthn-step-up", {
    userId: p.userId,
    data: { challenge: options.challenge, session_id: p.sessionId },
    ttlSeconds: PASSKEY_CHALLENGE_TTL_SECONDS,
  });
  return { challenge_id: key, expires_at: expiresAt, options };
}

/**
 * Checks a step-up assertion in the order of WebAuthn §7.2, as the sign-in does
 * (../passkey/verify-passkey.ts): the challenge is redeemed first (a failed attempt burns it) and
 * must be this session's, the credential one of this account's, the user handle its owner, the
 * signature, origin, RP ID and user verification hold, and the counter moved forward.
 */
export async function verifyPasskeyStepUp(db: Db, config: Config, p: SessionPrincipal, challengeId: string, response: z.infer<typeof authenticationCredentialSchema>): Promise<string> {
  const row = await consumeChallenge(db, "webauthn-step-up", challengeId);
  const expectedChallenge = webauthnChallengeOf(row);
  if (row!.userId !== p.userId || row!.data.session_id !== p.sessionId) throw proofRefused("this passkey challenge was started by another session: start again", "challenge_id");

  const passkey = await findPasskey(db, response.id);
  if (!passkey || passkey.userId !== p.userId) throw proofRefused("this passkey is not one of this account's", "response");
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== base64url.encode(userHandleOf(p.userId))) throw proofRefused("the passkey's user handle does not match this account", "response");

  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response: response as unknown as AuthenticationResponseJSON,
      expectedChallenge,
      expectedOrigin: config.passkeyOrigins,
      expectedRPID: config.rpId,
      credential: { id: passkey.id, publicKey: new Uint8Array(base64url.decode(passkey.publicKey)), counter: passkey.counter, transports: passkey.transports ?? undefined },
      requireUserVerification: true,
    });
  } catch (e) {
    throw proofRefused(`passkey assertion refused: ${(e as Error).message}`, "response");
  }
  if (!verification.verified) throw proofRefused("passkey signature is not valid", "response");
  // Atomically: a cloned authenticator racing the original cannot both pass (§6.1.1).
  const { newCounter, credentialBackedUp } = verification.authenticationInfo;
  if (!(await recordPasskeyUse(db, passkey.id, newCounter, credentialBackedUp))) {
    throw proofRefused(`passkey signature counter ${newCounter} did not move past the stored ${passkey.counter}: the authenticator may have been cloned`, "response");
  }
  return passkey.id;
}
