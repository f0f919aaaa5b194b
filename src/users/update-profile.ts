import { eq } from "drizzle-orm";
import type { Db } from "../../core/db/client.ts";
import { users, type UserRow } from "../../core/db/schema.ts";
import { nowIso } from "../../core/ids.ts";
import { notFound } from "../../core/app-error.ts";
import { forgetUser } from "../auth/principal-cache/forget-user.ts";

/** Changes what a user may change about themselves (today: the display name). */
export async function updateProfile(db: Db, userId: string, changes: { name?: string }): Promise<UserRow> {
  const set = { ...(changes.name !== undefined ? { name: changes.name } : {}), updatedAt: nowIso() };
  const [row] = await db.update(users).set(set).where(eq(users.id, userId)).returning();
  if (!row) throw notFound("user");
  await forgetUser(db, userId); // this location's copies of the user show the new name on the next request
  return row;
}
