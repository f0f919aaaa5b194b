import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { openDb } from "../../../core/db/client.ts";
import { webhookDeliveries } from "../../../core/db/schema.ts";
import type { DeliveryMessage, QueueMessage } from "../../../core/webhooks/queue-messages.ts";
import { MAX_DELIVERY_ATTEMPTS } from "../../../src/webhooks/retry-delay.ts";
import { DEAD_LETTER_QUEUE } from "../../../src/webhooks/queue-consumer.ts";
import { call, register, testEnv } from "../helpers.ts";
import { capturingQueue, createHook, Receivers, runQueue, sampleEvent, signatureValid } from "./webhook-fixtures.ts";

const QUEUE = "anchorage-events";
const db = openDb(testEnv.DB);
const receivers = new Receivers();
beforeAll(() => receivers.install());
afterAll(() => receivers.restore());

const deliveryRow = (id: string) => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();

/** Fans an event out the way the consumer does, keeping the delivery messages instead of queueing them. */
async function fanOut(event: QueueMessage): Promise<DeliveryMessage[]> {
  const { queue, sent } = capturingQueue();
  const { result, ids } = await runQueue(QUEUE, [{ body: event }], { EVENTS: queue });
  expect(result.explicitAcks).toEqual(ids);
  return sent as DeliveryMessage[];
}

describe("fan-out", () => {
  it("makes one delivery per matching webhook of the event's owners, and none for anyone else's", async () => {
    const [alice, bob] = [await register(), await register()];
    const cloud = await createHook(alice, receivers.add().url, ["cloud.*"]);
    const deletions = await createHook(alice, receivers.add().url, ["cloud.instance.*.deleted"]);
    const bobs = await createHook(bob, receivers.add().url, ["*"]);
    const event = sampleEvent([alice.userId], "cloud.instance.ins_x.command");
    const sent = await fanOut(event);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.event).toEqual(event);
    const rows = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, event.id)).all();
    expect(rows).toEqual([expect.objectContaining({ id: sent[0]!.delivery_id, webhookId: cloud.id, state: "pending", attempts: 0, eventType: event.type })]);
    expect(rows.map((r) => r.webhookId)).not.toContain(deletions.id);
    expect(rows.map((r) => r.webhookId)).not.toContain(bobs.id);
  });

  it("a redelivered event makes no second delivery, and sends none already tried", async () => {
    const alice = await register();
    await createHook(alice, receivers.add().url, ["cloud.*"]);
    const event = sampleEvent([alice.userId]);
    const first = await fanOut(event);
    expect(first).toHaveLength(1);
    // Cut off before its delivery message went out: the redelivered event sends it (still untried).
    const again = await fanOut(event);
    expect(again.map((m) => m.delivery_id)).toEqual(first.map((m) => m.delivery_id));
    // Once tried, a redelivered event leaves it to its own message.
    await runQueue(QUEUE, [{ body: first[0]! }]);
    expect(await fanOut(event)).toEqual([]);
    expect(await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, event.id)).all()).toHaveLength(1);
  });
});

describe("delivery", () => {
  it("POSTs the event signed with the webhook's secret, and marks it delivered", async () => {
    const alice = await register();
    const r = receivers.add();
    const hook = await createHook(alice, r.url, ["cloud.*"]);
    const event = sampleEvent([alice.userId]);
    const [msg] = await fanOut(event);
    const { result, ids } = await runQueue(QUEUE, [{ body: msg! }]);
    expect(result.explicitAcks).toEqual(ids);
    expect(result.retryMessages).toEqual([]);

    const [got] = r.got();
    expect(got!.headers.get("content-type")).toBe("application/json");
    expect(got!.headers.get("x-anchorage-event")).toBe(event.type);
    expect(got!.headers.get("x-anchorage-delivery")).toBe(msg!.delivery_id);
    const sig = await signatureValid(hook.secret, got!.headers.get("x-anchorage-signature"), got!.body);
    expect(sig.valid).toBe(true);
    expect(Math.abs(sig.t - Date.now() / 1000)).toBeLessThan(60);
    // Signed over exactly these bytes: another body, or another secret, does not verify.
    expect((await signatureValid(hook.secret, got!.headers.get("x-anchorage-signature"), got!.body + " ")).valid).toBe(false);
    expect((await signatureValid(hook.secret.slice(0, -1) + "x", got!.headers.get("x-anchorage-signature"), got!.body)).valid).toBe(false);
    // The receiver gets the event, but not who else receives it.
    const { owner_ids, ...expected } = event;
    expect(JSON.parse(got!.body)).toEqual(expected);
    expect(owner_ids).toEqual([alice.userId]);

    expect(await deliveryRow(msg!.delivery_id)).toMatchObject({ state: "delivered", attempts: 1, lastStatus: 204, lastError: null });
  });

  it("a 500 is retried with a backoff that grows, with jitter, and recorded", async () => {
    const alice = await register();
    const r = receivers.add(() => new Response("down", { status: 500 }));
    await createHook(alice, r.url, ["cloud.*"]);
    const [msg] = await fanOut(sampleEvent([alice.userId]));
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const { result, ids, delays: [d] } = await runQueue(QUEUE, [{ body: msg!, attempts: attempt }]);
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryMessages.map((m) => m.msgId)).toEqual(ids);
      expect(d).toHaveLength(1);
      delays.push(d![0]!);
    }
    expect(delays[0]).toBeGreaterThanOrEqual(15);
    expect(delays[0]).toBeLessThanOrEqual(30);
    expect(delays[1]).toBeGreaterThanOrEqual(60);
    expect(delays[1]).toBeLessThanOrEqual(120);
    expect(delays[2]).toBeGreaterThanOrEqual(240);
    expect(delays[2]).toBeLessThanOrEqual(480);
    expect(r.got()).toHaveLength(3);
    expect(await deliveryRow(msg!.delivery_id)).toMatchObject({ state: "pending", attempts: 3, lastStatus: 500, lastError: "the receiver answered 500" });
  });

  it("a network error is retried with backoff, and recorded", async () => {
    const alice = await register();
    const r = receivers.add(() => "network-error");
    await createHook(alice, r.url, ["cloud.*"]);
    const [msg] = await fanOut(sampleEvent([alice.userId]));
    const { result, ids, delays } = await runQueue(QUEUE, [{ body: msg! }]);
    expect(result.retryMessages).toHaveLength(1);
    expect(result.retryMessages[0]!.msgId).toBe(ids[0]);
    expect(delays[0]![0]).toBeGreaterThanOrEqual(15);
    expect(delays[0]![0]).toBeLessThanOrEqual(30);
    expect(await deliveryRow(msg!.delivery_id)).toMatchObject({ state: "pending", attempts: 1, lastStatus: null, lastError: "TypeError: Network connection lost." });
  });

  it("a redirect is not followed: it counts as a failure", async () => {
    const alice = await register();
    const r = receivers.add(() => new Response(null, { status: 302, headers: { location: "http://elsewhere.hooks.test/" } }));
    await createHook(alice, r.url, ["cloud.*"]);
    const [msg] = await fanOut(sampleEvent([alice.userId]));
    const { result } = await runQueue(QUEUE, [{ body: msg! }]);
    expect(result.retryMessages).toHaveLength(1);
    expect(await deliveryRow(msg!.delivery_id)).toMatchObject({ state: "pending", lastStatus: 302 });
  });

  it(`is dead after ${MAX_DELIVERY_ATTEMPTS} failed attempts, and never tried again`, async () => {
    const alice = await register();
    const r = receivers.add(() => new Response(null, { status: 503 }));
    await createHook(alice, r.url, ["cloud.*"]);
    const [msg] = await fanOut(sampleEvent([alice.userId]));
    for (let attempt = 1; attempt < MAX_DELIVERY_ATTEMPTS; attempt++) {
      const { result } = await runQueue(QUEUE, [{ body: msg!, attempts: attempt }]);
      expect(result.retryMessages).toHaveLength(1);
    }
    const last = await runQueue(QUEUE, [{ body: msg!, attempts: MAX_DELIVERY_ATTEMPTS }]);
    expect(last.result.explicitAcks).toEqual(last.ids);
    expect(last.result.retryMessages).toEqual([]);
    expect(await deliveryRow(msg!.delivery_id)).toMatchObject({ state: "dead", attempts: MAX_DELIVERY_ATTEMPTS, lastStatus: 503 });
    expect(r.got()).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    // The same message again (a redelivery): acknowledged without another request.
    const again = await runQueue(QUEUE, [{ body: msg!, attempts: 1 }]);
    expect(again.result.explicitAcks).toEqual(again.ids);
    expect(r.got()).toHaveLength(MAX_DELIVERY_ATTEMPTS);
  });

  it("a redelivered message never sends a delivered event again", async () => {
    const alice = await register();
    const r = receivers.add();
    await createHook(alice, r.url, ["cloud.*"]);
    const [msg] = await fanOut(sampleEvent([alice.userId]));
    await runQueue(QUEUE, [{ body: msg! }]);
    const again = await runQueue(QUEUE, [{ body: msg!, attempts: 2 }]);
    expect(again.result.explicitAcks).toEqual(again.ids);
    expect(r.got()).toHaveLength(1);
    expect(await deliveryRow(msg!.delivery_id)).toMatchObject({ state: "delivered", attempts: 1 });
  });

  it("one failing webhook is retried alone: the others are not sent the event again", async () => {
    const alice = await register();
    const ok = receivers.add();
    const failing = receivers.add(() => new Response(null, { status: 500 }));
    await createHook(alice, ok.url, ["cloud.*"]);
    const bad = await createHook(alice, failing.url, ["cloud.*"]);
    const msgs = await fanOut(sampleEvent([alice.userId]));
    expect(msgs).toHaveLength(2);
    const { result, ids } = await runQueue(QUEUE, msgs.map((body) => ({ body })));
    expect(result.retryMessages).toHaveLength(1);
    expect(result.explicitAcks).toHaveLength(1);
    const retried = msgs[ids.indexOf(result.retryMessages[0]!.msgId)]!;
    expect((await deliveryRow(retried.delivery_id))!.webhookId).toBe(bad.id);
    await runQueue(QUEUE, [{ body: retried, attempts: 2 }]);
    expect(ok.got()).toHaveLength(1);
    expect(failing.got()).toHaveLength(2);
  });

  it("a deleted webhook's pending delivery is dropped without a request", async () => {
    const alice = await register();
    const r = receivers.add();
    const hook = await createHook(alice, r.url, ["cloud.*"]);
    const [msg] = await fanOut(sampleEvent([alice.userId]));
    expect((await call(`/api/webhooks/${hook.id}`, { method: "DELETE", token: alice.access })).status).toBe(200);
    const { result, ids } = await runQueue(QUEUE, [{ body: msg! }]);
    expect(result.explicitAcks).toEqual(ids);
    expect(r.got()).toHaveLength(0);
  });

  it("a message that is neither an event nor a delivery is dropped, not retried forever", async () => {
    const { result, ids } = await runQueue(QUEUE, [{ body: { nonsense: true } as unknown as QueueMessage }]);
    expect(result.explicitAcks).toEqual(ids);
  });
});

describe("dead-letter queue", () => {
  it("marks a dead-lettered delivery dead, and leaves a delivered one alone", async () => {
    const alice = await register();
    await createHook(alice, receivers.add().url, ["cloud.*"]);
    const [pending] = await fanOut(sampleEvent([alice.userId]));
    const [delivered] = await fanOut(sampleEvent([alice.userId]));
    await runQueue(QUEUE, [{ body: delivered! }]);
    const { result, ids } = await runQueue(DEAD_LETTER_QUEUE, [{ body: pending! }, { body: delivered! }]);
    expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    expect(await deliveryRow(pending!.delivery_id)).toMatchObject({ state: "dead", lastError: expect.stringContaining("dead-lettered") });
    expect(await deliveryRow(delivered!.delivery_id)).toMatchObject({ state: "delivered" });
  });
});
