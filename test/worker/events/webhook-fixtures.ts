import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { vi } from "vitest";
import worker from "../../../src/index.ts";
import type { Env } from "../../../core/env.ts";
import type { QueueMessage } from "../../../core/webhooks/queue-messages.ts";
import type { AnchorageEvent } from "../../../core/audit/audit-event.ts";
import { call, json, testEnv, unique, type Session } from "../helpers.ts";

/** What a fake receiver was sent: read inside the fetch call (a body cannot be read from another request's context). */
export type Received = { url: string; headers: Headers; body: string };
type Answer = (req: Received, n: number) => Response | "network-error" | Promise<Response | "network-error">;

/**
 * Webhook receivers at the HTTP boundary: `fetch` to `<name>.hooks.test` is answered here (any other
 * address goes to the real fetch). The Worker's queue handler runs in this isolate, so it meets these
 * receivers whether a test drives it or the real queue does.
 */
export class Receivers {
  private readonly answers = new Map<string, Answer>();
  readonly received = new Map<string, Received[]>();
  private restoreFetch: (() => void) | null = null;

  /**
   * Puts the receivers in front of `fetch`. The previous `fetch` handles every other address, so
   * several test files' receivers can be in place at once, in any order.
   */
  install(): void {
    const previous = globalThis.fetch;
    let active = true;
    const intercept = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const req = new Request(input, init);
      const host = new URL(req.url).host;
      const answer = active ? this.answers.get(host) : undefined;
      if (!answer) return previous(input, init);
      const got: Received = { url: req.url, headers: req.headers, body: await req.text() };
      const list = this.received.get(host) ?? [];
      list.push(got);
      this.received.set(host, list);
      const a = await answer(got, list.length);
      if (a === "network-error") throw new TypeError("Network connection lost.");
      return a;
    };
    globalThis.fetch = intercept as typeof fetch;
    this.restoreFetch = () => {
      active = false;
      if (globalThis.fetch === intercept) globalThis.fetch = previous;
    };
  }

  restore(): void {
    this.restoreFetch?.();
  }

  /** A new receiver's URL; `answer` decides each reply (default 204). */
  add(answer: Answer = () => new Response(null, { status: 204 })): { url: string; got: () => Received[] } {
    const host = `${unique("r")}.hooks.test`.toLowerCase();
    this.answers.set(host, answer);
    return { url: `http://${host}/hook`, got: () => this.received.get(host) ?? [] };
  }
}

export async function createHook(s: Session, url: string, events: string[]): Promise<{ id: string; secret: string }> {
  const res = await call("/api/webhooks", { token: s.access, body: { url, events } });
  if (res.status !== 201) throw new Error(`webhook not created: ${res.status} ${await res.text()}`);
  return json(res);
}

/** A queue that keeps what is sent to it, to see what the Worker publishes. */
export function capturingQueue(): { queue: Queue<QueueMessage>; sent: QueueMessage[] } {
  const sent: QueueMessage[] = [];
  const queue = {
    send: async (body: QueueMessage) => void sent.push(body),
    sendBatch: async (msgs: Iterable<MessageSendRequest<QueueMessage>>) => void sent.push(...[...msgs].map((m) => m.body)),
  } as unknown as Queue<QueueMessage>;
  return { queue, sent };
}

let seq = 0;
/** Runs the Worker's queue handler on one batch, as the queue would, and returns what it acked and retried. */
export async function runQueue(queueName: string, bodies: { body: QueueMessage; attempts?: number }[], env: Partial<Env> = {}) {
  const batch = createMessageBatch<QueueMessage>(
    queueName,
    bodies.map((b) => ({ id: `msg-${++seq}`, timestamp: new Date(), attempts: b.attempts ?? 1, body: b.body })),
  );
  // The test batch records that a message was retried but not its delay: the spies keep that.
  const retries = batch.messages.map((m) => vi.spyOn(m, "retry"));
  const ctx = createExecutionContext();
  await (worker.queue as ExportedHandlerQueueHandler<Env>)(batch as MessageBatch<unknown>, { ...testEnv, ...env } as Env, ctx);
  const result = await getQueueResult(batch, ctx);
  const delays = retries.map((spy) => spy.mock.calls.map((args) => args[0]?.delaySeconds));
  return { result, ids: batch.messages.map((m) => m.id), delays };
}

/** An event as the publisher makes it, for a user. */
export function sampleEvent(ownerIds: string[], type = "cloud.instance.ins_x.command"): AnchorageEvent {
  return { id: `evt_${unique("")}`, type, at: new Date().toISOString(), actor_id: ownerIds[0] ?? null, subject_id: "ins_x", owner_ids: ownerIds, data: { action: "cloud.command", command: "disk" } };
}

/** Checks `X-Anchorage-Signature` the way the README tells receivers to (crypto.subtle.verify compares in constant time). */
export async function signatureValid(secret: string, header: string | null, body: string): Promise<{ valid: boolean; t: number }> {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m) return { valid: false, t: 0 };
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const mac = new Uint8Array(m[2]!.match(/../g)!.map((h) => parseInt(h, 16)));
  const valid = await crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(`${m[1]}.${body}`));
  return { valid, t: Number(m[1]) };
}
