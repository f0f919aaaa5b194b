import type { TotpConfirmResponse, TotpStartResponse } from "@anchorage/common";
import type { Config } from "../../config.ts";
import type { Db } from "../../../core/db/client.ts";
import type { UserRow } from "../../../core/db/schema.ts";
import { AppError } from "../../../core/app-error.ts";
import { matchingTotpStep, newTotpSecret, otpauthUrl } from "./totp-code.ts";
import { newRecoveryCodes, recoveryCodeHash } from "./recovery-codes.ts";
import { confirmTotp, findTotp, savePendingTotp } from "./totp-store.ts";

const ALREADY_ENABLED = "two-factor sign-in with an authenticator app is already on for this account: remove it first to set up another";

/**
 * Starts (or restarts) an enrolment: a new secret, pending until a code from it is shown. The
 * secret is handed out here once, to the signed-in person; it is never shown again.
 */
export async function startTotp(db: Db, config: Config, user: Pick<UserRow, "id" | "email">): Promise<TotpStartResponse> {
  const secret = newTotpSecret();
  if (!(await savePendingTotp(db, user.id, secret))) throw new AppError("E-CONFLICT", ALREADY_ENABLED);
  return { secret, otpauth_url: otpauthUrl(secret, user.email, config.rpName || "Anchorage") };
}

/**
 * Confirms the pending enrolment with a code from the authenticator app, which proves the app
 * holds the secret; only then does TOTP protect sign-in. Answers the recovery codes, once.
 */
export async function confirmTotpEnrolment(db: Db, userId: string, code: string, now = Date.now()): Promise<TotpConfirmResponse> {
  const row = await findTotp(db, userId);
  if (!row) throw new AppError("E-CONFLICT", "there is no two-factor setup to confirm: start one first");
  if (row.confirmedAt) throw new AppError("E-CONFLICT", ALREADY_ENABLED);
  const step = matchingTotpStep(row.secret, code, now);
  // 403, not 401: the person is signed in, only this code is wrong (a 401 would read as a lost session).
  if (step === null) throw wrongCode();
  const codes = newRecoveryCodes();
  const hashes = await Promise.all(codes.map(recoveryCodeHash));
  if (!(await confirmTotp(db, userId, row.secret, step, hashes, now))) {
    throw new AppError("E-CONFLICT", "the two-factor setup changed meanwhile (started again elsewhere?): start again");
  }
  return { recovery_codes: codes };
}

export const wrongCode = () =>
  new AppError("E-AUTH-FORBID", "that code is not the one your authenticator app shows now (check the device's clock)", { fields: [{ path: "code", message: "does not match" }] });
