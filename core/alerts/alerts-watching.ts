import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";

/**
 * The enabled offline alerts whose target may cover an instance: a tag it carries now (so a tag
 * added later counts), or a list naming it. Whose alert it is does not matter here: the alert's
 * object re-checks, as its owner, that the instance is one it may watch. Two indexed lookups; run
 * on an online/offline transition only, never per heartbeat.
 */
export async function offlineAlertsWatching(db: Db, instanceId: string): Promise<string[]> {
  const rows = await db.all<{ id: string }>(sql`
    SELECT id FROM alerts WHERE enabled = 1 AND condition_kind = 'offline' AND (
      target_tag IN (SELECT tag FROM instance_tags WHERE instance_id = ${instanceId})
      OR id IN (SELECT alert_id FROM alert_instances WHERE instance_id = ${instanceId}))`);
  return rows.map((r) => r.id);
}
