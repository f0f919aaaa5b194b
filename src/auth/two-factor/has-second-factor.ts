import type { Db } from "../../../core/db/client.ts";
import { hasPasskey } from "../passkey/passkey-store.ts";
import { hasConfirmedTotp } from "../totp/totp-store.ts";

/** True when a password alone must not make a credential for this account: it has a passkey or confirmed TOTP. */
export async function hasSecondFactor(db: Db, userId: string): Promise<boolean> {
  const [passkey, totp] = await Promise.all([hasPasskey(db, userId), hasConfirmedTotp(db, userId)]);
  return passkey || totp;
}
