import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { eventTypeOf, toAnchorageEvent, type AuditRow } from "../../../core/audit/audit-event.ts";
import { openDb } from "../../../core/db/client.ts";
import { auditLog, instances } from "../../../core/db/schema.ts";
import type { AnchorageEvent } from "../../../core/audit/audit-event.ts";
import { call, json, login, PASSWORD, register, seedAdmin, testEnv, uniqueEmail } from "../helpers.ts";
import { FakeAgent } from "../cloud/fake-agent.ts";
import { capturingQueue } from "./webhook-fixtures.ts";

const db = openDb(testEnv.DB);
const row = (action: string, subjectId: string | null, detail: Record<string, unknown> | null = null, actorId: string | null = "usr_a"): AuditRow => ({
  id: 7, at: "2026-01-01T00:00:00.000Z", actorId, action, subjectId, ip: "198.51.100.7", detail,
});

/** Calls the Worker with a queue that keeps what it publishes; returns the response and the events. */
async function withEvents(path: string, o: Parameters<typeof call>[1] = {}) {
  const { queue, sent } = capturingQueue();
  const res = await call(path, { ...o, env: { ...o.env, EVENTS: queue } });
  return { res, events: sent as AnchorageEvent[] };
}

describe("event types", () => {
  it.each([
    ["auth.register", "usr_1", null, "auth.user.usr_1.created"],
    ["admin.user_created", "usr_1", null, "auth.user.usr_1.created"],
    ["admin.user_deleted", "usr_1", null, "auth.user.usr_1.deleted"],
    ["auth.login", "usr_1", { session_id: "ses_9" }, "auth.session.ses_9.created"],
    ["auth.device_login", "ses_9", null, "auth.session.ses_9.created"],
    ["auth.logout", "ses_9", null, "auth.session.ses_9.revoked"],
    ["auth.login_failed", "usr_1", null, "auth.user.usr_1.login_failed"],
    ["auth.token_created", "tok_5", null, "auth.token.tok_5.created"],
    ["auth.token_revoked", "tok_5", null, "auth.token.tok_5.revoked"],
    ["auth.service_account_updated", "sa_3", null, "auth.identity.sa_3.updated"],
    ["settings.password_changed", "usr_1", null, "auth.user.usr_1.password_changed"],
    ["settings.webhook_created", "whk_2", null, "auth.webhook.whk_2.created"],
    ["cloud.instance_registered", "ins_4", null, "cloud.instance.ins_4.created"],
    ["cloud.command", "ins_4", null, "cloud.instance.ins_4.command"],
    ["cloud.git_commit", "ins_4", null, "cloud.instance.ins_4.git_commit"],
    ["cloud.proxy_paused", "ins_4", null, "cloud.proxy.ins_4.paused"],
    ["cloud.share_revoked", "shr_6", null, "cloud.share.shr_6.revoked"],
    // Not in the table: named by rule from the action and the subject's id.
    ["cloud.thing_exploded", "ins_4", null, "cloud.instance.ins_4.thing_exploded"],
    ["billing.charged", null, null, "billing.charged"],
  ])("%s on %s → %s", (action, subject, detail, type) => {
    expect(eventTypeOf(row(action, subject, detail))).toBe(type);
  });

  it("an id can never add a segment to a type", () => {
    expect(eventTypeOf(row("cloud.command", "ins_a.b.c"))).toBe("cloud.instance.ins_a_b_c.command");
    expect(eventTypeOf(row("auth.login", "usr_1", { session_id: "x.y" }))).toBe("auth.session.x_y.created");
  });

  it("the address goes only to the one who acted, or with a failed sign-in to the account's user", () => {
    expect(toAnchorageEvent(row("auth.token_created", "tok_5"), ["usr_a"]).data.ip).toBe("198.51.100.7");
    expect(toAnchorageEvent(row("admin.user_updated", "usr_b"), ["usr_a", "usr_b"]).data.ip).toBeUndefined();
    expect(toAnchorageEvent(row("auth.login_failed", "usr_b", null, null), ["usr_b"]).data.ip).toBe("198.51.100.7");
    expect(toAnchorageEvent(row("cloud.command", "ins_4", { action: "spoofed" }), ["usr_a"]).data.action).toBe("cloud.command");
  });
});

describe("publishing", () => {
  it("a login publishes auth.session.{id}.created to its user, with the address it came from", async () => {
    const u = await register();
    const { res, events } = await withEvents("/auth/login", { body: { email: u.email, password: PASSWORD }, ip: "203.0.113.9" });
    expect(res.status).toBe(200);
    const session = (await json(res)).session_id;
    const [e] = events;
    expect(events).toHaveLength(1);
    expect(e).toMatchObject({ type: `auth.session.${session}.created`, actor_id: u.userId, subject_id: u.userId, owner_ids: [u.userId] });
    expect(e!.data).toMatchObject({ action: "auth.login", session_id: session, ip: "203.0.113.9" });
    // The event's id is its audit entry's.
    const entry = await db.select().from(auditLog).where(eq(auditLog.id, Number(e!.id.slice(4)))).get();
    expect(entry).toMatchObject({ action: "auth.login", actorId: u.userId });
  });

  it("a failed sign-in on an account is published to that account's user", async () => {
    const u = await register();
    const { res, events } = await withEvents("/auth/login", { body: { email: u.email, password: "wrong password!!" }, ip: "203.0.113.10" });
    expect(res.status).toBe(401);
    expect(events).toEqual([expect.objectContaining({ type: `auth.user.${u.userId}.login_failed`, actor_id: null, owner_ids: [u.userId] })]);
    expect(events[0]!.data.ip).toBe("203.0.113.10");
  });

  it("a new API token is published without its secret", async () => {
    const u = await register();
    const { res, events } = await withEvents("/api/tokens", { token: u.access, body: { name: "ci", scopes: [{ scope: `cloud.${u.userId}`, actions: ["read"] }] } });
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(events).toEqual([expect.objectContaining({ type: `auth.token.${created.id}.created`, owner_ids: [u.userId] })]);
    expect(JSON.stringify(events)).not.toContain(created.token);
  });

  it("a service account's new scopes are published as auth.identity.{sa_id}.updated", async () => {
    const u = await register();
    const scopes = [{ scope: `cloud.${u.userId}`, actions: ["read"] }];
    const sa = await json(await call("/api/service-accounts", { token: u.access, body: { name: "deployer", scopes } }));
    const { res, events } = await withEvents(`/api/service-accounts/${sa.id}/scopes`, { method: "PUT", token: u.access, body: { scopes } });
    expect(res.status).toBe(200);
    expect(events.map((e) => e.type)).toEqual([`auth.identity.${sa.id}.updated`]);
    expect(events[0]!.owner_ids).toEqual([u.userId]);
  });

  it("an admin's new user is published to the admin and the user, without the admin's address", async () => {
    const admin = await seedAdmin();
    const { res, events } = await withEvents("/admin/users", { token: admin.access, body: { email: uniqueEmail(), password: PASSWORD, name: "New" } });
    expect(res.status).toBe(201);
    const user = await json(res);
    expect(events).toEqual([expect.objectContaining({ type: `auth.user.${user.id}.created`, owner_ids: [admin.userId, user.id] })]);
    expect(events[0]!.data.ip).toBeUndefined();
  });

  it("what is done to an instance reaches its owner; a share reaches its grantee too; a pause is cloud.proxy.{id}.paused", async () => {
    const owner = await register();
    const friend = await register();
    const admin = await seedAdmin();
    const agent = await FakeAgent.register(owner);
    const share = await withEvents("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: friend.email, instance_id: agent.instanceId } });
    expect(share.res.status).toBe(200);
    const shareId = (await json(share.res)).id;
    expect(share.events).toEqual([expect.objectContaining({ type: `cloud.share.${shareId}.saved`, owner_ids: [owner.userId, friend.userId] })]);

    await db.update(instances).set({ proxySlug: `s${agent.instanceId.slice(4).toLowerCase().replace(/[^a-z0-9]/g, "")}`, proxyTarget: "http://127.0.0.1:1" }).where(eq(instances.id, agent.instanceId));
    const pause = await withEvents(`/api/cloud/proxies/${agent.instanceId}/toggle`, { token: admin.access, body: { inactive: true, reason: "maintenance" } });
    expect(pause.res.status).toBe(200);
    expect(pause.events).toEqual([expect.objectContaining({ type: `cloud.proxy.${agent.instanceId}.paused`, owner_ids: [admin.userId, owner.userId] })]);
    expect(pause.events[0]!.data).toMatchObject({ reason: "maintenance" });

    // Deleted before its entry is written: the owner is still found (the entry names them).
    const del = await withEvents(`/api/cloud/instance/${agent.instanceId}`, { method: "DELETE", token: admin.access });
    expect(del.res.status).toBe(200);
    expect(del.events).toEqual([expect.objectContaining({ type: `cloud.instance.${agent.instanceId}.deleted`, owner_ids: [admin.userId, owner.userId] })]);
  });

  it("a queue that fails never fails the request, and the audit entry is still written", async () => {
    const u = await register();
    const broken = { send: async () => { throw new Error("queue unavailable"); } } as unknown as Queue;
    const res = await call("/auth/login", { body: { email: u.email, password: PASSWORD }, env: { EVENTS: broken as never } });
    expect(res.status).toBe(200);
    const noQueue = await call("/auth/login", { body: { email: u.email, password: PASSWORD }, env: { EVENTS: undefined as never } });
    expect(noQueue.status).toBe(200);
    const entries = await db.select().from(auditLog).where(eq(auditLog.actorId, u.userId)).all();
    expect(entries.filter((e) => e.action === "auth.login")).toHaveLength(2);
  });

  it("the event goes out after the response, not before it", async () => {
    const u = await register();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = { send: async () => gate } as unknown as Queue;
    const { createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
    const worker = (await import("../../../src/index.ts")).default;
    const ctx = createExecutionContext();
    const req = new Request("http://localhost:8787/auth/login", { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": "203.0.113.11" }, body: JSON.stringify({ email: u.email, password: PASSWORD }) });
    const res = await worker.fetch!(req as never, { ...testEnv, EVENTS: slow } as never, ctx);
    expect(res.status).toBe(200); // answered while the queue still holds the event
    release();
    await waitOnExecutionContext(ctx);
  });
});

void login;
