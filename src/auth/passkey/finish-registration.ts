import { verifyRegistrationResponse, type RegistrationResponseJSON } from "@simplewebauthn/server";
import { base64url } from "jose";
import type { z } from "zod";
import type { passkeyRegisterFinishSchema } from "@anchorage/common";
import type { Config } from "../../config.ts";
import type { Db } from "../../../core/db/client.ts";
import type { PasskeyRow } from "../../../core/db/schema.ts";
import type { PrincipalUser } from "../../../core/auth/principal.ts";
import { AppError, unauthenticated } from "../../../core/app-error.ts";
import { nowIso } from "../../../core/ids.ts";
import { consumeChallenge } from "../challenges/challenge-store.ts";
import { webauthnChallengeOf } from "./passkey-challenges.ts";
import { insertPasskey, listPasskeys } from "./passkey-store.ts";

type FinishBody = z.infer<typeof passkeyRegisterFinishSchema>;

/**
 * Finishes adding a passkey: redeems the challenge (single use, the same user's, not expired), has
 * @simplewebauthn/server check the attestation (challenge, origin among APP_ORIGIN's, RP ID hash,
 * user present and verified, a supported algorithm), and stores the public key.
 */
export async function finishPasskeyRegistration(db: Db, config: Config, user: PrincipalUser, body: FinishBody): Promise<PasskeyRow> {
  const row = await consumeChallenge(db, "webauthn-register", body.challenge_id);
  // Another user's challenge is as good as none: it was handed to them, not to this session.
  const expectedChallenge = webauthnChallengeOf(row && row.userId === user.id ? row : null);

  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: body.credential as unknown as RegistrationResponseJSON,
      expectedChallenge,
      expectedOrigin: config.passkeyOrigins,
      expectedRPID: config.rpId,
      requireUserVerification: true,
    });
  } catch (e) {
    // The library's messages say what was expected and what came; they hold no secret.
    throw new AppError("E-VALIDATION", `passkey registration refused: ${(e as Error).message}`, { fields: [{ path: "credential", message: (e as Error).message }] });
  }
  if (!verification.verified) throw unauthenticated("passkey registration could not be verified");
  const info = verification.registrationInfo;

  const count = (await listPasskeys(db, user.id)).length;
  return insertPasskey(db, {
    id: info.credential.id,
    userId: user.id,
    publicKey: base64url.encode(info.credential.publicKey),
    counter: info.credential.counter,
    transports: info.credential.transports ?? body.credential.response.transports ?? null,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    name: body.name ?? `Passkey ${count + 1}`,
    createdAt: nowIso(),
    lastUsedAt: null,
  });
}
