import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, seedAdmin } from "../helpers.ts";
import { FakeAgent } from "./fake-agent.ts";

const routes = (id: string) => [
  { method: "GET", path: `/api/cloud/instance/${id}`, action: "read" },
  { method: "GET", path: `/api/cloud/instance/${id}/info`, action: "read" },
  { method: "GET", path: `/api/cloud/instance/${id}/status`, action: "read" },
  { method: "GET", path: `/api/cloud/instance/${id}/health`, action: "read" },
  { method: "GET", path: `/api/cloud/instance/${id}/metrics`, action: "read" },
  { method: "GET", path: `/api/cloud/instance/${id}/logs`, action: "read" },
  { method: "GET", path: `/api/cloud/instance/${id}/config`, action: "read" },
  { method: "GET", path: `/api/cloud/instance/${id}/actions`, action: "read" },
  { method: "POST", path: `/api/cloud/instance/${id}/command`, body: { command: "disk" }, action: "command" },
  { method: "POST", path: `/api/cloud/instance/${id}/disconnect`, action: "manage" },
  { method: "DELETE", path: `/api/cloud/instance/${id}`, action: "manage" },
  { method: "GET", path: `/api/cloud/instance/${id}/terminals`, action: "read" },
  { method: "GET", path: `/api/cloud/instance/${id}/git/repos`, action: "git" },
  { method: "GET", path: `/api/cloud/instance/${id}/git/status?repo=/srv/app`, action: "git" },
  { method: "GET", path: `/api/cloud/instance/${id}/git/log?repo=/srv/app`, action: "git" },
  { method: "POST", path: `/api/cloud/instance/${id}/git/stage`, body: { repo: "/srv/app", paths: ["a.txt"] }, action: "git" },
  { method: "POST", path: `/api/cloud/instance/${id}/git/commit`, body: { repo: "/srv/app", message: "m" }, action: "git" },
  { method: "POST", path: `/api/cloud/instance/${id}/git/push`, body: { repo: "/srv/app" }, action: "git" },
];

async function share(owner: { access: string }, body: Record<string, unknown>) {
  const res = await call("/api/cloud/shares/save", { token: owner.access, body });
  expect(res.status).toBe(200);
  return json(res);
}

describe("instance routes across tenants", () => {
  it("answers 401 to a stranger without credentials on every route", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    for (const r of routes(agent.instanceId)) {
      expect((await call(r.path, { method: r.method, body: r.body })).status, `${r.method} ${r.path}`).toBe(401);
    }
  });

  it("answers 404 (not 403) to another signed-in user, so ids do not leak", async () => {
    const owner = await register();
    const stranger = await register();
    const agent = await FakeAgent.register(owner);
    for (const r of routes(agent.instanceId)) {
      const res = await call(r.path, { method: r.method, body: r.body, token: stranger.access });
      expect(res.status, `${r.method} ${r.path}`).toBe(404);
      expect(errorOf(await json(res)).code).toBe("E-NOT-FOUND");
    }
    // The same as an id that does not exist at all.
    expect((await call("/api/cloud/instance/ins_nope", { token: stranger.access })).status).toBe(404);
    expect((await json(await call("/api/cloud/instances", { token: stranger.access }))).instances).toEqual([]);
  });

  it("gives a read-only sharee read routes and 403 on the rest", async () => {
    const owner = await register();
    const sharee = await register();
    const agent = await FakeAgent.register(owner);
    await share(owner, { grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] });
    for (const r of routes(agent.instanceId)) {
      const res = await call(r.path, { method: r.method, body: r.body, token: sharee.access });
      if (r.action === "read") expect([200, 503], `${r.method} ${r.path}`).toContain(res.status);
      else expect(res.status, `${r.method} ${r.path}`).toBe(403);
    }
    const listed = (await json(await call("/api/cloud/instances", { token: sharee.access }))).instances;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: agent.instanceId, relation: "shared", permissions: ["read:cloud_instance"] });
  });

  it("never lets a sharee manage the instance, even with every shareable permission", async () => {
    const owner = await register();
    const sharee = await register();
    const agent = await FakeAgent.register(owner);
    await share(owner, { grantee_email: sharee.email, instance_id: agent.instanceId });
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { method: "DELETE", token: sharee.access })).status).toBe(403);
    const bad = await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, permissions: ["manage:cloud_instance"] } });
    expect(bad.status).toBe(400);
  });

  it("an all-instances share reaches instances created later; revoking it ends access at once", async () => {
    const owner = await register();
    const sharee = await register();
    const s = await share(owner, { grantee_email: sharee.email, permissions: ["read:cloud_instance"] });
    const later = await FakeAgent.register(owner, "later");
    expect((await call(`/api/cloud/instance/${later.instanceId}`, { token: sharee.access })).status).toBe(200);
    expect((await call("/api/cloud/shares/delete", { token: owner.access, body: { id: s.id } })).status).toBe(200);
    expect((await call(`/api/cloud/instance/${later.instanceId}`, { token: sharee.access })).status).toBe(404);
  });

  it("an expired or disabled share grants nothing", async () => {
    const owner = await register();
    const sharee = await register();
    const agent = await FakeAgent.register(owner);
    const s = await share(owner, { grantee_email: sharee.email, instance_id: agent.instanceId, expires_at: new Date(Date.now() - 1000).toISOString() });
    expect(s.active).toBe(false);
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: sharee.access })).status).toBe(404);
    await share(owner, { id: s.id, expires_at: null, enabled: false });
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: sharee.access })).status).toBe(404);
    await share(owner, { id: s.id, enabled: true });
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: sharee.access })).status).toBe(200);
  });

  it("does not let a user share, update or delete someone else's instance or share", async () => {
    const owner = await register();
    const mallory = await register();
    const agent = await FakeAgent.register(owner);
    const s = await share(owner, { grantee_email: mallory.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] });
    // Mallory may read it, but cannot reshare it, nor widen or delete the owner's share.
    expect((await call("/api/cloud/shares/save", { token: mallory.access, body: { grantee_email: owner.email, instance_id: agent.instanceId } })).status).toBe(403);
    expect((await call("/api/cloud/shares/save", { token: mallory.access, body: { id: s.id, permissions: ["command:cloud_instance"] } })).status).toBe(404);
    expect((await call("/api/cloud/shares/delete", { token: mallory.access, body: { id: s.id } })).status).toBe(404);
    const list = await json(await call("/api/cloud/shares/list", { token: mallory.access }));
    expect(list.received.map((r: { id: string }) => r.id)).toEqual([s.id]);
    expect(list.given).toEqual([]);
  });

  it("lets an admin see every instance", async () => {
    const owner = await register();
    const admin = await seedAdmin();
    const agent = await FakeAgent.register(owner);
    const res = await call(`/api/cloud/instance/${agent.instanceId}`, { token: admin.access });
    expect(res.status).toBe(200);
    expect((await json(res)).relation).toBe("admin");
  });
});
