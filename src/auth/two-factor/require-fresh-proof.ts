import type { TotpDeleteRequest } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import { AppError } from "../../../core/app-error.ts";
import { findUserById } from "../../../core/users/users.ts";
import { verifyPassword } from "../password/password-hash.ts";
import { verifyTotpCode } from "../totp/verify-totp-code.ts";

/**
 * The proof a sensitive change (removing TOTP) asks of a signed-in session: the current password,
 * or a current TOTP code, given in the request. A stand-in for step-up authentication (issue 28),
 * which will replace this one function; the caller rate-limits it per account.
 */
export async function requireFreshProof(db: Db, userId: string, proof: TotpDeleteRequest): Promise<"password" | "totp"> {
  if ("password" in proof) {
    // The hash is read from D1 here: a principal's copy of the user never carries it.
    const hash = (await findUserById(db, userId))?.passwordHash;
    if (!hash || !(await verifyPassword(proof.password, hash))) {
      throw new AppError("E-AUTH-FORBID", hash ? "the password is wrong" : "this account has no password: give a code from your authenticator app instead", {
        fields: [{ path: "password", message: "does not match" }],
      });
    }
    return "password";
  }
  if (!(await verifyTotpCode(db, userId, proof.code))) {
    throw new AppError("E-AUTH-FORBID", "that code is wrong or was already used", { fields: [{ path: "code", message: "does not match" }] });
  }
  return "totp";
}
