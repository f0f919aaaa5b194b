import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../../core/db/client.ts";
import { chunkKey } from "../../../core/sync-chunks/chunk-key.ts";

/** How long a chunk no transfer used stays in R2 (SYNC_CHUNK_RETENTION_DAYS). */
export const DEFAULT_CHUNK_RETENTION_DAYS = 7;
const retentionSchema = z.coerce.number().int().min(1).max(3650).default(DEFAULT_CHUNK_RETENTION_DAYS);

/** SYNC_CHUNK_RETENTION_DAYS, or the default when unset; a bad value fails loudly rather than deleting on a guess. */
export function chunkRetentionDays(raw: string | undefined): number {
  const parsed = retentionSchema.safeParse(raw === "" ? undefined : raw);
  if (!parsed.success) throw new Error(`SYNC_CHUNK_RETENTION_DAYS must be a whole number of days from 1 to 3650, got "${raw}"`);
  return parsed.data;
}

/** R2 deletes up to 1,000 keys a call; a pass does a few such calls and leaves the rest to the next hour. */
const PER_CALL = 1000;
const PER_PASS = 5000;

/**
 * The collector (hourly cron): deletes R2 chunks no transfer has uploaded or reused for
 * `retentionDays`, and every chunk of a user who no longer exists. A row is claimed (deleted, only
 * if still unused) before its object goes, so a chunk a transfer touches meanwhile keeps its row;
 * a transfer that finds its chunk gone anyway uploads it again (sync-transfer.ts).
 */
export async function collectChunks(db: Db, bucket: R2Bucket, retentionDays: number, now = Date.now()): Promise<{ deleted: number }> {
  const cutoff = new Date(now - retentionDays * 86_400_000).toISOString();
  let deleted = 0;
  while (deleted < PER_PASS) {
    const claimed = await db.all<{ owner_id: string; sha256: string }>(sql`
      DELETE FROM sync_chunks WHERE rowid IN (
        SELECT c.rowid FROM sync_chunks c
        WHERE c.last_used_at < ${cutoff} OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.owner_id)
        LIMIT ${PER_CALL})
      RETURNING owner_id, sha256`);
    if (!claimed.length) break;
    await bucket.delete(claimed.map((r) => chunkKey(r.owner_id, r.sha256)));
    deleted += claimed.length;
  }
  return { deleted };
}
