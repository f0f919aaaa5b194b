import type { SecondFactorMethod, SecondFactorRequired } from "@anchorage/common";
import type { Config } from "../../config.ts";
import type { Db } from "../../../core/db/client.ts";
import type { UserRow } from "../../../core/db/schema.ts";
import { createChallenge } from "../challenges/challenge-store.ts";
import { passkeySecondFactorOptions } from "../passkey/begin-sign-in.ts";
import { PASSKEY_CHALLENGE_TTL_SECONDS } from "../passkey/passkey-challenges.ts";
import { hasConfirmedTotp } from "../totp/totp-store.ts";

/** The second step lives as long as a WebAuthn ceremony (the browser's prompt gets the same timeout). */
export const SECOND_FACTOR_TTL_SECONDS = PASSKEY_CHALLENGE_TTL_SECONDS;

/**
 * After a correct password, for an account with a second factor (confirmed TOTP, a passkey, or
 * both): one challenge token (kind `login-2fa`) that whichever method the person picks redeems,
 * once. Its data names the methods it was offered with, so a method the account did not have
 * then cannot finish it. Null for an account without one (the password is the whole sign-in).
 */
export async function beginSecondFactor(db: Db, config: Config, user: UserRow): Promise<SecondFactorRequired | null> {
  const [totp, passkeyOptions] = await Promise.all([hasConfirmedTotp(db, user.id), passkeySecondFactorOptions(db, config, user.id)]);
  const methods: SecondFactorMethod[] = [...(totp ? (["totp", "recovery"] as const) : []), ...(passkeyOptions ? (["passkey"] as const) : [])];
  if (methods.length === 0) return null;
  const data: Record<string, unknown> = { methods, ...(passkeyOptions ? { challenge: passkeyOptions.challenge } : {}) };
  const { key } = await createChallenge(db, "login-2fa", { userId: user.id, data, ttlSeconds: SECOND_FACTOR_TTL_SECONDS });
  return {
    requires_2fa: true,
    challenge_token: key,
    expires_in: SECOND_FACTOR_TTL_SECONDS,
    methods,
    ...(passkeyOptions ? { passkey_options: passkeyOptions } : {}),
  };
}
