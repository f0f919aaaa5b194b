import { describe, expect, it } from "vitest";
import { call, errorOf, json, login, register, seedAdmin, uniqueEmail, PASSWORD } from "../helpers.ts";

const adminCalls = (id = "usr_x") => [
  { path: "/admin/users", method: "GET" },
  { path: "/admin/users", method: "POST", body: { email: uniqueEmail(), password: PASSWORD } },
  { path: `/admin/users/${id}`, method: "GET" },
  { path: `/admin/users/${id}`, method: "PATCH", body: { disabled: true } },
  { path: `/admin/users/${id}`, method: "DELETE" },
  { path: "/admin/sessions", method: "GET" },
  { path: "/admin/sessions/ses_x", method: "DELETE" },
  { path: "/admin/invites", method: "GET" },
  { path: "/admin/invites", method: "POST", body: {} },
  { path: "/admin/audit", method: "GET" },
  { path: "/auth/users", method: "GET" },
];

describe("admin routes refuse everyone but admins", () => {
  it("refuses a stranger (no credentials) with 401", async () => {
    for (const c of adminCalls()) {
      const res = await call(c.path, { method: c.method, body: c.body });
      expect(res.status, `${c.method} ${c.path}`).toBe(401);
    }
  });

  it("refuses a signed-in non-admin with 403 and changes nothing", async () => {
    const user = await register();
    const victim = await register();
    for (const c of adminCalls(victim.userId)) {
      const res = await call(c.path, { method: c.method, body: c.body, token: user.access });
      expect(res.status, `${c.method} ${c.path}`).toBe(403);
      expect(errorOf(await json(res)).code).toBe("E-AUTH-FORBID");
    }
    expect((await call("/auth/user", { token: victim.access })).status).toBe(200);
  });
});

describe("user administration", () => {
  it("lists, creates, reads, renames, promotes and deletes users", async () => {
    const admin = await seedAdmin();
    const email = uniqueEmail();
    const created = await call("/admin/users", { token: admin.access, body: { email, password: PASSWORD, name: "Linus" } });
    expect(created.status).toBe(201);
    const user = await json(created);
    expect(user).toMatchObject({ email, name: "Linus", roles: ["user"] });

    const list = await json(await call(`/admin/users?q=${encodeURIComponent(email)}`, { token: admin.access }));
    expect(list.users.map((u: { id: string }) => u.id)).toEqual([user.id]);
    expect((await json(await call(`/auth/users?q=${encodeURIComponent(email)}`, { token: admin.access }))).users).toHaveLength(1);

    const got = await call(`/admin/users/${user.id}`, { token: admin.access });
    expect((await json(got)).email).toBe(email);

    const promoted = await call(`/admin/users/${user.id}`, { method: "PATCH", token: admin.access, body: { roles: ["user", "admin"], name: "L" } });
    expect((await json(promoted)).user).toMatchObject({ roles: ["user", "admin"], name: "L" });

    // The new admin can administer (roles are read fresh from D1, not from an old token).
    const theirs = await login(email);
    expect((await call("/admin/users", { token: theirs.access })).status).toBe(200);
    // Demoted, they lose it on the next request, with the same token.
    await call(`/admin/users/${user.id}`, { method: "PATCH", token: admin.access, body: { roles: ["user"] } });
    expect((await call("/admin/users", { token: theirs.access })).status).toBe(403);

    expect((await call(`/admin/users/${user.id}`, { method: "DELETE", token: admin.access })).status).toBe(200);
    expect((await call(`/admin/users/${user.id}`, { token: admin.access })).status).toBe(404);
    expect((await call("/auth/user", { token: theirs.access })).status).toBe(401);
  });

  it("refuses a duplicate email and an invalid role", async () => {
    const admin = await seedAdmin();
    const taken = await register();
    expect((await call("/admin/users", { token: admin.access, body: { email: taken.email, password: PASSWORD } })).status).toBe(409);
    const bad = await call("/admin/users", { token: admin.access, body: { email: uniqueEmail(), password: PASSWORD, roles: ["root"] } });
    expect(bad.status).toBe(400);
    expect(errorOf(await json(bad)).fields?.[0]?.path).toBe("roles.0");
  });

  it("never removes the last active admin", async () => {
    const admin = await seedAdmin();
    // Every other admin left over from other tests is disabled first, so this one is the last.
    const others = (await json(await call("/admin/users?limit=200", { token: admin.access }))).users.filter(
      (u: { id: string; roles: string[]; disabled: boolean }) => u.roles.includes("admin") && u.id !== admin.userId && !u.disabled,
    );
    for (const o of others) await call(`/admin/users/${o.id}`, { method: "PATCH", token: admin.access, body: { disabled: true } });

    for (const change of [{ disabled: true }, { roles: ["user"] }]) {
      const res = await call(`/admin/users/${admin.userId}`, { method: "PATCH", token: admin.access, body: change });
      expect(res.status).toBe(409);
    }
    expect((await call(`/admin/users/${admin.userId}`, { method: "DELETE", token: admin.access })).status).toBe(409);
    expect((await call("/admin/users", { token: admin.access })).status).toBe(200);
  });

  it("404s a user that does not exist", async () => {
    const admin = await seedAdmin();
    expect((await call("/admin/users/usr_missing", { method: "PATCH", token: admin.access, body: { disabled: true } })).status).toBe(404);
  });
});

describe("sessions and audit, for admins", () => {
  it("lists anyone's sessions and ends one at once", async () => {
    const admin = await seedAdmin();
    const u = await register();
    const list = await json(await call(`/admin/sessions?user_id=${u.userId}`, { token: admin.access }));
    expect(list.sessions).toHaveLength(1);
    expect(list.sessions[0]).toMatchObject({ id: u.sessionId, user_id: u.userId, user_email: u.email, provider: "password" });
    expect((await call(`/admin/sessions/${u.sessionId}`, { method: "DELETE", token: admin.access })).status).toBe(200);
    expect((await call("/auth/user", { token: u.access })).status).toBe(401);
    expect((await call(`/admin/sessions/${u.sessionId}`, { method: "DELETE", token: admin.access })).status).toBe(404);
  });

  it("records sign-ins, failures and admin actions in the audit log, without secrets", async () => {
    const admin = await seedAdmin();
    const u = await register();
    await call("/auth/login", { body: { email: u.email, password: "wrong password!" } });
    await call(`/admin/users/${u.userId}`, { method: "PATCH", token: admin.access, body: { name: "Audited" } });
    const log = await json(await call(`/admin/audit?user_id=${u.userId}`, { token: admin.access }));
    const actions = log.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["auth.register", "auth.login_failed", "admin.user_updated"]));
    expect(JSON.stringify(log)).not.toContain("wrong password!");
    expect(JSON.stringify(log)).not.toContain(PASSWORD);
  });
});
