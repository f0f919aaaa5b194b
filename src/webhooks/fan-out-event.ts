import type { Db } from "../../core/db/client.ts";
import type { AnchorageEvent } from "../../core/audit/audit-event.ts";
import { matchesAny } from "./event-patterns.ts";
import type { QueueMessage } from "../../core/webhooks/queue-messages.ts";
import { enabledWebhooksOf, ensureDeliveries } from "./webhook-store.ts";

// Queues take at most 100 messages per sendBatch (Cloudflare Queues limits).
const SEND_BATCH_LIMIT = 100;

/**
 * Turns one event into one delivery message per enabled webhook of its owners whose patterns
 * match it. Each delivery is then tried, retried and acknowledged on its own, so a receiver that
 * fails never makes the others receive the event again. Returns how many were sent.
 */
export async function fanOutEvent(db: Db, queue: Queue<QueueMessage>, event: AnchorageEvent): Promise<number> {
  const hooks = (await enabledWebhooksOf(db, event.owner_ids)).filter((w) => matchesAny(w.events, event.type));
  const deliveries = await ensureDeliveries(db, hooks.map((w) => w.id), event);
  for (let i = 0; i < deliveries.length; i += SEND_BATCH_LIMIT) {
    await queue.sendBatch(deliveries.slice(i, i + SEND_BATCH_LIMIT).map((d) => ({ body: { kind: "delivery" as const, delivery_id: d.id, event }, contentType: "json" as const })));
  }
  return deliveries.length;
}
