import { eq } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { users, type UserRow } from "../../../core/db/schema.ts";
import { findUserById } from "../../../core/users/users.ts";
import { forgetUser } from "../principal-cache/forget-user.ts";
import { nowIso } from "../../../core/ids.ts";
import { AppError } from "../../../core/app-error.ts";
import { revokeUserSessions } from "../session/session-store.ts";
import { hashPassword, verifyPassword } from "./password-hash.ts";

/**
 * Replaces a user's password after checking the current one, and ends every
 * other session (whoever else holds one loses it at once); the caller's stays. The hash is read
 * from D1 here: a principal's copy of the user never carries it.
 */
export async function changePassword(db: Db, user: Pick<UserRow, "id">, current: string, next: string, keepSessionId: string): Promise<number> {
  const passwordHash = (await findUserById(db, user.id))?.passwordHash;
  if (!passwordHash || !(await verifyPassword(current, passwordHash))) {
    throw new AppError("E-AUTH-FORBID", "current password is wrong", { fields: [{ path: "current_password", message: "does not match" }] });
  }
  await db.update(users).set({ passwordHash: await hashPassword(next), updatedAt: nowIso() }).where(eq(users.id, user.id));
  const ended = await revokeUserSessions(db, user.id, "password_changed", keepSessionId);
  await forgetUser(db, user.id); // the kept session's copy holds the user as they were
  return ended;
}
