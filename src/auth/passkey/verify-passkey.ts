import { verifyAuthenticationResponse, type AuthenticationResponseJSON } from "@simplewebauthn/server";
import { base64url } from "jose";
import type { z } from "zod";
import type { passkeyLoginFinishSchema } from "@anchorage/common";
import type { Config } from "../../config.ts";
import type { Db } from "../../../core/db/client.ts";
import type { PasskeyRow, UserRow } from "../../../core/db/schema.ts";
import { AppError, unauthenticated } from "../../../core/app-error.ts";
import { findUserById } from "../../../core/users/users.ts";
import { consumeChallenge } from "../challenges/challenge-store.ts";
import { userHandleOf } from "./begin-registration.ts";
import { webauthnChallengeOf } from "./passkey-challenges.ts";
import { findPasskey, recordPasskeyUse } from "./passkey-store.ts";

type FinishBody = z.infer<typeof passkeyLoginFinishSchema>;

/** Who signed in, with which passkey, and how (`passkey` alone, or `password+passkey`). */
export type PasskeySignIn = { user: UserRow; passkey: PasskeyRow; provider: "passkey" | "password+passkey" };

/** A refusal that still names the passkey's owner, so the failed attempt is audited against them. */
export class PasskeyRefused extends AppError {
  constructor(
    message: string,
    readonly userId: string | null,
  ) {
    super("E-AUTH-UNAUTH", message);
  }
}

/**
 * Checks a passkey assertion, in the order of WebAuthn §7.2 as far as this side owns it:
 * the challenge is redeemed first (single use: a failed attempt burns it), the credential is one
 * we stored (and, for a second factor, the account's that gave the password), the user handle
 * names its owner, the signature, origin, RP ID and flags hold, and the counter moved forward.
 */
export async function verifyPasskeySignIn(db: Db, config: Config, body: FinishBody): Promise<PasskeySignIn> {
  const secondFactor = body.challenge_token !== undefined;
  const row = secondFactor ? await consumeChallenge(db, "login-2fa", body.challenge_token!) : await consumeChallenge(db, "webauthn-login", body.challenge_id!);
  const expectedChallenge = webauthnChallengeOf(row);

  // The credential must be one we stored.
  const passkey = await findPasskey(db, body.credential.id);
  if (!passkey) throw new PasskeyRefused("this passkey is not registered here", null);
  // A second factor must come from the account whose password was given.
  if (secondFactor && passkey.userId !== row!.userId) throw new PasskeyRefused("this passkey belongs to another account", row!.userId);
  // A discoverable credential names its user: it must be the owner we stored (§7.2 step 6).
  const handle = body.credential.response.userHandle;
  if (handle !== undefined && handle !== base64url.encode(userHandleOf(passkey.userId))) {
    throw new PasskeyRefused("the passkey's user handle does not match its owner", passkey.userId);
  }

  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response: body.credential as unknown as AuthenticationResponseJSON,
      expectedChallenge,
      expectedOrigin: config.passkeyOrigins,
      expectedRPID: config.rpId,
      credential: { id: passkey.id, publicKey: new Uint8Array(base64url.decode(passkey.publicKey)), counter: passkey.counter, transports: passkey.transports ?? undefined },
      // The passkey alone must verify the person; after a password, presence is enough.
      requireUserVerification: !secondFactor,
    });
  } catch (e) {
    // The library says what was expected and what came (origin, RP ID, challenge, counter, flags); no secret.
    throw new PasskeyRefused(`passkey assertion refused: ${(e as Error).message}`, passkey.userId);
  }
  if (!verification.verified) throw new PasskeyRefused("passkey signature is not valid", passkey.userId);

  // The counter check again, atomically: a clone racing the original cannot both pass (§6.1.1).
  const { newCounter, credentialBackedUp } = verification.authenticationInfo;
  if (!(await recordPasskeyUse(db, passkey.id, newCounter, credentialBackedUp))) {
    throw new PasskeyRefused(`passkey signature counter ${newCounter} did not move past the stored ${passkey.counter}: the authenticator may have been cloned`, passkey.userId);
  }

  const user = await findUserById(db, passkey.userId);
  if (!user) throw unauthenticated("this passkey's account no longer exists");
  if (user.disabledAt) throw new AppError("E-AUTH-FORBID", "this account is disabled");
  return { user, passkey, provider: secondFactor ? "password+passkey" : "passkey" };
}
