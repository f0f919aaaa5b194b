import { z } from "zod";
import { anchorageEventSchema, type AnchorageEvent } from "../audit/audit-event.ts";

/**
 * What travels on the `anchorage-events` queue: audit events as they are (any consumer can read
 * them), and the webhook consumer's own fan-out, one `DeliveryMessage` per matching webhook, so a
 * receiver that fails is retried alone and never makes the others receive the event again.
 */
export const deliveryMessageSchema = z.object({
  kind: z.literal("delivery"),
  delivery_id: z.string().min(1).max(64),
  event: anchorageEventSchema,
});
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

export type QueueMessage = AnchorageEvent | DeliveryMessage;

/** Reads a message body at the queue boundary: a delivery, an event, or null for anything else. */
export function parseQueueMessage(body: unknown): { kind: "delivery"; message: DeliveryMessage } | { kind: "event"; event: AnchorageEvent } | null {
  const delivery = deliveryMessageSchema.safeParse(body);
  if (delivery.success) return { kind: "delivery", message: delivery.data };
  const event = anchorageEventSchema.safeParse(body);
  if (event.success) return { kind: "event", event: event.data };
  return null;
}
