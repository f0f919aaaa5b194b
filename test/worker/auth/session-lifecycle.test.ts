import { describe, expect, it } from "vitest";
import { call, errorOf, expiredAccessToken, json, login, register, seedAdmin, uniqueEmail, PASSWORD } from "../helpers.ts";

describe("register → login → refresh → rotation → reuse", () => {
  it("registers, logs in and reads the user with the access token", async () => {
    const email = uniqueEmail();
    const reg = await call("/auth/register", { body: { email: email.toUpperCase(), password: PASSWORD, name: "Ada" } });
    expect(reg.status).toBe(201);
    const body = await json(reg);
    expect(body.user).toMatchObject({ email: email.toUpperCase(), name: "Ada", roles: ["user"], disabled: false });
    expect(body.user).not.toHaveProperty("passwordHash");
    expect(body.user).not.toHaveProperty("password_hash");
    expect(body.tokens.token_type).toBe("Bearer");
    expect(body.tokens.expires_in).toBe(900);

    // The email is matched case-insensitively.
    const s = await login(email.toLowerCase());
    const me = await call("/auth/user", { token: s.access });
    expect(me.status).toBe(200);
    expect((await json(me)).id).toBe(body.user.id);
  });

  it("refuses a second account for the same email in any case", async () => {
    const email = uniqueEmail();
    await register(email);
    const again = await call("/auth/register", { body: { email: email.toUpperCase(), password: PASSWORD } });
    expect(again.status).toBe(409);
    expect(errorOf(await json(again)).code).toBe("E-CONFLICT");
  });

  it("rotates the refresh token on every use; the old one then revokes the whole family", async () => {
    const s = await register();
    const r1 = await call("/auth/refresh", { body: { refresh_token: s.refresh } });
    expect(r1.status).toBe(200);
    const t1 = (await json(r1)).tokens;
    expect(t1.refresh_token).not.toBe(s.refresh);
    expect((await call("/auth/user", { token: t1.access_token })).status).toBe(200);

    const r2 = await call("/auth/refresh", { body: { refresh_token: t1.refresh_token } });
    expect(r2.status).toBe(200);
    const t2 = (await json(r2)).tokens;

    // An attacker replays the first (already rotated) token: reuse detected.
    const replay = await call("/auth/refresh", { body: { refresh_token: s.refresh } });
    expect(replay.status).toBe(401);
    expect(errorOf(await json(replay)).message).toMatch(/already used/);

    // The whole family is dead: the newest refresh token and the live access tokens.
    expect((await call("/auth/refresh", { body: { refresh_token: t2.refresh_token } })).status).toBe(401);
    expect((await call("/auth/user", { token: t2.access_token })).status).toBe(401);
    expect((await call("/auth/user", { token: s.access })).status).toBe(401);
  });

  it("keeps other sessions of the same user alive when one family is revoked for reuse", async () => {
    const a = await register();
    const b = await login(a.email);
    await call("/auth/refresh", { body: { refresh_token: a.refresh } });
    await call("/auth/refresh", { body: { refresh_token: a.refresh } }); // reuse
    expect((await call("/auth/user", { token: a.access })).status).toBe(401);
    expect((await call("/auth/user", { token: b.access })).status).toBe(200);
  });

  it("refuses an unknown refresh token", async () => {
    const res = await call("/auth/refresh", { body: { refresh_token: "anr_nope" } });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).code).toBe("E-AUTH-UNAUTH");
  });

  it("validates a live token for other services and refuses a dead one", async () => {
    const s = await register();
    const ok = await call("/auth/validate", { body: { token: s.access } });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ valid: true, session_id: s.sessionId, roles: ["user"], provider: "password" });
    await call("/auth/logout", { token: s.access, method: "POST" });
    expect((await call("/auth/validate", { body: { token: s.access } })).status).toBe(401);
  });
});

describe("logout", () => {
  it("kills the access token at once and revokes the refresh token", async () => {
    const s = await register();
    expect((await call("/auth/user", { token: s.access })).status).toBe(200);
    const out = await call("/auth/logout", { token: s.access, method: "POST" });
    expect(out.status).toBe(200);
    // The very next request fails: no waiting for KV to propagate.
    const after = await call("/auth/user", { token: s.access });
    expect(after.status).toBe(401);
    expect((await call("/auth/refresh", { body: { refresh_token: s.refresh } })).status).toBe(401);
  });

  it("can end a session with only its refresh token", async () => {
    const s = await register();
    expect((await call("/auth/logout", { body: { refresh_token: s.refresh } })).status).toBe(200);
    expect((await call("/auth/user", { token: s.access })).status).toBe(401);
  });

  it("leaves the user's other sessions alone", async () => {
    const a = await register();
    const b = await login(a.email);
    await call("/auth/logout", { token: a.access, method: "POST" });
    expect((await call("/auth/user", { token: b.access })).status).toBe(200);
  });

  it("still ends the session when the access token has expired but the refresh token is given", async () => {
    const s = await register();
    const res = await call("/auth/logout", { token: await expiredAccessToken(s), body: { refresh_token: s.refresh } });
    expect(res.status).toBe(200);
    expect((await call("/auth/refresh", { body: { refresh_token: s.refresh } })).status).toBe(401);
  });

  it("records refresh-token reuse in the audit log", async () => {
    const admin = await seedAdmin();
    const s = await register();
    await call("/auth/refresh", { body: { refresh_token: s.refresh } });
    await call("/auth/refresh", { body: { refresh_token: s.refresh } });
    const log = await json(await call("/admin/audit?limit=500", { token: admin.access }));
    expect(log.entries.some((e: { action: string; subject_id: string }) => e.action === "auth.refresh_reuse" && e.subject_id === s.sessionId)).toBe(true);
  });

  it("answers 401 with nothing to log out", async () => {
    expect((await call("/auth/logout", { method: "POST" })).status).toBe(401);
  });
});

describe("password change", () => {
  it("ends every other session at once and keeps the caller's", async () => {
    const a = await register();
    const other = await login(a.email);
    const res = await call("/api/settings/password", {
      method: "PUT",
      token: a.access,
      body: { current_password: PASSWORD, new_password: "a brand new passphrase" },
    });
    expect(res.status).toBe(200);
    expect((await json(res)).sessions_ended).toBe(1);
    expect((await call("/auth/user", { token: other.access })).status).toBe(401);
    expect((await call("/auth/refresh", { body: { refresh_token: other.refresh } })).status).toBe(401);
    expect((await call("/auth/user", { token: a.access })).status).toBe(200);
    // The new password works, the old one does not.
    expect((await call("/auth/login", { body: { email: a.email, password: PASSWORD } })).status).toBe(401);
    expect((await call("/auth/login", { body: { email: a.email, password: "a brand new passphrase" } })).status).toBe(200);
  });

  it("refuses a wrong current password and changes nothing", async () => {
    const a = await register();
    const res = await call("/api/settings/password", {
      method: "PUT",
      token: a.access,
      body: { current_password: "not my password", new_password: "a brand new passphrase" },
    });
    expect(res.status).toBe(403);
    expect((await call("/auth/login", { body: { email: a.email, password: PASSWORD } })).status).toBe(200);
  });

  it("refuses a new password that is too short, naming the field", async () => {
    const a = await register();
    const res = await call("/api/settings/password", { method: "PUT", token: a.access, body: { current_password: PASSWORD, new_password: "short" } });
    expect(res.status).toBe(400);
    const err = errorOf(await json(res));
    expect(err.code).toBe("E-VALIDATION");
    expect(err.fields?.map((f) => f.path)).toContain("new_password");
  });
});

describe("disabled user", () => {
  it("loses every session at once and cannot log in again", async () => {
    const admin = await seedAdmin();
    const u = await register();
    const res = await call(`/admin/users/${u.userId}`, { method: "PATCH", token: admin.access, body: { disabled: true } });
    expect(res.status).toBe(200);
    expect((await json(res)).sessions_ended).toBe(1);
    expect((await call("/auth/user", { token: u.access })).status).toBe(401);
    expect((await call("/auth/refresh", { body: { refresh_token: u.refresh } })).status).toBe(401);
    const relog = await call("/auth/login", { body: { email: u.email, password: PASSWORD } });
    expect(relog.status).toBe(403);
    expect(errorOf(await json(relog)).message).toMatch(/disabled/);

    // Enabled again, they can sign in.
    await call(`/admin/users/${u.userId}`, { method: "PATCH", token: admin.access, body: { disabled: false } });
    expect((await call("/auth/login", { body: { email: u.email, password: PASSWORD } })).status).toBe(200);
  });
});
