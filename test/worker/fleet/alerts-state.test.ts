import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { call, json, register } from "../helpers.ts";
import { FakeAgent, tick } from "../cloud/fake-agent.ts";
import { Receivers, signatureValid } from "../events/webhook-fixtures.ts";
import { alertStub, alertView, createAlert, history, offline } from "./alert-fixtures.ts";

const receivers = new Receivers();
beforeAll(() => receivers.install());
afterAll(() => receivers.restore());

/** An agent that is online (hello said) and has sent one heartbeat. */
async function onlineAgent(owner: Awaited<ReturnType<typeof register>>, name = "box") {
  const a = await FakeAgent.register(owner, name);
  await a.connect();
  a.heartbeat();
  await vi.waitFor(async () => expect((await json(await call(`/api/cloud/instances`, { token: owner.access }))).instances.find((i: any) => i.id === a.instanceId)?.status).toBe("online"), { timeout: 5000 });
  return a;
}

const kinds = (h: any[]) => h.map((e) => e.kind).reverse();
const wait = { timeout: 15_000, interval: 100 };

describe("alerts: the offline state machine (fake agent, real InstanceDO and AlertDO)", () => {
  it("an outage longer than the grace fires once, signed like a webhook, and resolves once when the agent is back", async () => {
    const owner = await register();
    const a = await onlineAgent(owner);
    const r = receivers.add();
    const alert = await createAlert(owner, { name: "box down", target: { instanceIds: [a.instanceId] }, condition: offline(1), channels: [{ type: "webhook", url: r.url }] });
    const secret = alert.channels[0].secret;
    expect(alert.instances[0].state).toBe("ok");

    a.ws!.close(1000, "bye"); // the InstanceDO's own 3 s grace, then the alert's 1 s
    await vi.waitFor(() => expect(r.got()).toHaveLength(1), wait);
    const firing = r.got()[0]!;
    expect(firing.headers.get("x-anchorage-event")).toBe("alert.firing");
    expect(firing.headers.get("user-agent")).toBe("Anchorage-Webhooks/1");
    expect(firing.headers.get("x-anchorage-delivery")).toMatch(/^adl_/);
    expect((await signatureValid(secret, firing.headers.get("x-anchorage-signature"), firing.body)).valid).toBe(true);
    const body = JSON.parse(firing.body);
    expect(body).toMatchObject({ type: "alert.firing", alert: { id: alert.id, name: "box down" }, instance: { id: a.instanceId, name: "box" }, condition: offline(1) });
    expect(body.text).toContain("box down");
    expect(body.text).toContain('"box"');
    expect(body.text).toContain("offline");
    expect(body.text).toContain(body.since);
    expect((await alertView(owner, alert.id)).instances[0]).toMatchObject({ state: "firing", since: body.since });

    await tick(1500);
    expect(r.got()).toHaveLength(1); // once, not again per sample

    await a.connect();
    await vi.waitFor(() => expect(r.got()).toHaveLength(2), wait);
    const resolved = JSON.parse(r.got()[1]!.body);
    expect(resolved).toMatchObject({ type: "alert.resolved", since: body.since, instance: { id: a.instanceId } });
    expect((await signatureValid(secret, r.got()[1]!.headers.get("x-anchorage-signature"), r.got()[1]!.body)).valid).toBe(true);
    expect((await alertView(owner, alert.id)).state).toBe("ok");
    await vi.waitFor(async () => expect(kinds(await history(owner, alert.id))).toEqual(["firing", "delivered", "resolved", "delivered"]), wait);
    a.ws?.close();
  });

  it("a flap shorter than the grace sends nothing, whether the InstanceDO's grace or the alert's absorbs it", async () => {
    const owner = await register();
    const a = await onlineAgent(owner);
    const r = receivers.add();
    const alert = await createAlert(owner, { name: "flappy", target: { instanceIds: [a.instanceId] }, condition: offline(4), channels: [{ type: "webhook", url: r.url }] });
    // Back within a second: the instance never even went offline.
    a.ws!.close(1000, "blip");
    await tick(800);
    await a.connect();
    // Offline (after 3 s), pending in the alert, back before its 4 s.
    a.ws!.close(1000, "longer blip");
    await vi.waitFor(async () => expect((await alertView(owner, alert.id)).instances[0].state).toBe("pending"), wait);
    await a.connect();
    await vi.waitFor(async () => expect((await alertView(owner, alert.id)).instances[0].state).toBe("ok"), wait);
    await tick(5000);
    expect(r.got()).toEqual([]);
    expect(await history(owner, alert.id)).toEqual([]);
    a.ws?.close();
  });

  it("a grace timer survives the AlertDO being evicted", async () => {
    const owner = await register();
    const a = await onlineAgent(owner);
    const r = receivers.add();
    const alert = await createAlert(owner, { name: "evicted", target: { instanceIds: [a.instanceId] }, condition: offline(3), channels: [{ type: "webhook", url: r.url }] });
    a.ws!.close(1000, "bye");
    await vi.waitFor(async () => expect((await alertView(owner, alert.id)).instances[0].state).toBe("pending"), wait);
    await evictDurableObject(alertStub(alert.id));
    // Nothing in memory survived: the alarm in storage fires the alert.
    await vi.waitFor(() => expect(r.got().map((g) => JSON.parse(g.body).type)).toEqual(["alert.firing"]), wait);
  });

  it("a tag target follows a tag added later; a disabled alert sends nothing", async () => {
    const owner = await register();
    const a = await onlineAgent(owner, "a");
    const b = await onlineAgent(owner, "b");
    await call(`/api/cloud/instances/${a.instanceId}`, { method: "PATCH", token: owner.access, body: { tags: ["web"] } });
    const r = receivers.add();
    const alert = await createAlert(owner, { name: "web down", target: { tag: "web" }, condition: offline(0), channels: [{ type: "webhook", url: r.url }] });
    expect(alert.instances.map((i: any) => i.instanceId)).toEqual([a.instanceId]);
    const off = receivers.add();
    const disabled = await createAlert(owner, { name: "off", target: { tag: "web" }, condition: offline(0), channels: [{ type: "webhook", url: off.url }] });
    expect((await call(`/api/alerts/${disabled.id}`, { method: "PATCH", token: owner.access, body: { enabled: false } })).status).toBe(200);
    expect((await alertView(owner, disabled.id)).state).toBe("disabled");

    await call(`/api/cloud/instances/${b.instanceId}`, { method: "PATCH", token: owner.access, body: { tags: ["web"] } });
    b.ws!.close(1000, "bye");
    await vi.waitFor(() => expect(r.got().map((g) => JSON.parse(g.body).instance.id)).toEqual([b.instanceId]), wait);
    await b.connect();
    await vi.waitFor(() => expect(r.got().map((g) => JSON.parse(g.body).type)).toEqual(["alert.firing", "alert.resolved"]), wait);
    await tick(500);
    expect(off.got()).toEqual([]); // the disabled alert sent nothing
    a.ws?.close();
    b.ws?.close();
  });
});

describe("alerts: metrics and channels", () => {
  it("a metric above its threshold fires with the value, and resolves when a sample is below", async () => {
    const owner = await register();
    const a = await onlineAgent(owner);
    a.heartbeat(93);
    await tick(200);
    const r = receivers.add();
    const alert = await createAlert(owner, { name: "hot", target: { instanceIds: [a.instanceId] }, condition: { metric: "cpu", above: 80, forSeconds: 0 }, channels: [{ type: "slack", url: r.url }] });
    await vi.waitFor(() => expect(r.got()).toHaveLength(1), wait);
    const text = JSON.parse(r.got()[0]!.body).text as string;
    expect(text).toMatch(/hot.*"box".*cpu at 93\.0%/);
    // memory is 1 of 4 (25%): a memory alert above 20 fires, one above 30 does not.
    const mem = receivers.add();
    await createAlert(owner, { name: "mem", target: { instanceIds: [a.instanceId] }, condition: { metric: "memory", above: 20, forSeconds: 0 }, channels: [{ type: "discord", url: mem.url }] });
    await createAlert(owner, { name: "mem2", target: { instanceIds: [a.instanceId] }, condition: { metric: "memory", above: 30, forSeconds: 0 }, channels: [{ type: "discord", url: mem.url }] });
    await vi.waitFor(() => expect(mem.got()).toHaveLength(1), wait);
    expect(JSON.parse(mem.got()[0]!.body).content).toMatch(/^\[FIRING\] mem: /);

    a.heartbeat(10);
    await tick(200);
    // The next 10-second sample, now.
    await runInDurableObject(alertStub(alert.id), (_o, state) => state.storage.put("nextSample", 0));
    await runDurableObjectAlarm(alertStub(alert.id));
    await vi.waitFor(() => expect(r.got()).toHaveLength(2), wait);
    expect(JSON.parse(r.got()[1]!.body).text).toMatch(/^\[RESOLVED\] hot/);
    a.ws?.close();
  });

  it("a failing channel is retried with backoff and given up on after four tries, recorded in the history, and never holds the others back", async () => {
    const owner = await register();
    const a = await onlineAgent(owner);
    const bad = receivers.add(() => new Response("no", { status: 500 }));
    const good = receivers.add();
    const alert = await createAlert(owner, { name: "two", target: { instanceIds: [a.instanceId] }, condition: offline(0),
      channels: [{ type: "webhook", url: bad.url }, { type: "webhook", url: good.url }, { type: "email", to: owner.email }] });
    a.ws!.close(1000, "bye");
    await vi.waitFor(() => expect(good.got()).toHaveLength(1), wait);
    expect(bad.got()).toHaveLength(1);
    await vi.waitFor(async () => {
      const h = await history(owner, alert.id);
      expect(h.filter((e) => e.kind === "delivered").map((e) => e.channel).sort()).toEqual(["email:2", "webhook:1"]);
      expect(h.filter((e) => e.kind === "failed")).toEqual([expect.objectContaining({ channel: "webhook:0", attempt: 1, detail: "the receiver answered 500" })]);
    }, wait);
    const mail = (await json(await call(`/api/dev/outbox?to=${encodeURIComponent(owner.email)}`))).messages as any[];
    expect(mail.some((m) => /\[FIRING\] two/.test(m.subject))).toBe(true);
    // The retry is waiting (5 s): bring each one forward instead of waiting 5 s + 30 s + 2 min.
    for (let attempt = 2; attempt <= 4; attempt++) {
      await runInDurableObject(alertStub(alert.id), async (_o, state) => {
        const outbox = (await state.storage.get<any[]>("outbox"))!;
        expect(outbox).toHaveLength(1);
        await state.storage.put("outbox", outbox.map((d) => ({ ...d, nextAt: 0 })));
      });
      await runDurableObjectAlarm(alertStub(alert.id));
      expect(bad.got()).toHaveLength(attempt);
    }
    expect(bad.got().map((g) => g.headers.get("x-anchorage-delivery"))).toEqual(Array(4).fill(bad.got()[0]!.headers.get("x-anchorage-delivery")));
    const h = await history(owner, alert.id);
    expect(h.filter((e) => e.channel === "webhook:0").map((e) => [e.kind, e.attempt]).reverse()).toEqual([["failed", 1], ["failed", 2], ["failed", 3], ["gave-up", 4]]);
    expect(await runInDurableObject(alertStub(alert.id), (_o, state) => state.storage.get("outbox"))).toEqual([]);
    expect(good.got()).toHaveLength(1);
  });
});
