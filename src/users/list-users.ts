import { asc, like, or } from "drizzle-orm";
import type { Db } from "../../core/db/client.ts";
import { users } from "../../core/db/schema.ts";

/** Users in creation order, optionally filtered by a substring of the email or name. */
export async function listUsers(db: Db, page: { limit: number; offset: number; q?: string }) {
  const pattern = page.q ? `%${page.q.toLowerCase().replace(/[%_\\]/g, "\\$&")}%` : undefined;
  return db
    .select()
    .from(users)
    .where(pattern ? or(like(users.emailNormalized, pattern), like(users.name, pattern)) : undefined)
    .orderBy(asc(users.createdAt), asc(users.id))
    .limit(page.limit)
    .offset(page.offset)
    .all();
}
