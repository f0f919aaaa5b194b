import { generateRegistrationOptions } from "@simplewebauthn/server";
import type { Config } from "../../config.ts";
import type { Db } from "../../../core/db/client.ts";
import type { PrincipalUser } from "../../../core/auth/principal.ts";
import { createChallenge } from "../challenges/challenge-store.ts";
import { PASSKEY_CHALLENGE_TTL_SECONDS } from "./passkey-challenges.ts";
import { listPasskeys } from "./passkey-store.ts";

/** The user handle a passkey carries (WebAuthn §5.4.3): the user id's bytes, never the email. */
export const userHandleOf = (userId: string) => new Uint8Array(new TextEncoder().encode(userId));

/**
 * Starts adding a passkey for a signed-in user: the options for `navigator.credentials.create()`
 * and the id of the stored, single-use challenge that the finish must name.
 */
export async function beginPasskeyRegistration(db: Db, config: Config, user: PrincipalUser) {
  const existing = await listPasskeys(db, user.id);
  const options = await generateRegistrationOptions({
    rpName: config.rpName,
    rpID: config.rpId,
    userName: user.email,
    userDisplayName: user.name,
    userID: userHandleOf(user.id),
    timeout: PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
    // No attestation: we trust no vendor list, and asking would only cost the user a prompt.
    attestationType: "none",
    // The same authenticator twice would be one key under two names.
    excludeCredentials: existing.map((k) => ({ id: k.id, transports: k.transports ?? undefined })),
    // A discoverable credential (usernameless sign-in) that verifies the person (PIN or biometric),
    // so every stored passkey is a whole sign-in on its own.
    authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
    // ES256 and EdDSA first, RS256 for Windows Hello.
    supportedAlgorithmIDs: [-7, -8, -257],
  });
  const { key, expiresAt } = await createChallenge(db, "webauthn-register", {
    userId: user.id,
    data: { challenge: options.challenge },
    ttlSeconds: PASSKEY_CHALLENGE_TTL_SECONDS,
  });
  return { challenge_id: key, expires_at: expiresAt, options };
}
