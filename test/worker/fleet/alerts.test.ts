import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { openDb } from "../../../core/db/client.ts";
import { users } from "../../../core/db/schema.ts";
import { call, errorOf, json, register, testEnv } from "../helpers.ts";
import { FakeAgent } from "../cloud/fake-agent.ts";
import { alertStub, createAlert, offline } from "./alert-fixtures.ts";

import { Receivers } from "../events/webhook-fixtures.ts";

// Every channel here answers inside the test (no address outside it is ever tried).
const receivers = new Receivers();
beforeAll(() => receivers.install());
afterAll(() => receivers.restore());
const hook = (url = receivers.add().url) => ({ type: "webhook", url });
const post = (token: string, body: unknown) => call("/api/alerts", { token, body });
// A machine that never connected reports no metric: these alerts never fire, so nothing is sent after a test ends.
const quiet = { metric: "cpu", above: 90, forSeconds: 5 };
const listOf = async (token: string) => (await json(await call("/api/alerts", { token }))).alerts as any[];

describe("alerts: validation", () => {
  it("refuses a bad condition, a bad channel, a bad URL and a target matching nothing with a 400 naming the field, and creates nothing", async () => {
    const owner = await register();
    const a = await FakeAgent.register(owner);
    const good = { name: "down", target: { instanceIds: [a.instanceId] }, condition: quiet, channels: [hook()] };
    const cases: [unknown, RegExp][] = [
      [{ ...good, condition: { metric: "gpu", above: 50, forSeconds: 10 } }, /^condition/],
      [{ ...good, condition: { metric: "cpu", above: 150, forSeconds: 10 } }, /^condition/],
      [{ ...good, condition: { offline: { forSeconds: -1 } } }, /^condition/],
      [{ ...good, condition: { offline: {} } }, /^condition/],
      [{ ...good, condition: { offline: { forSeconds: 5 }, metric: "cpu" } }, /^condition/],
      [{ ...good, channels: [] }, /^channels/],
      [{ ...good, channels: [{ type: "pager", url: "https://x.example" }] }, /^channels\.0/],
      [{ ...good, channels: [{ type: "email", to: "not-an-address" }] }, /^channels\.0\.to/],
      [{ ...good, channels: [hook(), hook("not a url")] }, /^channels\.1\.url$/],
      [{ ...good, channels: [{ type: "slack", url: "ftp://hooks.example.com/x" }] }, /^channels\.0\.url$/],
      [{ ...good, channels: [{ type: "discord", url: "https://user:pw@hooks.example.com/x" }] }, /^channels\.0\.url$/],
      [{ ...good, target: { tag: "nobody-has-this" } }, /^target\.tag$/],
      [{ ...good, target: { tag: "Bad Tag" } }, /^target/],
      [{ ...good, target: { instanceIds: ["ins_doesnotexist"] } }, /^target\.instanceIds$/],
      [{ ...good, name: "" }, /^name/],
      [{ ...good, extra: 1 }, /body|extra/],
    ];
    for (const [body, path] of cases) {
      const res = await post(owner.access, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = errorOf(await json(res));
      expect(err.code).toBe("E-VALIDATION");
      expect(err.fields?.map((f) => f.path).join(" "), JSON.stringify(body)).toMatch(path);
    }
    expect(await listOf(owner.access)).toEqual([]);
    // And the good one is taken.
    expect((await post(owner.access, good)).status).toBe(201);
  });

  it("gives each webhook channel its own secret, shown once, and never again", async () => {
    const owner = await register();
    const a = await FakeAgent.register(owner);
    const slackUrl = receivers.add().url;
    const created = await createAlert(owner, { name: "x", target: { instanceIds: [a.instanceId] }, condition: { metric: "disk", above: 90, forSeconds: 60 },
      channels: [hook(), hook(), { type: "slack", url: slackUrl }, { type: "email", to: owner.email }] });
    expect(created.channels[0].secret).toMatch(/^whsec_/);
    expect(created.channels[1].secret).toMatch(/^whsec_/);
    expect(created.channels[1].secret).not.toBe(created.channels[0].secret);
    expect(created.channels[2]).toEqual({ type: "slack", url: slackUrl });
    expect(created.instances).toEqual([{ instanceId: a.instanceId, name: "box", state: "ok", since: null }]);
    const [listed] = await listOf(owner.access);
    expect(JSON.stringify(listed)).not.toContain("whsec_");
    expect(listed).toMatchObject({ id: created.id, state: "ok", enabled: true, condition: { metric: "disk", above: 90, forSeconds: 60 } });
  });
});

describe("alerts: scoping", () => {
  it("another user sees, changes and deletes none of an alert (404), an API token is refused, and a stranger's machine cannot be watched", async () => {
    const owner = await register();
    const stranger = await register();
    const a = await FakeAgent.register(owner);
    const created = await createAlert(owner, { name: "x", target: { instanceIds: [a.instanceId] }, condition: quiet, channels: [hook()] });
    expect(await listOf(stranger.access)).toEqual([]);
    for (const [path, method, body] of [[`/api/alerts/${created.id}`, "GET"], [`/api/alerts/${created.id}/history`, "GET"], [`/api/alerts/${created.id}`, "PATCH", { enabled: false }], [`/api/alerts/${created.id}`, "DELETE"]] as const) {
      const res = await call(path, { token: stranger.access, method, body });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await listOf(owner.access))[0]).toMatchObject({ id: created.id, enabled: true });
    // Watching a machine the caller cannot see is as if it did not exist.
    const res = await post(stranger.access, { name: "spy", target: { instanceIds: [a.instanceId] }, condition: offline(5), channels: [hook()] });
    expect(res.status).toBe(400);
    expect(errorOf(await json(res)).fields?.[0]?.path).toBe("target.instanceIds");
    // An API token, whatever its scopes, manages no alert.
    const tok = await json(await call("/api/tokens", { token: owner.access, body: { name: "ci", scopes: [{ scope: `cloud.${owner.userId}`, actions: ["read", "write"] }] } }));
    expect((await call("/api/alerts", { token: tok.token })).status).toBe(403);
  });

  it("a sharee with read may watch the shared machine; deleting an alert clears its object and its history", async () => {
    const owner = await register();
    const sharee = await register();
    const a = await FakeAgent.register(owner);
    expect((await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: a.instanceId, permissions: ["read:cloud_instance"] } })).status).toBe(200);
    const created = await createAlert(sharee, { name: "theirs", target: { instanceIds: [a.instanceId] }, condition: quiet, channels: [hook()] });
    expect(created.instances.map((i: any) => i.instanceId)).toEqual([a.instanceId]);
    expect(await runInDurableObject(alertStub(created.id), async (_o, state) => (await state.storage.list()).size)).toBeGreaterThan(0);
    expect((await call(`/api/alerts/${created.id}`, { token: sharee.access, method: "DELETE" })).status).toBe(200);
    expect(await runInDurableObject(alertStub(created.id), async (_o, state) => [(await state.storage.list()).size, await state.storage.getAlarm()])).toEqual([0, null]);
    expect((await call(`/api/alerts/${created.id}/history`, { token: sharee.access })).status).toBe(404);
    expect(await listOf(sharee.access)).toEqual([]);
  });
});

describe("alerts: an owner deleted", () => {
  it("an alert whose row went with its owner stops its object at its next sample", async () => {
    const owner = await register();
    const a = await FakeAgent.register(owner);
    const created = await createAlert(owner, { name: "x", target: { instanceIds: [a.instanceId] }, condition: { metric: "cpu", above: 90, forSeconds: 60 }, channels: [hook()] });
    await openDb(testEnv.DB).delete(users).where(eq(users.id, owner.userId));
    const stub = alertStub(created.id);
    await runInDurableObject(stub, async (_o, state) => {
      await state.storage.put("nextSample", 0);
      await state.storage.delete("members");
    });
    await runDurableObjectAlarm(stub);
    expect(await runInDurableObject(stub, async (_o, state) => [(await state.storage.list()).size, await state.storage.getAlarm()])).toEqual([0, null]);
  });
});
