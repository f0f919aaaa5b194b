import { describe, expect, it } from "vitest";
import { call, cookieHeader, errorOf, json, ORIGIN, PASSWORD, register } from "../helpers.ts";

async function cookieLogin() {
  const s = await register();
  const res = await call("/auth/login", { body: { email: s.email, password: PASSWORD, transport: "cookie" }, origin: ORIGIN });
  expect(res.status).toBe(200);
  return { s, res, cookie: cookieHeader(res) };
}

describe("browser sessions in cookies", () => {
  it("sets HttpOnly, Secure, SameSite cookies and puts no token in the body", async () => {
    const { res } = await cookieLogin();
    const body = await json(res);
    expect(body.tokens).toBeUndefined();
    const cookies = res.headers.getSetCookie();
    const access = cookies.find((c) => c.startsWith("anc_access="))!;
    const refresh = cookies.find((c) => c.startsWith("anc_refresh="))!;
    expect(access).toMatch(/HttpOnly/);
    expect(access).toMatch(/Secure/);
    expect(access).toMatch(/SameSite=Lax/);
    expect(access).toMatch(/Path=\//);
    expect(refresh).toMatch(/HttpOnly/);
    expect(refresh).toMatch(/SameSite=Strict/);
    expect(refresh).toMatch(/Path=\/auth/);
  });

  it("authenticates reads with the cookie", async () => {
    const { cookie } = await cookieLogin();
    expect((await call("/auth/user", { cookie })).status).toBe(200);
  });

  it("refuses a cookie-authenticated change without an Origin header", async () => {
    const { cookie } = await cookieLogin();
    const res = await call("/auth/user", { method: "PUT", cookie, body: { name: "csrf" } });
    expect(res.status).toBe(403);
    expect(errorOf(await json(res)).message).toMatch(/cross-site/);
  });

  it("refuses a cookie-authenticated change from another origin, and changes nothing", async () => {
    const { cookie, s } = await cookieLogin();
    const res = await call("/auth/user", { method: "PUT", cookie, origin: "https://evil.example", body: { name: "pwned" } });
    expect(res.status).toBe(403);
    const me = await json(await call("/auth/user", { token: s.access }));
    expect(me.name).not.toBe("pwned");
  });

  it("accepts the change from the dashboard's own origin", async () => {
    const { cookie } = await cookieLogin();
    const res = await call("/auth/user", { method: "PUT", cookie, origin: ORIGIN, body: { name: "Grace" } });
    expect(res.status).toBe(200);
    expect((await json(res)).name).toBe("Grace");
  });

  it("refuses a cross-site login that would plant a session cookie (login CSRF)", async () => {
    const s = await register();
    const res = await call("/auth/login", { body: { email: s.email, password: PASSWORD, transport: "cookie" }, origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toHaveLength(0);
  });

  it("refreshes from the cookie (same origin only) and rotates it", async () => {
    const { cookie } = await cookieLogin();
    expect((await call("/auth/refresh", { method: "POST", cookie })).status).toBe(403);
    const res = await call("/auth/refresh", { method: "POST", cookie, origin: ORIGIN });
    expect(res.status).toBe(200);
    const next = cookieHeader(res);
    expect(next).toMatch(/anc_refresh=/);
    expect(next).not.toBe(cookie);
    expect((await json(res)).tokens).toBeUndefined();
  });

  it("logs out from the cookie and clears it", async () => {
    const { cookie } = await cookieLogin();
    const res = await call("/auth/logout", { method: "POST", cookie, origin: ORIGIN });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("anc_access=;") && /Max-Age=0/.test(c))).toBe(true);
    expect((await call("/auth/user", { cookie })).status).toBe(401);
  });

  it("needs no Origin for Bearer requests (no ambient credential to forge)", async () => {
    const s = await register();
    expect((await call("/auth/user", { method: "PUT", token: s.access, body: { name: "cli" } })).status).toBe(200);
  });
});
