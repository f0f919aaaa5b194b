import type { Db } from "../../core/db/client.ts";
import { toAnchorageEvent, type AuditRow } from "../../core/audit/audit-event.ts";
import { eventOwners } from "./event-owners.ts";
import type { QueueMessage } from "../../core/webhooks/queue-messages.ts";

/**
 * Publishes an audit entry's event on the queue. It never throws: a lost event is logged, and the
 * entry stays in the audit log either way (the request that wrote it must not fail for this).
 */
export async function publishAuditEvent(db: Db, row: AuditRow, queue: Queue<QueueMessage> | undefined): Promise<void> {
  try {
    if (!queue) throw new Error("no EVENTS queue binding");
    await queue.send(toAnchorageEvent(row, await eventOwners(db, row)), { contentType: "json" });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    console.error(`audit event evt_${row.id} (${row.action}) not published: ${err.name}: ${err.message}`);
  }
}
