import type { AuthChallengeRow } from "../../../core/db/schema.ts";
import { unauthenticated } from "../../../core/app-error.ts";

/** Every WebAuthn challenge is single use and lives 5 minutes (the browser's ceremony gets the same timeout). */
export const PASSKEY_CHALLENGE_TTL_SECONDS = 300;

/** The WebAuthn challenge a stored ceremony was started with. */
export function webauthnChallengeOf(row: AuthChallengeRow | null): string {
  const challenge = row?.data.challenge;
  // One message for unknown, expired, already used and of another kind: the caller learns nothing more.
  if (typeof challenge !== "string") throw unauthenticated("passkey challenge is unknown, expired or already used; start again");
  return challenge;
}
