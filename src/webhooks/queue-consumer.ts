import type { Env } from "../../core/env.ts";
import { openDb, type Db } from "../../core/db/client.ts";
import { deliverWebhook } from "./deliver-webhook.ts";
import { fanOutEvent } from "./fan-out-event.ts";
import { parseQueueMessage } from "../../core/webhooks/queue-messages.ts";
import { retryDelaySeconds } from "./retry-delay.ts";
import { markDead } from "./webhook-store.ts";

/** The queue the events queue's consumer hands a message to after its last retry (wrangler.toml). */
export const DEAD_LETTER_QUEUE = "anchorage-events-dlq";

const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** One message of `anchorage-events`: an event to fan out, or one delivery to attempt. */
async function handleEventMessage(db: Db, env: Env, m: Message<unknown>): Promise<void> {
  const parsed = parseQueueMessage(m.body);
  if (!parsed) {
    console.error(`queue message ${m.id} is neither an event nor a delivery; dropped`);
    return m.ack();
  }
  try {
    if (parsed.kind === "event") {
      await fanOutEvent(db, env.EVENTS, parsed.event);
      return m.ack();
    }
    const outcome = await deliverWebhook(db, parsed.message);
    return outcome.kind === "ack" ? m.ack() : m.retry({ delaySeconds: outcome.delaySeconds });
  } catch (e) {
    // D1 or the queue failed us, not the receiver: try the message again; after max_retries it is dead-lettered.
    console.error(`queue message ${m.id} (${parsed.kind}) failed, retrying: ${describe(e)}`);
    m.retry({ delaySeconds: retryDelaySeconds(m.attempts) });
  }
}

/** One message of the dead-letter queue: the events queue gave up on it. */
async function handleDeadLetter(db: Db, m: Message<unknown>): Promise<void> {
  const parsed = parseQueueMessage(m.body);
  try {
    if (parsed?.kind === "delivery") {
      await markDead(db, parsed.message.delivery_id, "dead-lettered: the delivery could not be processed");
    } else {
      console.error(`event ${parsed?.kind === "event" ? `${parsed.event.id} (${parsed.event.type})` : m.id} was dead-lettered: its webhooks were not told`);
    }
    m.ack();
  } catch (e) {
    console.error(`dead letter ${m.id} could not be recorded, retrying: ${describe(e)}`);
    m.retry({ delaySeconds: retryDelaySeconds(m.attempts) });
  }
}

/** The Worker's `queue` handler, for both the events queue and its dead-letter queue. */
export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = openDb(env.DB);
  const handle = batch.queue === DEAD_LETTER_QUEUE ? (m: Message<unknown>) => handleDeadLetter(db, m) : (m: Message<unknown>) => handleEventMessage(db, env, m);
  // Each message settles on its own: one receiver's failure never holds up or repeats another's.
  await Promise.all(batch.messages.map(handle));
}
