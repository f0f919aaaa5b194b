import type { Db } from "../../core/db/client.ts";
import type { AnchorageEvent } from "../../core/audit/audit-event.ts";
import type { DeliveryMessage } from "../../core/webhooks/queue-messages.ts";
import { MAX_DELIVERY_ATTEMPTS, retryDelaySeconds } from "./retry-delay.ts";
import { signPayload } from "./sign-payload.ts";
import { findDelivery, markDead, recordAttempt } from "./webhook-store.ts";

/** A receiver has this long to answer; past it the attempt counts as failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** What the queue should do with a delivery message: done with it, or try again later. */
export type DeliveryOutcome = { kind: "ack" } | { kind: "retry"; delaySeconds: number };
const ack: DeliveryOutcome = { kind: "ack" };

/** What a receiver gets: the event, less the list of who else receives it (not theirs to know). */
export function webhookBody(event: AnchorageEvent): string {
  const { owner_ids: _others, ...body } = event;
  return JSON.stringify(body);
}

const describe = (e: unknown) => {
  const err = e instanceof Error ? e : new Error(String(e));
  return `${err.name}: ${err.message}`.slice(0, 500);
};

/** POSTs the event to the webhook once, signed; null on a 2xx, else what went wrong. */
const post = (url: string, secret: string, deliveryId: string, event: AnchorageEvent, now: number) =>
  postSigned(url, secret, { eventType: event.type, deliveryId, body: webhookBody(event) }, now);

/**
 * One signed POST as every webhook delivery is sent (the account's webhooks, an alert's webhook
 * channel): `X-Anchorage-Event`, `X-Anchorage-Delivery` and `X-Anchorage-Signature` over the body.
 * `error` is null on a 2xx, else what went wrong.
 */
export async function postSigned(url: string, secret: string, d: { eventType: string; deliveryId: string; body: string }, now: number): Promise<{ status: number | null; error: string | null }> {
  const body = d.body;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Anchorage-Webhooks/1", // the payload's version
        "x-anchorage-event": d.eventType,
        "x-anchorage-delivery": d.deliveryId,
        "x-anchorage-signature": await signPayload(secret, body, Math.floor(now / 1000)),
      },
      body,
      // A redirect is an answer, not a new address to send the event to.
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { status: res.status, error: null };
    return { status: res.status, error: `the receiver answered ${res.status}${res.status >= 300 && res.status < 400 ? " (redirects are not followed)" : ""}` };
  } catch (e) {
    return { status: null, error: describe(e) };
  }
}

/**
 * One attempt at one delivery. A delivery that is no longer pending (delivered, dead, or its webhook
 * deleted) is not sent again, so a redelivered message never repeats a delivery that went through.
 * A failure is retried with backoff until MAX_DELIVERY_ATTEMPTS, when the delivery is dead.
 */
export async function deliverWebhook(db: Db, message: DeliveryMessage, now = Date.now()): Promise<DeliveryOutcome> {
  const found = await findDelivery(db, message.delivery_id);
  if (!found || found.delivery.state !== "pending") return ack;
  const { delivery, webhook } = found;
  if (!webhook.enabled) {
    await markDead(db, delivery.id, "the webhook is disabled");
    return ack;
  }
  const { status, error } = await post(webhook.url, webhook.secret, delivery.id, message.event, now);
  const attempt = delivery.attempts + 1;
  const state = error === null ? "delivered" : attempt >= MAX_DELIVERY_ATTEMPTS ? "dead" : "pending";
  const counted = await recordAttempt(db, delivery.id, delivery.attempts, { state, status, error });
  if (!counted || state !== "pending") return ack;
  return { kind: "retry", delaySeconds: retryDelaySeconds(attempt) };
}
