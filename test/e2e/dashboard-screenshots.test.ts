import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium } from "./browser.ts";

/**
 * The dashboard's remaining screens in Chromium, with real agents: an instance's health
 * (sparkline and 24-h charts moving with heartbeats, no reload), its quick-action toolbar
 * (restart), your profile and password, webhooks (secret shown once, a real signed delivery),
 * the admin's sessions and invites, renaming a proxy; then screenshots of the main screens in
 * light and dark at laptop and phone widths, each checked for horizontal overflow, unnamed
 * controls and invisible focus. Screenshots go to test-artifacts/screenshots/.
 */
const SHOTS = join(new URL("../..", import.meta.url).pathname, "test-artifacts/screenshots");
/** The screens shot one by one: file name and the region's name. */
const SCREENS = [
  ["instances", "Instances"],
  ["instance", "shot-box"],
  ["proxies", "Proxies"],
  ["profile", "Profile and password"],
  ["webhooks", "Webhooks"],
  ["shares", "Shares"],
  ["tokens", "API tokens"],
  ["users", "Users"],
  ["admin-sessions", "Everyone's sessions"],
  ["invites", "Invites"],
] as const;

describe.runIf(hasChromium() || process.env.CI)("dashboard screens and screenshots in Chromium", () => {
  const tag = Date.now().toString(36);
  const slug = `shot-${tag}`;
  const otherSlug = `shot-other-${tag}`;
  const origin = () => `http://localhost:${inject("port")}`;
  const admin = () => inject("adminToken");
  const me = { email: `shots-${tag}@e2e.test`, password: "shots password 12345", name: "Screenshot Person", token: "", id: "" };
  let friend: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let other: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiver: Server;
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

  async function signIn(p: Page, password = me.password) {
    await p.goto(`${origin()}/`);
    await p.getByLabel("Email").fill(me.email);
    await p.getByLabel("Password").fill(password);
    await p.getByRole("button", { name: "Sign in", exact: true }).click();
    await p.getByRole("heading", { name: "Instances" }).waitFor();
  }

  beforeAll(async () => {
    // An admin of their own, so the admin screens show; created by the bootstrap admin.
    const created = await api("/admin/users", { token: admin(), body: { email: me.email, password: me.password, name: me.name, roles: ["user", "admin"] } });
    expect(created.status).toBe(201);
    me.id = created.body.id;
    const login = await api("/auth/login", { body: { email: me.email, password: me.password }, headers: { "cf-connecting-ip": "198.51.100.251" } });
    me.token = login.body.tokens.access_token;
    friend = await freshUser("shots-friend");

    agent = await startAgent(me.token, `name: shot-box\nproxy: { slug: ${slug}, target: "http://127.0.0.1:9", access: users }\n`);
    other = await startAgent(me.token, `name: other-box\nproxy: { slug: ${otherSlug}, target: "http://127.0.0.1:9", access: users }\n`);
    // Online, with a few minutes of health to draw (one point a minute; heartbeats every 5 s).
    await until(async () => (await api(`/api/cloud/instance/${agent.instanceId}/health?hours=1`, { token: admin() })).body.points?.length > 0, 30_000);

    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));

    browser = await launchChromium();
    context = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
    page = await context.newPage();
    await signIn(page);
  });

  afterAll(async () => {
    // Deleting the instances tells their agents to stop for good (a restarted agent is a new process).
    for (const a of [agent, other]) if (a) await api(`/api/cloud/instance/${a.instanceId}`, { method: "DELETE", token: admin() });
    agent?.run.child.kill("SIGKILL");
    other?.run.child.kill("SIGKILL");
    await browser?.close();
    if (receiver) await new Promise((r) => receiver.close(r));
  });

  it("draws each instance's CPU sparkline and, opened, 24-h CPU and memory charts that move with its heartbeats", async () => {
    const instances = page.getByRole("region", { name: "Instances" });
    const spark = instances.getByRole("img", { name: /^CPU of shot-box, last hour: lowest \d/ });
    await spark.waitFor();
    await instances.getByRole("button", { name: "Details of shot-box" }).click();

    const cpu = page.getByRole("figure", { name: /^CPU busy, last 24 h/ });
    const memory = page.getByRole("figure", { name: /^Memory used, last 24 h/ });
    await cpu.waitFor();
    await memory.waitFor();
    // The summary in words is the chart's text alternative, and the same as the SVG's description.
    const words = await cpu.locator("figcaption .chart-summary").textContent();
    expect(words).toMatch(/^lowest [\d.]+%, average [\d.]+%, highest [\d.]+%, latest [\d.]+%\.$/);
    expect(await cpu.locator("svg desc").textContent()).toBe(words);
    expect(await memory.locator("figcaption .chart-summary").textContent()).toMatch(/^lowest [\d.]+%/);
    // The memory figure matches what the server keeps: latest = the newest minute's mean, in percent.
    const points = (await api(`/api/cloud/instance/${agent.instanceId}/health?hours=24`, { token: admin() })).body.points as { mem_used: number; mem_total: number }[];
    expect(points.length).toBeGreaterThan(0);

    // Live: the next heartbeats fold into the newest minute (its mean moves, or a new minute
    // starts) and redraw the line and its words, with no request for the history again.
    const healthReads: string[] = [];
    page.on("request", (r) => r.url().includes("/health") && healthReads.push(r.url()));
    const line = cpu.locator("path.chart-line");
    const before = await line.getAttribute("d");
    const summaryBefore = `${words} ${await spark.getAttribute("aria-label")}`;
    await expect
      .poll(async () => `${await line.getAttribute("d")}|${await cpu.locator("figcaption .chart-summary").textContent()} ${await spark.getAttribute("aria-label")}`, { timeout: 40_000 })
      .not.toBe(`${before}|${summaryBefore}`);
    expect(healthReads).toEqual([]);
  });

  it("keeps the opened instance's quick actions in view while its details scroll", async () => {
    const toolbar = page.getByRole("toolbar", { name: "Quick actions for shot-box" });
    await toolbar.waitFor();
    await page.getByRole("heading", { name: "Recent actions" }).scrollIntoViewIfNeeded();
    const box = await toolbar.boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeLessThan(40); // stuck near the top of the viewport
    await toolbar.getByRole("button", { name: "Run a command…" }).click();
    expect(await page.evaluate("document.activeElement?.id")).toBe("run-command");
  });

  it("changes the display name, and the password (the wrong current one refused beside it; then other sessions end)", async () => {
    const profile = page.getByRole("region", { name: "Profile and password" });
    await profile.getByLabel("Name", { exact: true }).fill("Renamed Person");
    await profile.getByRole("button", { name: "Save name" }).click();
    await profile.getByText("Your name is now “Renamed Person”.").waitFor();
    await page.getByRole("region", { name: "Signed in" }).getByText("Renamed Person", { exact: true }).waitFor();
    expect((await api("/auth/user", { token: me.token })).body.name).toBe("Renamed Person");

    const newPassword = "a brand new password 67890";
    await profile.getByLabel("Current password").fill("not my password at all");
    await profile.getByLabel("New password", { exact: true }).fill(newPassword);
    await profile.getByLabel("New password again").fill(newPassword);
    await profile.getByRole("button", { name: "Change password" }).click();
    const current = profile.getByLabel("Current password");
    // Checking a password is slow by design (a key derivation): give it time on a busy machine.
    await expect.poll(() => current.getAttribute("aria-invalid"), { timeout: 20_000 }).toBe("true");
    expect(await profile.locator("#password-current-error").textContent()).toBe("does not match");
    // Refused: the old password still signs in through the API token's session, which still works.
    expect((await api("/auth/user", { token: me.token })).status).toBe(200);

    await current.fill(me.password);
    await profile.getByRole("button", { name: "Change password" }).click();
    await profile.getByText(/^Password changed\. \d+ other sessions? (was|were) signed out\.$/).waitFor({ timeout: 20_000 });
    me.password = newPassword;
    // The API login's session ended at once; this page's did not.
    expect((await api("/auth/user", { token: me.token })).status).toBe(401);
    expect((await api("/auth/login", { body: { email: me.email, password: newPassword }, headers: { "cf-connecting-ip": "198.51.100.252" } })).status).toBe(200);
    await page.reload();
    await page.getByRole("heading", { name: "Instances" }).waitFor();
  });

  it("creates a webhook whose secret is shown once and signs a real delivery, listed as delivered", async () => {
    const hooks = page.getByRole("region", { name: "Webhooks" });
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    // Refused beside the field: not a URL.
    await hooks.getByLabel("Address").fill("not a url");
    await hooks.getByLabel("Events").fill("auth.*");
    await hooks.getByRole("button", { name: "Create webhook" }).click();
    await expect.poll(() => hooks.getByLabel("Address").getAttribute("aria-invalid")).toBe("true");

    await hooks.getByLabel("Address").fill(url);
    await hooks.getByLabel("Events").fill("auth.*, auth.user.*");
    await hooks.getByRole("button", { name: "Create webhook" }).click();
    const secretInput = hooks.getByLabel("Signing secret");
    await secretInput.waitFor();
    const secret = await secretInput.inputValue();
    expect(secret).toMatch(/^whsec_/);
    await hooks.getByRole("button", { name: "I have copied it" }).click();
    expect(await hooks.getByLabel("Signing secret").count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    const list = (await api("/api/webhooks", { token: (await sessionToken()) })).body.webhooks as { url: string; events: string[] }[];
    expect(list).toEqual([expect.objectContaining({ url, events: ["auth.*", "auth.user.*"] })]);

    // An event about me: a profile change. The receiver gets it signed with the secret shown once.
    await page.getByRole("region", { name: "Profile and password" }).getByLabel("Name", { exact: true }).fill("Webhook Person");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByText("Your name is now “Webhook Person”.").waitFor({ timeout: 20_000 });
    // Through the queue twice (the event, then its delivery): allow for a busy machine.
    await until(() => received.length > 0, 60_000);
    const got = received[0]!;
    const [, t, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(got.headers["x-anchorage-signature"]))!;
    expect(createHmac("sha256", secret).update(`${t}.${got.body}`).digest("hex")).toBe(mac);

    await hooks.getByRole("button", { name: `Show deliveries to ${url}` }).click();
    const deliveries = hooks.getByRole("region", { name: "Recent deliveries" });
    await expect
      .poll(async () => {
        await deliveries.getByRole("button", { name: `Refresh deliveries to ${url}` }).click();
        return deliveries.getByText("Delivered").count();
      }, { timeout: 20_000 })
      .toBeGreaterThan(0);
    await deliveries.getByText("1 attempt, last: HTTP 204").first().waitFor();
  }, 120_000);

  it("lists everyone's sessions for an admin and ends one; makes an invite whose code is shown once", async () => {
    const sessions = page.getByRole("region", { name: "Everyone's sessions" });
    await page.reload(); // the friend's session is older than the list; a reload reads it again
    await sessions.getByLabel("Filter by email").fill(friend.email);
    const row = sessions.getByRole("listitem").filter({ hasText: friend.email });
    await row.first().waitFor();
    expect((await api("/auth/user", { token: friend.token })).status).toBe(200);
    await row.first().getByRole("button", { name: new RegExp(`^End session of ${friend.email.replace(/[.+]/g, "\\$&")}`) }).click();
    await sessions.getByRole("button", { name: /^End session session of/ }).click();
    await sessions.getByText(new RegExp(`^Session of ${friend.email.replace(/[.+]/g, "\\$&")} on .* ended\\.$`)).waitFor();
    expect((await api("/auth/user", { token: friend.token })).status).toBe(401);

    const invites = page.getByRole("region", { name: "Invites", exact: true });
    const invitee = `invitee-${tag}@e2e.test`;
    await invites.getByLabel("For email").fill(invitee);
    expect(await invites.getByLabel("Valid for").inputValue()).toBe("72"); // the server's default
    await invites.getByLabel("Valid for").selectOption("168");
    await invites.getByRole("button", { name: "Create invite" }).click();
    const code = await invites.getByLabel("Invite code").inputValue();
    expect(code.length).toBeGreaterThan(10);
    await invites.getByText(`Only ${invitee} can use it`, { exact: false }).waitFor();
    await invites.getByRole("button", { name: "I have copied it" }).click();
    expect(await invites.getByLabel("Valid for").inputValue()).toBe("72"); // back to it for the next one
    const listed = invites.getByRole("row").filter({ hasText: invitee });
    await listed.getByText("Open").waitFor();
    expect(await page.content()).not.toContain(code);
    const stored = (await api("/admin/invites", { token: admin() })).body.invites as { email: string; expires_at: string; created_at: string }[];
    const mine = stored.find((i) => i.email === invitee)!;
    expect(Date.parse(mine.expires_at) - Date.parse(mine.created_at)).toBeCloseTo(168 * 3600_000, -5);
  });

  it("creates a user as an admin (a taken email refused), who can sign in, then deletes them after a confirmation", async () => {
    const users = page.getByRole("region", { name: "Users", exact: true });
    await users.getByRole("button", { name: "New user" }).click();
    const form = page.getByRole("form", { name: "New user" });
    const email = `made-in-page-${tag}@e2e.test`;
    const password = "a first password 24680";
    await form.getByLabel("Email").fill(friend.email);
    await form.getByLabel(/^Name/).fill("Made In Page");
    await form.getByLabel("First password").fill(password);
    await form.getByRole("button", { name: "Create user" }).click();
    await form.getByRole("alert").getByText("an account with this email already exists").waitFor();

    await form.getByLabel("Email").fill(email);
    await form.getByRole("button", { name: "Create user" }).click();
    await users.getByText(`${email} created.`).waitFor();
    const row = users.getByRole("row").filter({ hasText: email });
    await row.getByText("Made In Page").waitFor();
    const login = await api("/auth/login", { body: { email, password }, headers: { "cf-connecting-ip": "198.51.100.254" } });
    expect(login.status).toBe(200);
    expect(login.body.user.roles).toEqual(["user"]);

    await row.getByRole("button", { name: `Delete ${email}` }).click();
    await row.getByRole("button", { name: `Delete ${email}` }).click(); // the confirmation, in place
    await users.getByText(`${email} deleted, with everything of theirs.`).waitFor();
    expect(await users.getByRole("row").filter({ hasText: email }).count()).toBe(0);
    expect((await api("/auth/user", { token: login.body.tokens.access_token })).status).toBe(401);
  });

  it("renames a proxy: a taken name is refused beside the field, a free one changes its addresses", async () => {
    const proxies = page.getByRole("region", { name: "Proxies" });
    const row = proxies.locator(".proxy-list > li").filter({ hasText: "shot-box" });
    await row.getByRole("button", { name: `Rename proxy ${slug}` }).click();
    const input = row.getByLabel("New name");
    await expect.poll(() => page.evaluate("document.activeElement?.getAttribute('name')")).toBe("slug");
    await input.fill(otherSlug);
    await row.getByRole("button", { name: "Rename proxy", exact: true }).click();
    await row.getByText(`proxy slug "${otherSlug}" is taken; choose another`).waitFor();
    expect(await input.getAttribute("aria-invalid")).toBe("true");

    const renamed = `${slug}-new`;
    await input.fill(renamed);
    await row.getByRole("button", { name: "Rename proxy", exact: true }).click();
    await proxies.getByText(`Proxy “${slug}” renamed to “${renamed}”.`).waitFor();
    // Its own host is the address shown where a proxy domain is set (locally localhost:<port>).
    await proxies.getByText(`http://${renamed}.localhost:${inject("port")}/`, { exact: true }).waitFor();
    const listed = (await api("/api/cloud/proxies", { token: admin() })).body.proxies as { instance_id: string; slug: string }[];
    expect(listed.find((p) => p.instance_id === agent.instanceId)?.slug).toBe(renamed);
  });

  it("writes screenshots of the main screens in light and dark, laptop and phone, each without overflow, unnamed controls or invisible focus", async () => {
    mkdirSync(SHOTS, { recursive: true });
    const backgrounds: Record<string, string> = {};
    for (const scheme of ["light", "dark"] as const) {
      for (const [device, viewport] of [["laptop", { width: 1280, height: 800 }], ["phone", { width: 390, height: 844 }]] as const) {
        const ctx = await browser.newContext({ colorScheme: scheme, viewport });
        const p = await ctx.newPage();
        const name = `${scheme}-${device}`;
        await p.goto(`${origin()}/`);
        await p.getByRole("button", { name: "Sign in", exact: true }).waitFor();
        await checkPage(ctx, p, `${name} sign-in`);
        await p.screenshot({ path: join(SHOTS, `${name}-sign-in.png`), fullPage: true });
        backgrounds[name] = await p.evaluate<string>("getComputedStyle(document.documentElement).backgroundColor");

        await signIn(p);
        await p.getByRole("button", { name: "Details of shot-box" }).click();
        await p.getByRole("figure", { name: /^CPU busy, last 24 h/ }).waitFor();
        await p.getByRole("heading", { name: "Invites" }).waitFor();
        await expect.poll(() => p.getByText(/^Loading/).count(), { timeout: 20_000 }).toBe(0);
        await p.getByRole("img", { name: /^CPU of shot-box/ }).waitFor();
        await checkPage(ctx, p, `${name} dashboard`);
        await p.screenshot({ path: join(SHOTS, `${name}-dashboard.png`), fullPage: true });
        // Each main screen on its own, small enough to look at.
        for (const [file, region] of SCREENS) {
          await p.getByRole("region", { name: region, exact: true }).first().screenshot({ path: join(SHOTS, `${name}-${file}.png`) });
        }
        await ctx.close();
      }
    }
    // The dark pages really are dark: another background than the light ones.
    expect(backgrounds["dark-laptop"]).not.toBe(backgrounds["light-laptop"]);
    expect(backgrounds["dark-phone"]).toBe(backgrounds["dark-laptop"]);
  });

  it("restarts the agent from the toolbar after a confirmation: the old process ends and the instance comes back online", async () => {
    const toolbar = page.getByRole("toolbar", { name: "Quick actions for shot-box" });
    if (!(await toolbar.isVisible())) await page.getByRole("button", { name: "Details of shot-box" }).click();
    await toolbar.getByRole("button", { name: "Restart agent on shot-box" }).click();
    await toolbar.getByText("Restart the agent on shot-box?", { exact: false }).waitFor();
    const status = async () => (await api(`/api/cloud/instance/${agent.instanceId}/status`, { token: admin() })).body as { online: boolean; connected_at: string | null };
    const before = await status();
    expect(before.online).toBe(true);
    const info = async () => (await api(`/api/cloud/instance/${agent.instanceId}/info`, { token: admin() })).body as { pid: number };
    const pidBefore = (await info()).pid;
    await toolbar.getByRole("button", { name: "Restart agent on shot-box" }).click();
    await page.getByText("Output of restart").waitFor();
    await page.getByText("restarting the agent").waitFor();
    // A new connection from a new agent process (the PID `anchorage run` started stays: it runs the agent as its child).
    await until(async () => {
      const now = await status();
      return now.online && now.connected_at !== before.connected_at;
    }, 30_000);
    expect((await info()).pid).not.toBe(pidBefore);
    await toolbar.getByText("Online").waitFor();
  });

  /** An access token of a fresh API session for me (the password change ended the first). */
  async function sessionToken() {
    const r = await api("/auth/login", { body: { email: me.email, password: me.password }, headers: { "cf-connecting-ip": "198.51.100.253" } });
    return r.body.tokens.access_token as string;
  }
});

/**
 * What every screen must pass: nothing wider than the viewport (a phone scrolls down, never
 * sideways), every control with an accessible name (Chromium's own accessibility tree), and a
 * visible focus ring on every element Tab reaches.
 */
async function checkPage(ctx: BrowserContext, page: Page, what: string) {
  const overflow = await page.evaluate<{ scroll: number; inner: number; wide: string[] }>(`({
    scroll: document.scrollingElement.scrollWidth,
    inner: innerWidth,
    // The outermost elements reaching past the right edge, to say what overflows.
    wide: [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > innerWidth + 0.5))
      .map((el) => el.outerHTML.slice(0, 140)),
  })`);
  expect(overflow.scroll, `${what}: horizontal overflow from ${overflow.wide.join("\n")}`).toBeLessThanOrEqual(overflow.inner);

  const cdp = await ctx.newCDPSession(page);
  const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as { nodes: { ignored: boolean; role?: { value: string }; name?: { value: string }; backendDOMNodeId?: number }[] };
  const controls = new Set(["button", "textbox", "searchbox", "combobox", "checkbox", "radio", "link", "switch", "tab", "spinbutton", "slider", "listbox"]);
  const unnamed: string[] = [];
  for (const n of nodes) {
    if (n.ignored || !controls.has(n.role?.value ?? "")) continue;
    if (!n.name?.value?.trim()) {
      const resolved = (await cdp.send("DOM.resolveNode", { backendNodeId: n.backendDOMNodeId! })) as { object: { objectId?: string } };
      const html = (await cdp.send("Runtime.callFunctionOn", { objectId: resolved.object.objectId!, functionDeclaration: "function () { return this.outerHTML.slice(0, 160); }", returnByValue: true })) as { result: { value?: string } };
      const outerHTML = html.result.value ?? "?";
      unnamed.push(`${n.role!.value}: ${outerHTML}`);
    }
  }
  expect(unnamed, `${what}: controls without an accessible name`).toEqual([]);
  await cdp.detach();

  await page.evaluate("document.activeElement?.blur()");
  await page.mouse.click(1, 1);
  const invisible: string[] = [];
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press("Tab");
    const f = await page.evaluate<{ ring: boolean; html: string } | null>(`(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
      return { ring, html: el.outerHTML.slice(0, 120) };
    })()`);
    if (f && !f.ring) invisible.push(f.html);
  }
  expect(invisible, `${what}: focused without a visible focus ring`).toEqual([]);
  // The screenshots show the page at rest: no focus ring left where the Tab walk ended.
  await page.evaluate("document.activeElement?.blur(); scrollTo(0, 0); document.querySelectorAll('.table-scroll').forEach((t) => (t.scrollLeft = 0))");
}
