import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";

/**
 * Records that a transfer uploads or reuses these chunks now (one statement for a whole batch:
 * the rows travel as one JSON parameter, since D1 binds at most 100 parameters a statement).
 * The collector (collect-chunks.ts) deletes only chunks unused for the retention period, so a
 * sync or a mirror that keeps using a chunk keeps it.
 */
export async function touchChunks(db: Db, ownerId: string, chunks: readonly { sha256: string; length: number }[], now = Date.now()): Promise<void> {
  if (!chunks.length) return;
  const rows = JSON.stringify(chunks.map((c) => [c.sha256, c.length]));
  // `WHERE true` keeps SQLite from reading ON CONFLICT as part of the SELECT's join (its upsert docs).
  await db.run(sql`
    INSERT INTO sync_chunks (owner_id, sha256, size, last_used_at)
    SELECT ${ownerId}, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ${new Date(now).toISOString()} FROM json_each(${rows}) WHERE true
    ON CONFLICT (owner_id, sha256) DO UPDATE SET last_used_at = excluded.last_used_at, size = excluded.size`);
}
