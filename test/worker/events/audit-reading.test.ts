import { describe, expect, it } from "vitest";
import { call, errorOf, json, PASSWORD, register, seedAdmin } from "../helpers.ts";
import { FakeAgent } from "../cloud/fake-agent.ts";

const actions = (entries: any[]) => entries.map((e) => e.action);

describe("GET /api/audit (your own log)", () => {
  it("shows what you did and what was done to you and your things, never another tenant's rows", async () => {
    const [alice, bob] = [await register(), await register()];
    const admin = await seedAdmin();
    const agent = await FakeAgent.register(alice);
    await call("/auth/login", { body: { email: bob.email, password: PASSWORD } });
    await call("/auth/login", { body: { email: alice.email, password: "not her password" }, ip: "203.0.113.50" });
    // An admin acts on Alice's instance and on Alice.
    expect((await call(`/api/cloud/instance/${agent.instanceId}/disconnect`, { method: "POST", token: admin.access, ip: "198.51.100.99" })).status).toBe(200);
    expect((await call(`/admin/users/${alice.userId}`, { method: "PATCH", token: admin.access, body: { name: "Alice A." }, ip: "198.51.100.99" })).status).toBe(200);

    const res = await call("/api/audit", { token: alice.access });
    expect(res.status).toBe(200);
    const { entries, next_cursor } = await json(res);
    expect(next_cursor).toBeNull();
    expect(actions(entries)).toEqual(["admin.user_updated", "cloud.instance_disconnected", "auth.login_failed", "cloud.instance_registered", "auth.register"]);
    // Addresses: hers, and the failed sign-in's; never the admin's.
    const by = Object.fromEntries(entries.map((e: any) => [e.action, e]));
    expect(by["admin.user_updated"]).toMatchObject({ actor_id: admin.userId, subject_id: alice.userId, ip: null });
    expect(by["cloud.instance_disconnected"]).toMatchObject({ actor_id: admin.userId, subject_id: agent.instanceId, ip: null });
    expect(by["auth.login_failed"]).toMatchObject({ actor_id: null, ip: "203.0.113.50" });
    expect(by["auth.register"].ip).not.toBeNull();
    // Bob's sign-in is not hers to see.
    expect(entries.every((e: any) => e.actor_id !== bob.userId && e.subject_id !== bob.userId)).toBe(true);
    const bobs = await json(await call("/api/audit", { token: bob.access }));
    expect(actions(bobs.entries)).toEqual(["auth.login", "auth.register"]);
  });

  it("filters by action prefix and pages by cursor, newest first", async () => {
    const u = await register();
    for (let i = 0; i < 3; i++) await call("/auth/login", { body: { email: u.email, password: PASSWORD } });
    await call("/api/settings/profile", { method: "PUT", token: u.access, body: { name: "Renamed" } });
    const first = await json(await call("/api/audit?action=auth.login&limit=2", { token: u.access }));
    expect(actions(first.entries)).toEqual(["auth.login", "auth.login"]);
    const second = await json(await call(`/api/audit?action=auth.login&limit=2&cursor=${first.next_cursor}`, { token: u.access }));
    expect(actions(second.entries)).toEqual(["auth.login"]);
    expect(second.next_cursor).toBeNull();
    expect(second.entries[0].id).toBeLessThan(first.entries[1].id);
    const profile = await json(await call("/api/audit?action=settings.", { token: u.access }));
    expect(profile.entries).toEqual([expect.objectContaining({ action: "settings.profile_updated", detail: { changed: ["name"] } })]);
  });

  it("is a session's alone: an API token gets 403, nobody 401", async () => {
    const u = await register();
    const t = await json(await call("/api/tokens", { token: u.access, body: { name: "ci", scopes: [{ scope: `cloud.${u.userId}`, actions: ["read"] }] } }));
    expect((await call("/api/audit", { token: t.token })).status).toBe(403);
    expect((await call("/api/audit")).status).toBe(401);
  });

  it("refuses a malformed filter with the field named", async () => {
    const u = await register();
    const res = await call("/api/audit?since=yesterday", { token: u.access });
    expect(res.status).toBe(400);
    expect(errorOf(await json(res)).fields!.map((f) => f.path)).toEqual(["since"]);
  });
});

describe("GET /admin/audit", () => {
  it("filters by actor, subject, action prefix and time, and pages by cursor", async () => {
    const admin = await seedAdmin();
    const u = await register();
    const start = new Date().toISOString();
    for (let i = 0; i < 3; i++) await call("/auth/login", { body: { email: u.email, password: PASSWORD } });
    const q = (s: string) => call(`/admin/audit?${s}`, { token: admin.access }).then(json);

    const mine = await q(`actor_id=${u.userId}&action=auth.&since=${encodeURIComponent(start)}`);
    expect(actions(mine.entries)).toEqual(["auth.login", "auth.login", "auth.login"]);
    const subject = await q(`subject_id=${u.userId}&action=auth.register`);
    expect(actions(subject.entries)).toEqual(["auth.register"]);
    const before = await q(`actor_id=${u.userId}&until=${encodeURIComponent(start)}`);
    expect(actions(before.entries)).toEqual(["auth.register"]);

    const page1 = await q(`user_id=${u.userId}&limit=2`);
    const page2 = await q(`user_id=${u.userId}&limit=2&cursor=${page1.next_cursor}`);
    expect([...page1.entries, ...page2.entries].map((e: any) => e.id)).toEqual([...mine.entries.map((e: any) => e.id), subject.entries[0].id]);
    expect(page2.next_cursor).toBeNull();
  });

  it("an action prefix is a prefix, not a pattern: _ and % match only themselves", async () => {
    const admin = await seedAdmin();
    const res = await json(await call("/admin/audit?action=auth_", { token: admin.access }));
    expect(res.entries).toEqual([]);
    expect((await json(await call("/admin/audit?action=auth.", { token: admin.access }))).entries.length).toBeGreaterThan(0);
  });

  it("is an admin's alone", async () => {
    const u = await register();
    expect((await call("/admin/audit", { token: u.access })).status).toBe(403);
  });
});
