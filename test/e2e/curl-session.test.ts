import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { api, base } from "./http-client.ts";
import { ADMIN } from "./global-setup.ts";

const email = `carol-${Date.now()}@example.test`;
const password = "carol's long password";

describe("against `npm start`, a person with curl can", () => {
  let access = "";
  let refresh = "";

  it("see that it is up, with its docs and its dashboard", async () => {
    expect((await api("/healthz")).status).toBe(200);
    const doc = await api("/openapi.json");
    expect(doc.body.paths["/auth/login"]).toBeDefined();
    expect((await api("/docs")).status).toBe(200);
    const page = await api("/");
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.body).toMatch(/<div id="app">|<body/);
    // A deep link into the dashboard gets the page too; an unknown API path gets JSON.
    expect((await fetch(base() + "/settings/sessions", { headers: { "sec-fetch-mode": "navigate", accept: "text/html" } })).status).toBe(200);
    expect((await api("/api/nope")).body.error.code).toBe("E-NOT-FOUND");
  });

  it("reach the API on both localhost and 127.0.0.1", async () => {
    const port = inject("port");
    expect((await fetch(`http://localhost:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it("register and log in", async () => {
    const reg = await api("/auth/register", { body: { email, password } });
    expect(reg.status).toBe(201);
    const login = await api("/auth/login", { body: { email, password } });
    expect(login.status).toBe(200);
    access = login.body.tokens.access_token;
    refresh = login.body.tokens.refresh_token;
    expect((await api("/auth/user", { token: access })).body.email).toBe(email);
  });

  it("refresh (rotating the refresh token)", async () => {
    const r = await api("/auth/refresh", { body: { refresh_token: refresh } });
    expect(r.status).toBe(200);
    expect(r.body.tokens.refresh_token).not.toBe(refresh);
    expect((await api("/auth/refresh", { body: { refresh_token: refresh } })).status).toBe(401); // reuse
    const again = await api("/auth/login", { body: { email, password } });
    access = again.body.tokens.access_token;
    refresh = again.body.tokens.refresh_token;
  });

  it("change their password, which ends their other sessions", async () => {
    const other = (await api("/auth/login", { body: { email, password } })).body.tokens.access_token;
    const res = await api("/api/settings/password", { method: "PUT", token: access, body: { current_password: password, new_password: "carol's new password" } });
    expect(res.status).toBe(200);
    expect((await api("/auth/user", { token: other })).status).toBe(401);
    expect((await api("/auth/user", { token: access })).status).toBe(200);
  });

  it("log out, after which the token is dead at once (curl -X POST with no body)", async () => {
    const res = await fetch(base() + "/auth/logout", { method: "POST", headers: { authorization: `Bearer ${access}` } });
    expect(res.status).toBe(200);
    expect((await api("/auth/user", { token: access })).status).toBe(401);
  });

  it("administer users as the admin that `npm start` created from ADMIN_EMAIL / ADMIN_PASSWORD", async () => {
    const login = await api("/auth/login", { body: { email: ADMIN.email, password: ADMIN.password } });
    expect(login.status).toBe(200);
    expect(login.body.user.roles).toContain("admin");
    const token = login.body.tokens.access_token;
    const list = await api(`/admin/users?q=${encodeURIComponent(email)}`, { token });
    const carol = list.body.users[0];
    expect(carol.email).toBe(email);
    const session = (await api("/auth/login", { body: { email, password: "carol's new password" } })).body.tokens.access_token;
    expect((await api(`/admin/users/${carol.id}`, { method: "PATCH", token, body: { disabled: true } })).status).toBe(200);
    expect((await api("/auth/user", { token: session })).status).toBe(401);
    expect((await api("/admin/sessions", { token })).body.sessions.some((s: { user_id: string }) => s.user_id === carol.id)).toBe(false);
    expect((await api(`/admin/users/${carol.id}`, { method: "DELETE", token })).status).toBe(200);
  });
});
