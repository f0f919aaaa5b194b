import { and, asc, eq, gt, gte, sql } from "drizzle-orm";
import type { DataScope } from "@anchorage/common";
import type { Db } from "../../core/db/client.ts";
import { userData, type UserDataRow } from "../../core/db/schema.ts";

/**
 * The data store's metadata in D1 (the bytes are in R2, one object per version). Every write is
 * conditional on the version it replaces (`WHERE etag = ?`) and on the owner's quota in the same
 * statement, so two writers cannot both win and two uploads cannot both squeeze under the quota:
 * D1 runs one statement at a time.
 */
export type ValueRef = { ownerId: string; scope: DataScope; key: string };

const refIs = (ref: Pick<UserDataRow, "ownerId" | "scope" | "key">) => and(eq(userData.ownerId, ref.ownerId), eq(userData.scope, ref.scope), eq(userData.key, ref.key));

/** Everything the owner stores, in bytes. */
const usedBytes = (ownerId: string) => sql`(SELECT COALESCE(SUM(u.size), 0) FROM user_data u WHERE u.owner_id = ${ownerId})`;

export function findValue(db: Db, ref: ValueRef): Promise<UserDataRow | undefined> {
  return db.select().from(userData).where(refIs(ref)).get();
}

export async function usageOf(db: Db, ownerId: string): Promise<number> {
  const row = await db.get<{ used: number }>(sql`SELECT ${usedBytes(ownerId)} AS used`);
  return row?.used ?? 0;
}

/** One page of keys in order, after `after`, starting with `prefix`; one more than `limit` tells there is a next page. */
export function listValues(db: Db, q: { ownerId: string; scope: DataScope; prefix: string; after?: string; limit: number }): Promise<UserDataRow[]> {
  return db
    .select()
    .from(userData)
    .where(
      and(
        eq(userData.ownerId, q.ownerId),
        eq(userData.scope, q.scope),
        // The range lets the primary key's index find the first key; substr decides (no LIKE: `_` is a key character).
        q.prefix ? and(gte(userData.key, q.prefix), sql`substr(${userData.key}, 1, ${q.prefix.length}) = ${q.prefix}`) : undefined,
        q.after !== undefined ? gt(userData.key, q.after) : undefined,
      ),
    )
    .orderBy(asc(userData.key))
    .limit(q.limit + 1)
    .all();
}

/** Inserts the first version, unless a value is already there or it would take the owner past `quotaBytes`. True when it did. */
export async function insertFirstVersion(db: Db, row: UserDataRow, quotaBytes: number): Promise<boolean> {
  const res = await db.run(sql`
    INSERT INTO user_data (owner_id, scope, "key", blob_key, content_type, size, etag, created_at, updated_at)
    SELECT ${row.ownerId}, ${row.scope}, ${row.key}, ${row.blobKey}, ${row.contentType}, ${row.size}, ${row.etag}, ${row.createdAt}, ${row.updatedAt}
    WHERE ${usedBytes(row.ownerId)} + ${row.size} <= ${quotaBytes}
    ON CONFLICT DO NOTHING`);
  return res.meta.changes === 1;
}

/**
 * Replaces the version whose ETag is `replacedEtag` with `next`, unless another has replaced it
 * meanwhile or the new size would take the owner past `quotaBytes` (a value never grown is always
 * allowed, so an owner over a lowered quota can still shrink). True when it did.
 */
export async function replaceVersion(db: Db, replacedEtag: string, next: UserDataRow, quotaBytes: number): Promise<boolean> {
  const res = await db
    .update(userData)
    .set({ blobKey: next.blobKey, contentType: next.contentType, size: next.size, etag: next.etag, updatedAt: next.updatedAt })
    .where(
      and(
        refIs(next),
        eq(userData.etag, replacedEtag),
        sql`(${next.size} <= ${userData.size} OR ${usedBytes(next.ownerId)} - ${userData.size} + ${next.size} <= ${quotaBytes})`,
      ),
    )
    .run();
  return res.meta.changes === 1;
}

/** Deletes the version whose ETag is `etag`, unless another has replaced it meanwhile. True when it did. */
export async function deleteVersion(db: Db, ref: ValueRef, etag: string): Promise<boolean> {
  const res = await db.delete(userData).where(and(refIs(ref), eq(userData.etag, etag))).run();
  return res.meta.changes === 1;
}
