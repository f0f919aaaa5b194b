import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import type { QueueMessage } from "../../core/webhooks/queue-messages.ts";

/**
 * Where recordAudit publishes an entry's event: the queue, and the request's waitUntil, so the
 * event goes out after the response instead of before it.
 */
export type EventSink = {
  queue: Queue<QueueMessage> | undefined;
  waitUntil: (work: Promise<unknown>) => void;
};

/** The event sink of a request. */
export function eventSink(c: Context<AppEnv>): EventSink {
  let ctx: { waitUntil(work: Promise<unknown>): void } | null = null;
  try {
    ctx = c.executionCtx;
  } catch {
    // Called without an ExecutionContext (hono throws then): the work runs on unawaited.
  }
  return {
    queue: c.env.EVENTS,
    waitUntil: (work) => (ctx ? ctx.waitUntil(work) : void work),
  };
}
