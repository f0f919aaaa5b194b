import { eq } from "drizzle-orm";
import type { Role } from "@anchorage/common";
import type { Db } from "../../core/db/client.ts";
import { users, type UserRow } from "../../core/db/schema.ts";
import { nowIso } from "../../core/ids.ts";
import { AppError, notFound } from "../../core/app-error.ts";
import { revokeUserSessions } from "../auth/session/session-store.ts";
import { forgetUser } from "../auth/principal-cache/forget-user.ts";
import { countOtherActiveAdmins, findUserById } from "../../core/users/users.ts";

const isActiveAdmin = (u: UserRow) => u.disabledAt === null && u.roles.includes("admin");

/** Refuses a change that would leave the deployment without an active admin. */
async function keepAnAdmin(db: Db, before: UserRow, after: { roles: Role[]; disabled: boolean } | null) {
  const stillAdmin = after !== null && !after.disabled && after.roles.includes("admin");
  if (isActiveAdmin(before) && !stillAdmin && (await countOtherActiveAdmins(db, before.id)) === 0) {
    throw new AppError("E-CONFLICT", "this is the last active admin; make someone else admin first");
  }
}

/**
 * An admin's change to a user. Disabling ends every session of theirs at once
 * (their access tokens fail on the next request, since each request checks the session).
 */
export async function adminUpdateUser(db: Db, id: string, changes: { name?: string; roles?: Role[]; disabled?: boolean }): Promise<{ user: UserRow; sessionsEnded: number }> {
  const before = await findUserById(db, id);
  if (!before) throw notFound("user");
  const roles = changes.roles ? [...new Set(changes.roles)] : before.roles;
  const disabled = changes.disabled ?? before.disabledAt !== null;
  await keepAnAdmin(db, before, { roles, disabled });
  const now = nowIso();
  const [user] = await db
    .update(users)
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      roles,
      disabledAt: disabled ? (before.disabledAt ?? now) : null,
      updatedAt: now,
    })
    .where(eq(users.id, id))
    .returning();
  const sessionsEnded = disabled && !before.disabledAt ? await revokeUserSessions(db, id, "user_disabled") : 0;
  await forgetUser(db, id); // roles, name or disabled: this location's copies of them go at once
  return { user: user!, sessionsEnded };
}

/** Deletes a user; their sessions and tokens go with them (ON DELETE CASCADE). */
export async function adminDeleteUser(db: Db, id: string): Promise<void> {
  const before = await findUserById(db, id);
  if (!before) throw notFound("user");
  await keepAnAdmin(db, before, null);
  await forgetUser(db, id); // before the delete, whose cascade takes the rows that name the copies
  await db.delete(users).where(eq(users.id, id));
}
