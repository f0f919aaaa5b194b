import type { Db } from "../../../core/db/client.ts";
import { matchingTotpStep } from "./totp-code.ts";
import { findConfirmedTotp, useTotpStep } from "./totp-store.ts";

/**
 * Checks a code against the account's confirmed TOTP and uses it up: true only when the code is
 * one of ±1 step around now (RFC 6238 §5.2) AND of a step later than the last accepted one, which
 * is recorded atomically, so one code (seen over a shoulder, or replayed) works once.
 */
export async function verifyTotpCode(db: Db, userId: string, code: string, now = Date.now()): Promise<boolean> {
  const row = await findConfirmedTotp(db, userId);
  if (!row) return false;
  const step = matchingTotpStep(row.secret, code, now);
  if (step === null) return false;
  return useTotpStep(db, userId, step);
}
