import { createServer, request as httpRequest, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { accountButton, waitForPage } from "./dashboard-shell.ts";

/**
 * Issue 19 §1–§2: Mallory publishes a public app whose page, opened by a signed-in admin, tries to
 * act as the admin (read the account, mint a token, make an admin, talk to MCP, open the event
 * and terminal sockets) and whose server and script try to plant their own session cookie.
 * Real Chromium, a real hostile server behind a real agent, on both proxy forms.
 */

const STOLEN_TOKEN = `stolen-${Date.now()}`;
const MADE_ADMIN = `mallory-admin-${Date.now()}@e2e.test`;

/** The hostile page: every attack it can make, its results written into #out for the test to read. */
function hostilePage(dashboard: string, instanceId: string, attackerToken: string) {
  const script = `
    const D = ${JSON.stringify(dashboard)};
    const out = { origin: String(self.origin) };
    const attempt = async (name, f) => { try { out[name] = await f(); } catch (e) { out[name] = "threw:" + e.name; } };
    const read = async (r) => r.status + ":" + (await r.text()).slice(0, 300);
    const json = (method, body) => ({ method, credentials: "include", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const socket = (url) => new Promise((res) => {
      const ws = new WebSocket(url);
      const t = setTimeout(() => res("timeout"), 4000);
      ws.onopen = () => { clearTimeout(t); res("open"); ws.close(); };
      ws.onerror = () => { clearTimeout(t); res("error"); };
    });
    (async () => {
      await attempt("cookie_write", () => { document.cookie = "anc_access=${attackerToken}; path=/api"; document.cookie = "anc_access=${attackerToken}; path=/"; return "wrote"; });
      await attempt("user", () => fetch(D + "/auth/user", { credentials: "include" }).then(read));
      await attempt("user_relative", () => fetch("/auth/user", { credentials: "include" }).then(read));
      await attempt("token", () => fetch(D + "/api/tokens", json("POST", { name: ${JSON.stringify(STOLEN_TOKEN)}, scopes: ["cloud"] })).then(read));
      await attempt("admin", () => fetch(D + "/admin/users", json("POST", { email: ${JSON.stringify(MADE_ADMIN)}, password: "mallory password 1234", roles: ["user", "admin"] })).then(read));
      await attempt("mcp", () => fetch(D + "/mcp", json("POST", { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "evil", version: "1" } } })).then(read));
      await attempt("no_cors_token", () => fetch(D + "/api/tokens", { method: "POST", mode: "no-cors", credentials: "include", headers: { "content-type": "text/plain" }, body: JSON.stringify({ name: ${JSON.stringify(STOLEN_TOKEN)}, scopes: ["cloud"] }) }).then((r) => r.type));
      await attempt("events_ws", () => socket(D.replace(/^http/, "ws") + "/api/events"));
      await attempt("terminal_ws", () => socket(D.replace(/^http/, "ws") + "/api/cloud/instance/${instanceId}/terminal?cols=80&rows=24"));
      document.getElementById("out").textContent = JSON.stringify(out);
      document.title = "done";
    })();`;
  return `<!doctype html><meta charset="utf-8"><title>cats</title><h1>Cute cats</h1><pre id="out"></pre><script>${script}</script>`;
}

/** A request with a Host of our choosing (the app's own host), as a client that resolves it would send. */
function getJson(port: number, path: string, headers: Record<string, string>): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(JSON.parse(body)));
    });
    req.on("error", reject);
    req.end();
  });
}

describe.runIf(hasChromium() || process.env.CI)("a hostile proxied app opened by a signed-in admin", () => {
  let browser: Browser;
  let server: Server;
  let mallory: TestUser;
  let admin: { email: string; password: string; token: string };
  let agent: Awaited<ReturnType<typeof startAgent>>;
  const port = () => inject("port");
  const dashboard = () => `http://localhost:${port()}`;

  beforeAll(async () => {
    mallory = await freshUser("mallory");
    const email = `victim-admin-${Date.now()}@e2e.test`;
    const password = "victim admin password 1234";
    const made = await api("/admin/users", { token: inject("adminToken"), body: { email, password, roles: ["user", "admin"] } });
    expect(made.status).toBe(201);
    const login = await api("/auth/login", { body: { email, password }, headers: { "cf-connecting-ip": "198.51.100.201" } });
    admin = { email, password, token: login.body.tokens.access_token };

    let instanceId = "";
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/") {
        // The server's own try: Mallory's session under our name, by every trick of the Path attribute.
        res.setHeader("set-cookie", [
          `anc_access=${mallory.token}; Path=/api; Path=/`,
          `anc_access=${mallory.token}; Path= /`,
          `anc_refresh=x; Path=/auth`,
          `__Host-anc_access=${mallory.token}; Path=/; Secure`,
          `sid=evil; Domain=localhost; Path=/`,
          `ok=1; Path=/`,
        ]);
        res.setHeader("clear-site-data", '"cookies", "storage"');
        res.setHeader("content-type", "text/html; charset=utf-8");
        return res.end(hostilePage(dashboard(), instanceId, mallory.token));
      }
      res.statusCode = 404;
      res.end("nothing");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const appPort = (server.address() as { port: number }).port;
    agent = await startAgent(mallory.token, `name: cats\nproxy: { slug: evil-cats, target: "http://127.0.0.1:${appPort}", access: public }\nterminal: { shell: /bin/bash }\n`);
    instanceId = agent.instanceId;
    await until(async () => (await fetch(`${dashboard()}/p/evil-cats/`)).status === 200, 20_000);
    browser = await launchChromium();
  });
  afterAll(async () => {
    agent?.run.child.kill("SIGKILL");
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  async function signedInAdmin(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    await signInContext(context, dashboard(), admin.email, admin.password);
    const page = await context.newPage();
    await page.goto(`${dashboard()}/`);
    await waitForPage(page, "Instances");
    await accountButton(page).waitFor();
    return { context, page };
  }

  async function attackResults(page: Page) {
    await page.waitForFunction("document.title === 'done'", undefined, { timeout: 30_000 });
    return JSON.parse(await page.locator("#out").innerText()) as Record<string, string>;
  }

  /** Nothing the page tried happened, and the admin's own dashboard is still the admin's. */
  async function expectNothingHappened(context: BrowserContext, out: Record<string, string>) {
    for (const [name, result] of Object.entries(out)) {
      if (name === "origin" || name === "cookie_write") continue;
      // Neither the admin's account nor a token secret is readable, and nothing came back 2xx.
      expect(result, name).not.toContain(admin.email);
      expect(result, name).not.toMatch(/anc_[A-Za-z0-9_-]{20,}/);
      expect(result, name).not.toMatch(/^2\d\d:/);
      expect(result, name).not.toBe("open");
    }
    const tokens = await api("/api/tokens", { token: admin.token });
    expect(JSON.stringify(tokens.body)).not.toContain(STOLEN_TOKEN);
    const users = await api(`/admin/users?q=${encodeURIComponent(MADE_ADMIN)}`, { token: inject("adminToken") });
    expect(JSON.stringify(users.body)).not.toContain(MADE_ADMIN);

    // The dashboard's own requests still carry the admin's session, and only one anc_access exists.
    const dash = await context.newPage();
    await dash.goto(`${dashboard()}/`);
    await waitForPage(dash, "Instances");
    await accountButton(dash).waitFor();
    const me = (await dash.evaluate("fetch('/auth/user', { credentials: 'include' }).then((r) => r.json())")) as { email: string };
    expect(me.email).toBe(admin.email);
    const jar = await context.cookies(dashboard());
    expect(jar.filter((c) => c.name === "anc_access")).toHaveLength(1);
    expect(jar.filter((c) => c.name === "anc_access")[0]!.path).toBe("/");
    expect(jar.some((c) => c.name === "sid")).toBe(false);
    await dash.close();
  }

  it("path form, where PROXY_DOMAIN is set: a browser is sent to the app's own host", async () => {
    const { context, page } = await signedInAdmin();
    await page.goto(`${dashboard()}/p/evil-cats/`);
    expect(new URL(page.url()).host).toBe(`evil-cats.localhost:${port()}`);
    const out = await attackResults(page);
    expect(out.origin).toBe(`http://evil-cats.localhost:${port()}`);
    await expectNothingHappened(context, out);
    await context.close();
  });

  it("path form, sandboxed (as where PROXY_DOMAIN is unset): the page runs in an opaque origin and acts as nobody", async () => {
    const { context, page } = await signedInAdmin();
    // The document as a deployment without PROXY_DOMAIN serves it: the Worker's own response, CSP
    // and Set-Cookie included, fetched without the navigation marker that turns it into a redirect.
    await page.route(`${dashboard()}/p/evil-cats/`, async (route) => {
      const response = await route.fetch({ headers: { ...route.request().headers(), "sec-fetch-mode": "no-cors" }, maxRedirects: 0 });
      expect(response.status()).toBe(200);
      expect(response.headers()["content-security-policy"]).toMatch(/^sandbox allow-scripts/);
      expect(response.headers()["content-security-policy"]).not.toMatch(/allow-same-origin/);
      expect(response.headers()["clear-site-data"]).toBeUndefined();
      await route.fulfill({ response });
    });
    await page.goto(`${dashboard()}/p/evil-cats/`);
    const out = await attackResults(page);
    expect(out.origin).toBe("null");
    // An opaque origin has no cookies to write.
    expect(out.cookie_write).toBe("threw:SecurityError");
    await expectNothingHappened(context, out);
    // The app's own harmless cookie went under its prefix (so cookies from this response were applied).
    const jar = await context.cookies(dashboard() + "/p/evil-cats/");
    expect(jar.find((c) => c.name === "ok")?.path).toBe("/p/evil-cats/");
    await context.close();
  });

  it("never hands a public app the visitor's Anchorage credentials", async () => {
    const echo = createServer((req, res) => res.end(JSON.stringify(req.headers)));
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    const echoPort = (echo.address() as { port: number }).port;
    const echoAgent = await startAgent(mallory.token, `name: echo\nproxy: { slug: evil-echo, target: "http://127.0.0.1:${echoPort}", access: public }\n`);
    try {
      await until(async () => (await fetch(`${dashboard()}/p/evil-echo/`)).status === 200, 20_000);
      const basic = `Basic ${Buffer.from(`x:${"anc_" + "a".repeat(40)}`).toString("base64")}`;
      for (const authorization of [`Bearer ${admin.token}`, `Bearer anc_${"b".repeat(40)}`, basic]) {
        const cookie = `anc_access=${admin.token}; anc_proxy=p; __Host-anc_refresh=r; theirs=ok`;
        const byPath = await getJson(port(), "/p/evil-echo/", { authorization, cookie, host: `localhost:${port()}` });
        const byHost = await getJson(port(), "/", { authorization, cookie, host: `evil-echo.localhost:${port()}` });
        for (const seen of [byPath, byHost]) {
          expect(seen.authorization, authorization.slice(0, 12)).toBeUndefined();
          expect(seen.cookie).toBe("theirs=ok");
        }
      }
      // The app's own credentials pass: they are not ours.
      const own = (await (await fetch(`${dashboard()}/p/evil-echo/`, { headers: { authorization: "Bearer app-own-token" } })).json()) as Record<string, string>;
      expect(own.authorization).toBe("Bearer app-own-token");
    } finally {
      echoAgent.run.child.kill("SIGKILL");
      await new Promise((r) => echo.close(r));
    }
  });
});
