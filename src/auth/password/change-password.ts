import { eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { users, type UserRow } from "../../db/schema.ts";
import { nowIso } from "../../ids.ts";
import { AppError } from "../../http/app-error.ts";
import { revokeUserSessions } from "../session/session-store.ts";
import { hashPassword, verifyPassword } from "./password-hash.ts";

/**
 * Replaces a user's password after checking the current one, and ends every
 * other session (whoever else holds one loses it at once); the caller's stays.
 */
export async function changePassword(db: Db, user: UserRow, current: string, next: string, keepSessionId: string): Promise<number> {
  if (!user.passwordHash || !(await verifyPassword(current, user.passwordHash))) {
    throw new AppError("E-AUTH-FORBID", "current password is wrong", { fields: [{ path: "current_password", message: "does not match" }] });
  }
  await db.update(users).set({ passwordHash: await hashPassword(next), updatedAt: nowIso() }).where(eq(users.id, user.id));
  return revokeUserSessions(db, user.id, "password_changed", keepSessionId);
}
