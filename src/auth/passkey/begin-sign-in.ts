import { generateAuthenticationOptions } from "@simplewebauthn/server";
import type { Config } from "../../config.ts";
import type { Db } from "../../../core/db/client.ts";
import { createChallenge } from "../challenges/challenge-store.ts";
import { PASSKEY_CHALLENGE_TTL_SECONDS } from "./passkey-challenges.ts";
import { listPasskeys } from "./passkey-store.ts";

/**
 * Starts a usernameless sign-in: no account is named, so the options list no credentials and the
 * browser offers the discoverable passkeys it holds for this RP ID. The person must be verified
 * (PIN or biometric): the passkey is the whole sign-in.
 */
export async function beginPasskeySignIn(db: Db, config: Config) {
  const options = await generateAuthenticationOptions({
    rpID: config.rpId,
    userVerification: "required",
    timeout: PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
  });
  const { key, expiresAt } = await createChallenge(db, "webauthn-login", { data: { challenge: options.challenge }, ttlSeconds: PASSKEY_CHALLENGE_TTL_SECONDS });
  return { challenge_id: key, expires_at: expiresAt, options };
}

/**
 * After a correct password, for an account with passkeys: the options to sign with one of that
 * account's passkeys (see ../two-factor/begin-second-factor.ts). Null for an account without
 * passkeys. Presence suffices here (verification is only preferred): the password was the
 * knowledge factor, the passkey is the possession factor.
 */
export async function passkeySecondFactorOptions(db: Db, config: Config, userId: string) {
  const keys = await listPasskeys(db, userId);
  if (keys.length === 0) return null;
  return generateAuthenticationOptions({
    rpID: config.rpId,
    allowCredentials: keys.map((k) => ({ id: k.id, transports: (k.transports ?? undefined) as never })),
    userVerification: "preferred",
    timeout: PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
  });
}
