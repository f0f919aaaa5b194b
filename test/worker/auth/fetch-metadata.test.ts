import { describe, expect, it } from "vitest";
import { call, cookieHeader, errorOf, json, ORIGIN, PASSWORD, register, seedAdmin, type Session } from "../helpers.ts";

async function cookieSession(env?: Record<string, string>, origin = ORIGIN, account?: Session) {
  const s = account ?? (await register());
  const res = await call("/auth/login", { body: { email: s.email, password: PASSWORD, transport: "cookie" }, origin, env, headers: { "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors" } });
  expect(res.status).toBe(200);
  return { s, res, cookie: cookieHeader(res) };
}

const from = (site: string, mode: string, dest = "empty") => ({ "sec-fetch-site": site, "sec-fetch-mode": mode, "sec-fetch-dest": dest });

/**
 * Issue 19 §1: a page published through the proxy on this origin (sandboxed, so its requests are
 * cross-site) or on a sibling host (same-site) must not act with the dashboard's cookie.
 */
describe("a cookie works only for the dashboard itself (Fetch Metadata)", () => {
  it("reads the account from the dashboard's own fetch", async () => {
    const { cookie } = await cookieSession();
    expect((await call("/auth/user", { cookie, headers: from("same-origin", "cors") })).status).toBe(200);
  });

  it("refuses a cross-site or same-site fetch of the account, a token mint and an admin action", async () => {
    const { cookie, s } = await cookieSession();
    for (const site of ["cross-site", "same-site"]) {
      const read = await call("/auth/user", { cookie, headers: from(site, "cors") });
      expect(read.status).toBe(403);
      expect(errorOf(await json(read)).message).toMatch(/dashboard itself/);
      // The Origin a sandboxed page sends is "null"; a sibling host sends its own. Both refused before Origin is looked at.
      const mint = await call("/api/tokens", { cookie, origin: site === "cross-site" ? "null" : ORIGIN, body: { name: "stolen", scopes: ["cloud"] }, headers: from(site, "cors") });
      expect(mint.status).toBe(403);
    }
    // An admin's cookie, the account takeover's real prize: no admin is created from another site.
    const admin = await cookieSession(undefined, ORIGIN, await seedAdmin());
    const email = `made-${Date.now()}@example.test`;
    const made = await call("/admin/users", { cookie: admin.cookie, origin: "null", body: { email, password: PASSWORD, roles: ["user", "admin"] }, headers: from("cross-site", "cors") });
    expect(made.status).toBe(403);
    expect(JSON.stringify(await json(await call("/admin/users", { token: admin.s.access })))).not.toContain(email);
    // The same request from the dashboard itself works (so the refusal above is the check's doing).
    const own = await call("/admin/users", { cookie: admin.cookie, origin: ORIGIN, body: { email, password: PASSWORD, roles: ["user"] }, headers: from("same-origin", "cors") });
    expect(own.status).toBe(201);
    const tokens = await json(await call("/api/tokens", { token: s.access }));
    expect(JSON.stringify(tokens)).not.toContain("stolen");
  });

  it("refuses a cross-site form POST even as a navigation, and a cross-site image", async () => {
    const { cookie } = await cookieSession();
    expect((await call("/auth/user", { method: "PUT", cookie, origin: "null", body: { name: "pwned" }, headers: from("cross-site", "navigate", "document") })).status).toBe(403);
    expect((await call("/auth/user", { cookie, headers: from("cross-site", "no-cors", "image") })).status).toBe(403);
  });

  it("lets a top-level GET navigation from anywhere through (a link, a bookmark, a provider's redirect)", async () => {
    const { cookie } = await cookieSession();
    for (const site of ["cross-site", "same-site", "none"]) expect((await call("/auth/user", { cookie, headers: from(site, "navigate", "document") })).status).toBe(200);
  });

  it("refuses a cross-site WebSocket to the event socket with the cookie", async () => {
    const { cookie } = await cookieSession();
    const res = await call("/api/events", { cookie, origin: "null", headers: { upgrade: "websocket", ...from("cross-site", "websocket") } });
    expect(res.status).toBe(403);
  });

  it("leaves bearer tokens alone: they are not ambient, wherever the request comes from", async () => {
    const s = await register();
    expect((await call("/auth/user", { token: s.access, headers: from("cross-site", "cors") })).status).toBe(200);
  });
});

/** Issue 19 §2: nobody can plant a session under our cookie names. */
describe("cookie tossing", () => {
  it("refuses a request that carries two values for one of our cookie names, instead of picking one", async () => {
    const { cookie } = await cookieSession();
    const attacker = await cookieSession();
    const access = (h: string) => h.split("; ").find((kv) => kv.startsWith("anc_access="))!;
    const res = await call("/auth/user", { cookie: `${access(attacker.cookie)}; ${access(cookie)}` });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/2 anc_access cookies/);
    // The refresh cookie the same way.
    const refresh = (h: string) => h.split("; ").find((kv) => kv.startsWith("anc_refresh="))!;
    const r = await call("/auth/refresh", { cookie: `${refresh(attacker.cookie)}; ${refresh(cookie)}`, origin: ORIGIN, body: {} });
    expect(r.status).toBe(401);
    expect(r.headers.getSetCookie().filter((c) => !/Max-Age=0/.test(c))).toHaveLength(0);
  });

  it("names the cookies __Host- on an https origin (Secure, Path=/, no Domain) and reads only those", async () => {
    const env = { APP_ORIGIN: "https://anchorage.example", COOKIE_SECURE: "true" };
    const { res, s } = await cookieSession(env, "https://anchorage.example");
    const set = res.headers.getSetCookie();
    const access = set.find((c) => c.startsWith("__Host-anc_access="))!;
    const refresh = set.find((c) => c.startsWith("__Host-anc_refresh="))!;
    for (const c of [access, refresh]) {
      expect(c).toMatch(/; Secure/);
      expect(c).toMatch(/; Path=\/(;|$)/);
      expect(c).not.toMatch(/Domain=/i);
      expect(c).toMatch(/HttpOnly/);
    }
    expect(set.some((c) => c.startsWith("anc_access="))).toBe(false);
    const value = access.split(";")[0]!;
    expect((await call("/auth/user", { cookie: value, env })).status).toBe(200);
    // A bare anc_access (what a sibling host or a path could still plant) is not our cookie there.
    expect((await call("/auth/user", { cookie: `anc_access=${s.access}`, env })).status).toBe(401);
  });
});
