import type { StepUpMethod } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import { findUserById } from "../../../core/users/users.ts";
import { hasPasskey } from "../passkey/passkey-store.ts";
import { hasConfirmedTotp } from "../totp/totp-store.ts";

/**
 * How this account can prove itself again: its password if it has one, its authenticator app once
 * confirmed (a pending one protects nothing yet), a passkey if it holds one. Read from D1: the
 * principal's copy of the user never carries the password hash.
 */
export async function stepUpMethods(db: Db, userId: string): Promise<StepUpMethod[]> {
  const [user, totp, passkey] = await Promise.all([findUserById(db, userId), hasConfirmedTotp(db, userId), hasPasskey(db, userId)]);
  const methods: StepUpMethod[] = [];
  if (user?.passwordHash) methods.push("password");
  if (totp) methods.push("totp");
  if (passkey) methods.push("passkey");
  return methods;
}
