import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { call, errorOf, json, register, seedAdmin, testEnv, type Session } from "../helpers.ts";
import { FakeAgent, until } from "../cloud/fake-agent.ts";
import { openEvents } from "../cloud/event-socket.ts";
import { openDb } from "../../../core/db/client.ts";
import { apiTokens, users } from "../../../core/db/schema.ts";
import { forgetTokens } from "../../../src/auth/principal-cache/forget.ts";

type Grant = { scope: string; actions: string[] };

async function createToken(s: Session, scopes: Grant[], extra: Record<string, unknown> = {}) {
  const res = await call("/api/tokens", { token: s.access, body: { name: "ci", scopes, ...extra } });
  expect(res.status, await res.clone().text()).toBe(201);
  return json(res);
}

const instancesOf = async (token: string) => {
  const res = await call("/api/cloud/instances", { token });
  expect(res.status).toBe(200);
  return ((await json(res)).instances as { id: string }[]).map((i) => i.id).sort();
};

describe("API tokens", () => {
  it("are shown once, stored only as a hash, listed with last use, and stop working on the request after revocation", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const created = await createToken(owner, [{ scope: `cloud.${owner.userId}.instances`, actions: ["read"] }]);
    expect(created.token).toMatch(/^anc_[A-Za-z0-9_-]{40,}$/);
    expect(created.expires_at).not.toBeNull(); // 90 days by default

    const row = await openDb(testEnv.DB).select().from(apiTokens).where(eq(apiTokens.id, created.id)).get();
    expect(row!.tokenHash).not.toContain(created.token.slice(4));
    expect(JSON.stringify(row)).not.toContain(created.token);

    expect(await instancesOf(created.token)).toEqual([agent.instanceId]);
    const listed = (await json(await call("/api/tokens", { token: owner.access }))).tokens;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: created.id, name: "ci" });
    expect(listed[0].last_used_at).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(created.token);

    expect((await call(`/api/tokens/${created.id}`, { method: "DELETE", token: owner.access })).status).toBe(200);
    const after = await call("/api/cloud/instances", { token: created.token });
    expect(after.status).toBe(401);
    expect(errorOf(await json(after)).message).toMatch(/revoked/);
    expect((await json(await call("/api/tokens", { token: owner.access }))).tokens).toEqual([]);
  });

  it("stop at expiry and when their user is disabled", async () => {
    const owner = await register();
    const t = await createToken(owner, [{ scope: `cloud.${owner.userId}`, actions: ["read"] }], { expires_in_days: 1 });
    const db = openDb(testEnv.DB);
    expect((await call("/api/cloud/instances", { token: t.token })).status).toBe(200);
    // Time moved on, by a write behind the app's back: the location's copy, made a moment ago with
    // the old expiry, goes the way the app's own changes drop it (a copy that expires while held is
    // tested in revocation-at-the-next-request.test.ts).
    const [row] = await db.update(apiTokens).set({ expiresAt: new Date(Date.now() - 1000).toISOString() }).where(eq(apiTokens.id, t.id)).returning();
    await forgetTokens(db, [row!.tokenHash]);
    expect(errorOf(await json(await call("/api/cloud/instances", { token: t.token }))).message).toMatch(/expired/);

    const t2 = await createToken(owner, [{ scope: `cloud.${owner.userId}`, actions: ["read"] }], { expires_in_days: null });
    expect(t2.expires_at).toBeNull();
    await db.update(users).set({ disabledAt: new Date().toISOString() }).where(eq(users.id, owner.userId));
    expect((await call("/api/cloud/instances", { token: t2.token })).status).toBe(401);
  });

  it("cascade down a scope (all instances, one instance) and never up", async () => {
    const owner = await register();
    const a = await FakeAgent.register(owner, "a");
    const b = await FakeAgent.register(owner, "b");
    const all = await createToken(owner, [{ scope: `cloud.${owner.userId}.instances`, actions: ["read"] }]);
    const root = await createToken(owner, [{ scope: `cloud.${owner.userId}`, actions: ["read"] }]);
    const one = await createToken(owner, [{ scope: `cloud.${owner.userId}.instances.${a.instanceId}`, actions: ["read"] }]);
    expect(await instancesOf(all.token)).toEqual([a.instanceId, b.instanceId].sort());
    expect(await instancesOf(root.token)).toEqual([a.instanceId, b.instanceId].sort());
    expect(await instancesOf(one.token)).toEqual([a.instanceId]);
    expect((await call(`/api/cloud/instance/${a.instanceId}`, { token: one.token })).status).toBe(200);
    // The other instance is as absent to it as to a stranger.
    expect((await call(`/api/cloud/instance/${b.instanceId}`, { token: one.token })).status).toBe(404);
    // Read is not command: the verb must be named.
    const cmd = await call(`/api/cloud/instance/${a.instanceId}/command`, { token: all.token, body: { command: "disk" } });
    expect(cmd.status).toBe(403);
    // cloud.<uid>.instances.<id> does not reach the shares resource; cloud.<uid> does.
    expect((await call("/api/cloud/shares/list", { token: one.token })).status).toBe(403);
    expect((await call("/api/cloud/shares/list", { token: root.token })).status).toBe(200);
    expect((await call("/api/cloud/shares/save", { token: root.token, body: { grantee_email: "x@example.test" } })).status).toBe(403);
  });

  it("carry out exactly the named verb: a command token runs commands and may not delete the instance", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    agent.handlers["command.run"] = () => ({ exit_code: 0, signal: null, timed_out: false, duration_ms: 1, stdout_tail: "ok", stderr_tail: "" });
    const t = await createToken(owner, [{ scope: `cloud.${owner.userId}.instances.${agent.instanceId}`, actions: ["read", "command"] }]);
    const res = await call(`/api/cloud/instance/${agent.instanceId}/command`, { token: t.token, body: { command: "disk" } });
    expect(res.status).toBe(200);
    expect((await json(res)).requested_by).toBe(owner.userId);
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { method: "DELETE", token: t.token })).status).toBe(403);
  });

  it("can never hold more than their creator, at creation and at every use", async () => {
    const owner = await register();
    const sharee = await register();
    const agent = await FakeAgent.register(owner);
    const scope = `cloud.${owner.userId}.instances.${agent.instanceId}`;
    // No share yet: nothing of the owner's is grantable.
    let res = await call("/api/tokens", { token: sharee.access, body: { name: "x", scopes: [{ scope, actions: ["read"] }] } });
    expect(res.status).toBe(403);
    expect(errorOf(await json(res)).fields?.[0]?.path).toBe("scopes.0.scope");
    const share = await json(await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] } }));
    // Read is shared, command is not; manage never is.
    res = await call("/api/tokens", { token: sharee.access, body: { name: "x", scopes: [{ scope, actions: ["read", "command"] }] } });
    expect(res.status).toBe(403);
    expect(errorOf(await json(res)).message).toMatch(/command/);
    // A one-instance share does not give all of the owner's instances.
    res = await call("/api/tokens", { token: sharee.access, body: { name: "x", scopes: [{ scope: `cloud.${owner.userId}.instances`, actions: ["read"] }] } });
    expect(res.status).toBe(403);
    res = await call("/api/tokens", { token: sharee.access, body: { name: "x", scopes: [{ scope: `storage.${owner.userId}.data`, actions: ["read"] }] } });
    expect(res.status).toBe(403);
    const t = await createToken(sharee, [{ scope, actions: ["read"] }]);
    expect(await instancesOf(t.token)).toEqual([agent.instanceId]);
    // The share goes: the token loses it on the next request, though its scopes still name it.
    await call("/api/cloud/shares/delete", { token: owner.access, body: { id: share.id } });
    expect(await instancesOf(t.token)).toEqual([]);
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: t.token })).status).toBe(404);
  });

  it("lets an admin grant on anyone's resources, and a demoted admin's token loses them", async () => {
    const admin = await seedAdmin();
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const t = await createToken(admin, [{ scope: `cloud.${owner.userId}.instances`, actions: ["read"] }]);
    expect(await instancesOf(t.token)).toEqual([agent.instanceId]);
    const other = await seedAdmin();
    expect((await call(`/admin/users/${admin.userId}`, { method: "PATCH", token: other.access, body: { roles: ["user"] } })).status).toBe(200);
    expect(await instancesOf(t.token)).toEqual([]);
  });

  it("never manage tokens, accounts or the deployment, whatever their scopes", async () => {
    const admin = await seedAdmin();
    const t = await createToken(admin, [{ scope: `cloud.${admin.userId}`, actions: ["read", "manage", "anchor"] }]);
    for (const [method, path, body] of [
      ["POST", "/api/tokens", { name: "child", scopes: [{ scope: `cloud.${admin.userId}`, actions: ["read"] }] }],
      ["GET", "/api/tokens", undefined],
      ["DELETE", `/api/tokens/${t.id}`, undefined],
      ["POST", "/api/service-accounts", { name: "sa", scopes: [{ scope: `cloud.${admin.userId}`, actions: ["read"] }] }],
      ["GET", "/api/settings/sessions", undefined],
      ["PUT", "/api/settings/password", { current_password: "x", new_password: "y".repeat(12) }],
      ["PUT", "/api/settings/profile", { name: "renamed" }],
      ["GET", "/auth/user", undefined],
      ["GET", "/admin/users", undefined],
      ["GET", "/admin/audit", undefined],
      ["POST", "/auth/proxy-token", { instance_id: "ins_x" }],
    ] as const) {
      const res = await call(path, { method, token: t.token, body });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    // ...and a logout with a token ends nothing.
    expect((await call("/auth/logout", { method: "POST", token: t.token })).status).toBe(403);
    expect((await call("/api/cloud/instances", { token: t.token })).status).toBe(200);
  });

  it("refuse scopes that are malformed, unknown or session-only, naming the reason", async () => {
    const s = await register();
    const cases: [Grant, RegExp][] = [
      [{ scope: `auth.${s.userId}.tokens`, actions: ["read"] }, /never granted to a token/],
      [{ scope: `auth.${s.userId}`, actions: ["read"] }, /never granted to a token/],
      [{ scope: `billing.${s.userId}`, actions: ["read"] }, /unknown root/],
      [{ scope: `cloud.${s.userId}.printers`, actions: ["read"] }, /unknown resource/],
      [{ scope: `cloud.${s.userId}.instances`, actions: ["delete"] }, /unknown action "delete"/],
      [{ scope: "cloud", actions: ["read"] }, /<root>\.<user_id>/],
      [{ scope: `cloud.${s.userId}.instances.ins/../x`, actions: ["read"] }, /instance id/],
    ];
    for (const [grant, reason] of cases) {
      const res = await call("/api/tokens", { token: s.access, body: { name: "x", scopes: [grant] } });
      expect(res.status, grant.scope).toBe(400);
      expect(errorOf(await json(res)).message, grant.scope).toMatch(reason);
    }
    expect((await call("/api/tokens", { token: s.access, body: { name: "x", scopes: [] } })).status).toBe(400);
    expect((await call("/api/tokens", { token: s.access, body: { name: "x", scopes: [{ scope: `cloud.${s.userId}`, actions: ["read"] }], expires_in_days: 400 } })).status).toBe(400);
    expect((await json(await call("/api/tokens", { token: s.access }))).tokens).toEqual([]);
  });

  it("get an anchor token only with the anchor verb on the user's instances", async () => {
    const owner = await register();
    const reader = await createToken(owner, [{ scope: `cloud.${owner.userId}.instances`, actions: ["read"] }]);
    const anchorer = await createToken(owner, [{ scope: `cloud.${owner.userId}.instances`, actions: ["anchor"] }]);
    expect((await call("/api/cloud/request-anchor-token/mine", { method: "POST", token: reader.token })).status).toBe(403);
    const res = await call("/api/cloud/request-anchor-token/mine", { method: "POST", token: anchorer.token });
    expect(res.status).toBe(200);
    expect((await json(res)).anchor_token).toBeTruthy();
  });
});

describe("API tokens on sockets", () => {
  it("hear only the events of what their scopes cover, and are closed when the token is revoked", async () => {
    const owner = await register();
    const a = await FakeAgent.register(owner, "a");
    const b = await FakeAgent.register(owner, "b");
    const t = await createToken(owner, [{ scope: `cloud.${owner.userId}.instances.${a.instanceId}`, actions: ["read"] }]);
    const mine = await openEvents(owner.access);
    const scoped = await openEvents(t.token);
    await a.connect();
    await b.connect();
    await until(() => mine.events.find((e) => e.instanceId === b.instanceId) && mine.events.find((e) => e.instanceId === a.instanceId));
    await until(() => scoped.events.find((e) => e.instanceId === a.instanceId));
    expect(scoped.events.filter((e) => e.instanceId === b.instanceId)).toEqual([]);
    await call(`/api/tokens/${t.id}`, { method: "DELETE", token: owner.access });
    await until(() => scoped.closed());
    expect(mine.closed()).toBeNull();
  });
});

describe("service accounts", () => {
  it("hand their tokens the account's scopes, which follow a change at once, and take them along when deleted", async () => {
    const owner = await register();
    const a = await FakeAgent.register(owner, "a");
    const b = await FakeAgent.register(owner, "b");
    let res = await call("/api/service-accounts", { token: owner.access, body: { name: "deployer", scopes: [{ scope: `cloud.${owner.userId}.instances.${a.instanceId}`, actions: ["read"] }] } });
    expect(res.status).toBe(201);
    const sa = await json(res);
    expect(sa.version).toBe(1);
    res = await call(`/api/service-accounts/${sa.id}/tokens`, { token: owner.access, body: { name: "ci" } });
    expect(res.status).toBe(201);
    const t = await json(res);
    expect(t).toMatchObject({ service_account_id: sa.id, scopes: null });
    expect(await instancesOf(t.token)).toEqual([a.instanceId]);

    res = await call(`/api/service-accounts/${sa.id}/scopes`, { method: "PUT", token: owner.access, body: { scopes: [{ scope: `cloud.${owner.userId}.instances.${b.instanceId}`, actions: ["read"] }] } });
    expect(res.status).toBe(200);
    expect((await json(res)).version).toBe(2);
    expect(await instancesOf(t.token)).toEqual([b.instanceId]);
    expect((await json(await call(`/api/service-accounts/${sa.id}`, { token: owner.access }))).tokens.map((x: { id: string }) => x.id)).toEqual([t.id]);

    expect((await call(`/api/service-accounts/${sa.id}`, { method: "DELETE", token: owner.access })).status).toBe(200);
    expect((await call("/api/cloud/instances", { token: t.token })).status).toBe(401);
  });

  it("are their owner's alone, and their scopes are held to the owner's rights", async () => {
    const owner = await register();
    const other = await register();
    const sa = await json(await call("/api/service-accounts", { token: owner.access, body: { name: "x", scopes: [{ scope: `cloud.${owner.userId}`, actions: ["read"] }] } }));
    expect((await call(`/api/service-accounts/${sa.id}`, { token: other.access })).status).toBe(404);
    expect((await call(`/api/service-accounts/${sa.id}/tokens`, { token: other.access, body: { name: "steal" } })).status).toBe(404);
    expect((await call(`/api/service-accounts/${sa.id}`, { method: "DELETE", token: other.access })).status).toBe(404);
    expect((await json(await call("/api/service-accounts", { token: other.access }))).service_accounts).toEqual([]);
    const res = await call(`/api/service-accounts/${sa.id}/scopes`, { method: "PUT", token: owner.access, body: { scopes: [{ scope: `cloud.${other.userId}`, actions: ["read"] }] } });
    expect(res.status).toBe(403);
    expect((await json(await call(`/api/service-accounts/${sa.id}`, { token: owner.access }))).version).toBe(1);
  });
});

describe("service-to-service", () => {
  const KEY = "k".repeat(24) + "-service-key-for-tests";
  const env = { SERVICE_KEY: KEY };

  it("checks a token by id and by secret with the right key only, and sees revocation at once", async () => {
    const owner = await register();
    const t = await createToken(owner, [{ scope: `cloud.${owner.userId}.instances`, actions: ["read"] }]);
    expect((await call(`/api/tokens/${t.id}/check`)).status).toBe(404); // no SERVICE_KEY: the routes are off
    expect((await call(`/api/tokens/${t.id}/check`, { env })).status).toBe(401);
    expect((await call(`/api/tokens/${t.id}/check`, { env, headers: { "x-service-key": KEY.slice(0, -1) + "X" } })).status).toBe(401);
    // A user's session is no service key.
    expect((await call(`/api/tokens/${t.id}/check`, { env, token: owner.access })).status).toBe(401);

    let res = await call(`/api/tokens/${t.id}/check`, { env, headers: { "x-service-key": KEY } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ valid: true, id: t.id, user_id: owner.userId, scopes: [{ scope: `cloud.${owner.userId}.instances`, actions: ["read"] }] });
    res = await call("/api/tokens/check", { env, headers: { "x-service-key": KEY }, body: { token: t.token } });
    expect(await json(res)).toMatchObject({ valid: true, id: t.id });
    expect((await call("/api/tokens/check", { env, headers: { "x-service-key": KEY }, body: { token: "anc_nope" } })).status).toBe(404);

    await call(`/api/tokens/${t.id}`, { method: "DELETE", token: owner.access });
    res = await call(`/api/tokens/${t.id}/check`, { env, headers: { "x-service-key": KEY } });
    expect(await json(res)).toMatchObject({ valid: false, reason: expect.stringMatching(/revoked/), scopes: [] });
  });

  it("lists users and an identity's permissions", async () => {
    const owner = await register();
    const sa = await json(await call("/api/service-accounts", { token: owner.access, body: { name: "x", scopes: [{ scope: `cloud.${owner.userId}`, actions: ["read"] }] } }));
    const headers = { "x-service-key": KEY };
    const listed = await json(await call(`/api/users?q=${encodeURIComponent(owner.email)}`, { env, headers }));
    expect(listed.users).toEqual([expect.objectContaining({ id: owner.userId, email: owner.email, disabled: false })]);
    expect(await json(await call(`/api/identity-permissions?identity=${sa.id}`, { env, headers }))).toMatchObject({ kind: "service_account", user_id: owner.userId, scopes_version: 1 });
    expect(await json(await call(`/api/identity-permissions?identity=${owner.userId}`, { env, headers }))).toMatchObject({ kind: "user", scopes: null, roles: ["user"] });
    expect((await call("/api/identity-permissions?identity=usr_nobody", { env, headers })).status).toBe(404);
  });
});
