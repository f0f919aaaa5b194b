import type { Db } from "../../core/db/client.ts";
import type { UserRow } from "../../core/db/schema.ts";
import { markEmailVerified } from "../../core/users/users.ts";
import { forgetUser } from "../auth/principal-cache/forget-user.ts";

/**
 * The person proved they read mail at `email`: when it is the account's address it counts as
 * verified, and this location's copies of the user go, so the sessions they already hold see it
 * on their next request (the proxy's email rules read it from the principal).
 */
export async function emailProven(db: Db, user: Pick<UserRow, "id" | "emailNormalized" | "emailVerifiedAt">, email: string): Promise<void> {
  if (await markEmailVerified(db, user, email)) await forgetUser(db, user.id);
}
