import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkWebhookUrl } from "../../../src/webhooks/webhook-url.ts";
import { patternMatches } from "../../../src/webhooks/event-patterns.ts";
import { MAX_WEBHOOKS_PER_USER } from "../../../src/webhooks/webhook-store.ts";
import type { DeliveryMessage } from "../../../core/webhooks/queue-messages.ts";
import { call, errorOf, json, register } from "../helpers.ts";
import { capturingQueue, createHook, Receivers, runQueue, sampleEvent } from "./webhook-fixtures.ts";

const receivers = new Receivers();
beforeAll(() => receivers.install());
afterAll(() => receivers.restore());

async function apiToken(s: { access: string; userId: string }): Promise<string> {
  const res = await call("/api/tokens", { token: s.access, body: { name: "ci", scopes: [{ scope: `cloud.${s.userId}`, actions: ["read", "write"] }] } });
  return (await json(res)).token;
}

describe("creating a webhook", () => {
  it("answers 201 with the secret once; the list never shows it", async () => {
    const u = await register();
    const res = await call("/api/webhooks", { token: u.access, body: { url: "http://example.hooks.test/in#frag", events: ["cloud.*", "auth.session.*.created", "cloud.*"] } });
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(created).toMatchObject({ id: expect.stringMatching(/^whk_/), url: "http://example.hooks.test/in", events: ["cloud.*", "auth.session.*.created"], enabled: true });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const list = await json(await call("/api/webhooks", { token: u.access }));
    expect(list.webhooks).toEqual([expect.objectContaining({ id: created.id })]);
    expect(JSON.stringify(list)).not.toContain(created.secret);
  });

  it.each([
    [{ url: "ftp://x.example/", events: ["cloud.*"] }, "url"],
    [{ url: "not a url", events: ["cloud.*"] }, "url"],
    [{ url: "https://user:pw@x.example/", events: ["cloud.*"] }, "url"],
    [{ url: "https://x.example/", events: [] }, "events"],
    [{ url: "https://x.example/", events: ["cloud..x"] }, "events.0"],
    [{ url: "https://x.example/", events: ["cloud.**"] }, "events.0"],
    [{ url: "https://x.example/", events: ["cloud.*", "a b"] }, "events.1"],
    [{ url: "https://x.example/", events: ["cloud.*"], secret: "mine" }, "(body)"],
  ])("refuses %j (400 naming %s)", async (body, path) => {
    const u = await register();
    const res = await call("/api/webhooks", { token: u.access, body });
    expect(res.status).toBe(400);
    const err = errorOf(await json(res));
    expect(err.code).toBe("E-VALIDATION");
    expect(err.fields!.map((f) => f.path)).toContain(path);
  });

  it("in production, only https:// to a public host name", () => {
    expect(() => checkWebhookUrl("http://hooks.example.com/", "production")).toThrow(/https/);
    expect(() => checkWebhookUrl("https://localhost/", "production")).toThrow(/public host/);
    expect(() => checkWebhookUrl("https://app.localhost/", "production")).toThrow(/public host/);
    expect(() => checkWebhookUrl("https://10.0.0.1/", "production")).toThrow(/public host/);
    expect(() => checkWebhookUrl("https://[::1]/", "production")).toThrow(/public host/);
    expect(checkWebhookUrl("https://hooks.example.com/x?y=1", "production")).toBe("https://hooks.example.com/x?y=1");
    expect(checkWebhookUrl("http://127.0.0.1:9000/x", "development")).toBe("http://127.0.0.1:9000/x");
  });

  it(`stops at ${MAX_WEBHOOKS_PER_USER} webhooks a person (409)`, async () => {
    const u = await register();
    for (let i = 0; i < MAX_WEBHOOKS_PER_USER; i++) await createHook(u, `http://n${i}.hooks.test/`, ["cloud.*"]);
    const res = await call("/api/webhooks", { token: u.access, body: { url: "http://one-more.hooks.test/", events: ["cloud.*"] } });
    expect(res.status).toBe(409);
    expect(errorOf(await json(res)).code).toBe("E-CONFLICT");
  });

  it("is audited, with the receiver's host but not its path (which may hold a secret)", async () => {
    const u = await register();
    const hook = await createHook(u, "http://audited.hooks.test/T000/B000/s3cr3tpath", ["auth.*"]);
    expect((await call(`/api/webhooks/${hook.id}`, { method: "DELETE", token: u.access })).status).toBe(200);
    const { entries } = await json(await call("/api/audit?action=settings.webhook_", { token: u.access }));
    expect(entries.map((e: any) => [e.action, e.subject_id])).toEqual([
      ["settings.webhook_deleted", hook.id],
      ["settings.webhook_created", hook.id],
    ]);
    expect(entries[1].detail).toEqual({ host: "audited.hooks.test", events: ["auth.*"] });
    expect(JSON.stringify(entries)).not.toContain("s3cr3tpath");
  });
});

describe("who may", () => {
  it("someone else's webhook is not found: not deleted, no deliveries shown, not listed", async () => {
    const [alice, bob] = [await register(), await register()];
    const hook = await createHook(alice, "http://alice.hooks.test/", ["cloud.*"]);
    const del = await call(`/api/webhooks/${hook.id}`, { method: "DELETE", token: bob.access });
    expect(del.status).toBe(404);
    expect((await call(`/api/webhooks/${hook.id}/deliveries`, { token: bob.access })).status).toBe(404);
    expect((await json(await call("/api/webhooks", { token: bob.access }))).webhooks).toEqual([]);
    expect((await json(await call("/api/webhooks", { token: alice.access }))).webhooks).toHaveLength(1);
  });

  it("an API token is refused (403) whatever its scopes; no credentials is 401", async () => {
    const u = await register();
    const token = await apiToken(u);
    const hook = await createHook(u, "http://token.hooks.test/", ["cloud.*"]);
    for (const [method, path, body] of [
      ["POST", "/api/webhooks", { url: "http://t.hooks.test/", events: ["cloud.*"] }],
      ["GET", "/api/webhooks", undefined],
      ["DELETE", `/api/webhooks/${hook.id}`, undefined],
      ["GET", `/api/webhooks/${hook.id}/deliveries`, undefined],
    ] as const) {
      expect((await call(path, { method, token, body })).status, `${method} ${path}`).toBe(403);
      expect((await call(path, { method, body })).status, `${method} ${path}`).toBe(401);
    }
    expect((await json(await call("/api/webhooks", { token: u.access }))).webhooks).toHaveLength(1);
  });
});

describe("deliveries", () => {
  it("are listed newest first, a page at a time", async () => {
    const u = await register();
    const r = receivers.add((_, n) => new Response(null, { status: n === 2 ? 500 : 200 }));
    const hook = await createHook(u, r.url, ["cloud.*"]);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { queue, sent } = capturingQueue();
      await runQueue("anchorage-events", [{ body: sampleEvent([u.userId]) }], { EVENTS: queue });
      const msg = sent[0] as DeliveryMessage;
      await runQueue("anchorage-events", [{ body: msg }]);
      ids.push(msg.delivery_id);
      await new Promise((ok) => setTimeout(ok, 5)); // distinct created_at
    }
    const first = await json(await call(`/api/webhooks/${hook.id}/deliveries?limit=2`, { token: u.access }));
    expect(first.deliveries.map((d: any) => d.id)).toEqual([ids[2], ids[1]]);
    expect(first.deliveries[1]).toMatchObject({ state: "pending", attempts: 1, last_status: 500, last_error: "the receiver answered 500" });
    expect(first.deliveries[0]).toMatchObject({ state: "delivered", attempts: 1, last_status: 200, event_type: "cloud.instance.ins_x.command" });
    const second = await json(await call(`/api/webhooks/${hook.id}/deliveries?limit=2&cursor=${first.next_cursor}`, { token: u.access }));
    expect(second.deliveries.map((d: any) => d.id)).toEqual([ids[0]]);
    expect(second.next_cursor).toBeNull();
    const bad = await call(`/api/webhooks/${hook.id}/deliveries?cursor=bm9wZQ`, { token: u.access });
    expect(bad.status).toBe(400);
  });
});

describe("patterns", () => {
  it.each([
    ["cloud.*", "cloud.instance.ins_1.command", true],
    ["cloud.*", "cloud", false],
    ["cloud.*", "auth.user.usr_1.created", false],
    ["*", "auth.user.usr_1.created", true],
    ["auth.session.*", "auth.session.ses_1.created", true],
    ["auth.session.*.created", "auth.session.ses_1.created", true],
    ["auth.session.*.created", "auth.session.ses_1.revoked", false],
    ["cloud.instance.*.deleted", "cloud.instance.ins_1.deleted.extra", false],
    ["auth.token.tok_1.revoked", "auth.token.tok_1.revoked", true],
    ["auth.token.tok_1.revoked", "auth.token.tok_2.revoked", false],
  ])("%s matches %s: %s", (pattern, type, expected) => {
    expect(patternMatches(pattern, type)).toBe(expected);
  });
});
