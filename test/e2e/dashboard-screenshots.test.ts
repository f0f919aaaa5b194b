import { createHmac } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";

/**
 * The dashboard's pages in Chromium, with real agents: an instance's health (sparkline and 24-h
 * charts moving with heartbeats, no reload), its floating quick actions (restart), your profile
 * and password, webhooks (secret shown once, a real signed delivery), the admin's sessions,
 * invites and users, renaming a proxy; then a screenshot of every page (each navigation page,
 * each instance tab, the per-instance pages, each Settings and Admin sub-page, the command palette
 * open, the not-found page, and the sign-in page) in light and dark at laptop and phone widths,
 * each page checked for horizontal overflow, unnamed controls, invisible focus and pages left
 * loading. Screenshots go to test-artifacts/screenshots/ (<scheme>-<device>-<page>.png).
 */
const SHOTS = join(new URL("../..", import.meta.url).pathname, "test-artifacts/screenshots");
const DEVICES = [
  ["laptop", { width: 1280, height: 800 }],
  ["phone", { width: 390, height: 844 }],
] as const;

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "Shot", GIT_AUTHOR_EMAIL: "shot@example.test", GIT_COMMITTER_NAME: "Shot", GIT_COMMITTER_EMAIL: "shot@example.test" } });

/** The page's one <h1> (the shell shows one page at a time). */
const h1 = (page: Page) => page.getByRole("main").getByRole("heading", { level: 1 });
/** expect.poll with room for a busy machine (its default gives up after a second). */
const poll = <T>(read: () => T | Promise<T>, message?: string) => expect.poll(read, { timeout: 20_000, message });
/** Waits for the page at `path` whose <h1> says `name`. */
async function atPage(page: Page, path: string, name: string) {
  await poll(() => new URL(page.url()).pathname).toBe(path);
  await poll(() => h1(page).allTextContents()).toEqual([name]);
}

describe.runIf(hasChromium() || process.env.CI)("dashboard pages and screenshots in Chromium", () => {
  const tag = Date.now().toString(36);
  const slug = `shot-${tag}`;
  const otherSlug = `shot-other-${tag}`;
  const origin = () => `http://localhost:${inject("port")}`;
  const admin = () => inject("adminToken");
  const me = { email: `shots-${tag}@e2e.test`, password: "shots password 12345", name: "Screenshot Person", token: "", id: "" };
  const home = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-shots-")));
  let friend: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let other: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiver: Server;
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const go = async (path: string, name: string, p = page) => {
    await p.goto(origin() + path);
    await atPage(p, path, name);
  };

  /** A browser context signed in as me through the API (the sign-in form's per-address limit is its own tests'). */
  async function signedIn(options: Parameters<Browser["newContext"]>[0] = {}) {
    const ctx = await browser.newContext(options);
    await signInContext(ctx, origin(), me.email, me.password);
    const p = await ctx.newPage();
    p.setDefaultTimeout(20_000);
    p.setDefaultNavigationTimeout(60_000);
    return { ctx, page: p };
  }

  beforeAll(async () => {
    // An admin of their own, so the admin pages show; created by the bootstrap admin.
    const created = await api("/admin/users", { token: admin(), body: { email: me.email, password: me.password, name: me.name, roles: ["user", "admin"] } });
    expect(created.status).toBe(201);
    me.id = created.body.id;
    const login = await api("/auth/login", { body: { email: me.email, password: me.password }, headers: { "cf-connecting-ip": "198.51.100.251" } });
    me.token = login.body.tokens.access_token;
    friend = await freshUser("shots-friend");

    // Something to show on the Files, Git and Sync pages: a root with a repository and a few files.
    const root = join(home, "projects");
    mkdirSync(join(root, "site", "assets"), { recursive: true });
    writeFileSync(join(root, "site", "README.md"), "# Site\n\nThe screenshots' project.\n");
    writeFileSync(join(root, "site", "assets", "style.css"), "body { margin: 0 }\n");
    git(join(root, "site"), "init", "-q", "-b", "main");
    git(join(root, "site"), "add", ".");
    git(join(root, "site"), "commit", "-q", "-m", "First page");
    writeFileSync(join(root, "site", "notes.txt"), "not committed yet\n");
    const otherRoot = join(home, "backup");
    mkdirSync(otherRoot);

    agent = await startAgent(me.token, `name: shot-box\nroots: [${JSON.stringify(root)}]\nproxy: { slug: ${slug}, target: "http://127.0.0.1:9", access: users }\nterminal: { shell: /bin/sh }\n`);
    other = await startAgent(me.token, `name: other-box\nroots: [${JSON.stringify(otherRoot)}]\nproxy: { slug: ${otherSlug}, target: "http://127.0.0.1:9", access: users }\n`);
    // Online, with a few minutes of health to draw (one point a minute; heartbeats every 5 s).
    await until(async () => (await api(`/api/cloud/instance/${agent.instanceId}/health?hours=1`, { token: admin() })).body.points?.length > 0, 30_000);
    // A share, so the Shares page has something on it.
    expect((await api("/api/cloud/shares/save", { token: me.token, body: { grantee_email: friend.email, instance_id: other.instanceId, permissions: ["read:cloud_instance"] } })).status).toBe(200);

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
    ({ ctx: context, page } = await signedIn({ permissions: ["clipboard-read", "clipboard-write"], viewport: { width: 1280, height: 800 } }));
  });

  afterAll(async () => {
    // Deleting the instances tells their agents to stop for good (a restarted agent is a new process).
    for (const a of [agent, other]) if (a) await api(`/api/cloud/instance/${a.instanceId}`, { method: "DELETE", token: admin() });
    agent?.run.child.kill("SIGKILL");
    other?.run.child.kill("SIGKILL");
    await browser?.close();
    if (receiver) await new Promise((r) => receiver.close(r));
    rmSync(home, { recursive: true, force: true });
  });

  it("draws each instance's CPU sparkline on Instances and, on its page, 24-h CPU and memory charts that move with its heartbeats", async () => {
    await go("/instances", "Instances");
    const instances = page.getByRole("region", { name: "Your instances" });
    const spark = instances.getByRole("img", { name: /^CPU of shot-box, last hour: lowest \d/ });
    await spark.waitFor();
    await instances.getByRole("link", { name: "shot-box", exact: true }).click();
    await atPage(page, `/instances/${agent.instanceId}`, "shot-box");

    const cpu = page.getByRole("figure", { name: /^CPU busy, last 24 h/ });
    const memory = page.getByRole("figure", { name: /^Memory used, last 24 h/ });
    await cpu.waitFor();
    await memory.waitFor();
    // The summary in words is the chart's text alternative, and the same as the SVG's description.
    const words = await cpu.locator("figcaption .chart-summary").textContent();
    expect(words).toMatch(/^lowest [\d.]+%, average [\d.]+%, highest [\d.]+%, latest [\d.]+%\.$/);
    expect(await cpu.locator("svg desc").textContent()).toBe(words);
    expect(await memory.locator("figcaption .chart-summary").textContent()).toMatch(/^lowest [\d.]+%/);
    const points = (await api(`/api/cloud/instance/${agent.instanceId}/health?hours=24`, { token: admin() })).body.points as { mem_used: number; mem_total: number }[];
    expect(points.length).toBeGreaterThan(0);

    // Live: the next heartbeats fold into the newest minute (its mean moves, or a new minute
    // starts) and redraw the line and its words, with no request for the history again.
    const healthReads: string[] = [];
    const onRequest = (r: { url(): string }) => r.url().includes("/health") && healthReads.push(r.url());
    page.on("request", onRequest);
    const line = cpu.locator("path.chart-line");
    const before = await line.getAttribute("d");
    const summaryBefore = await cpu.locator("figcaption .chart-summary").textContent();
    await expect.poll(async () => `${await line.getAttribute("d")}|${await cpu.locator("figcaption .chart-summary").textContent()}`, { timeout: 40_000 }).not.toBe(`${before}|${summaryBefore}`);
    page.off("request", onRequest);
    expect(healthReads).toEqual([]);
  }, 90_000);

  it("keeps the instance's quick actions in view, under the header, while its page scrolls", async () => {
    await go(`/instances/${agent.instanceId}`, "shot-box");
    const toolbar = page.getByRole("toolbar", { name: "Quick actions for shot-box" });
    await toolbar.waitFor();
    await page.getByRole("heading", { name: "Recent actions" }).scrollIntoViewIfNeeded();
    expect(await page.evaluate<number>("scrollY")).toBeGreaterThan(0);
    const header = (await page.getByRole("banner").boundingBox())!;
    const box = (await toolbar.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(header.y + header.height - 1); // not under the header
    expect(box.y).toBeLessThan(header.y + header.height + 24); // stuck just below it
    await toolbar.getByRole("button", { name: "Run a command…" }).click();
    expect(await page.evaluate("document.activeElement?.id")).toBe("run-command");
    // From another tab, the same button takes the person to the Overview's command box.
    await page.getByRole("tablist", { name: "shot-box" }).getByRole("tab", { name: "Logs", exact: true }).click();
    await poll(() => new URL(page.url()).pathname).toBe(`/instances/${agent.instanceId}/logs`);
    await toolbar.getByRole("button", { name: "Run a command…" }).click();
    await poll(() => new URL(page.url()).pathname).toBe(`/instances/${agent.instanceId}`);
    await page.locator("#run-command").waitFor();
  });

  it("changes the display name, and the password (the wrong current one refused beside it; then other sessions end)", async () => {
    await go("/settings/profile", "Settings");
    const profile = page.getByRole("region", { name: "Profile and password" });
    await profile.getByLabel("Name", { exact: true }).fill("Renamed Person");
    await profile.getByRole("button", { name: "Save name" }).click();
    await profile.getByText("Your name is now “Renamed Person”.").waitFor();
    await page.getByRole("region", { name: "Signed in" }).getByText("Renamed Person", { exact: true }).waitFor();
    // The header's account button says it too.
    await page.getByRole("banner").getByRole("button", { name: "Account: Renamed Person" }).waitFor();
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
    await atPage(page, "/settings/profile", "Settings");
  });

  it("creates a webhook whose secret is shown once and signs a real delivery, listed as delivered", async () => {
    await go("/settings/webhooks", "Settings");
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
    const list = (await api("/api/webhooks", { token: await sessionToken() })).body.webhooks as { url: string; events: string[] }[];
    expect(list).toEqual([expect.objectContaining({ url, events: ["auth.*", "auth.user.*"] })]);

    // An event about me: a profile change, on its own sub-page. The receiver gets it signed with the secret shown once.
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Profile and password", exact: true }).click();
    await page.getByRole("region", { name: "Profile and password" }).getByLabel("Name", { exact: true }).fill("Webhook Person");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByText("Your name is now “Webhook Person”.").waitFor({ timeout: 20_000 });
    // Through the queue twice (the event, then its delivery): allow for a busy machine.
    await until(() => received.length > 0, 60_000);
    const got = received[0]!;
    const [, t, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(got.headers["x-anchorage-signature"]))!;
    expect(createHmac("sha256", secret).update(`${t}.${got.body}`).digest("hex")).toBe(mac);

    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Webhooks", exact: true }).click();
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
    await go("/manage/sessions", "Admin");
    const sessions = page.getByRole("region", { name: "Everyone's sessions" });
    await sessions.getByLabel("Filter by email").fill(friend.email);
    const row = sessions.getByRole("listitem").filter({ hasText: friend.email });
    await row.first().waitFor();
    expect((await api("/auth/user", { token: friend.token })).status).toBe(200);
    await row.first().getByRole("button", { name: new RegExp(`^End session of ${friend.email.replace(/[.+]/g, "\\$&")}`) }).click();
    await sessions.getByRole("button", { name: /^End session session of/ }).click();
    await sessions.getByText(new RegExp(`^Session of ${friend.email.replace(/[.+]/g, "\\$&")} on .* ended\\.$`)).waitFor();
    expect((await api("/auth/user", { token: friend.token })).status).toBe(401);

    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Invites", exact: true }).click();
    await poll(() => new URL(page.url()).pathname).toBe("/manage/invites");
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
    await go("/manage/users", "Admin");
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
    await go("/proxies", "Proxies");
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

  it("writes a screenshot of every page in light and dark, laptop and phone, each without overflow, unnamed controls, invisible focus or a page left loading", async () => {
    // Only this run's pictures (an older run's pages may no longer exist).
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    const id = agent.instanceId;
    /** Every page: its file name, its address and its <h1>. */
    const pages: [string, string, string][] = [
      ["instances", "/instances", "Instances"],
      ["proxies", "/proxies", "Proxies"],
      ["sync", "/sync", "File sync"],
      ["git", "/git", "Git"],
      ["terminal", "/terminal", "Terminal"],
      ["logs", "/logs", "Logs"],
      ["shares", "/shares", "Shares"],
      ["pods", "/pods", "Pods"],
      ["activity", "/activity", "Activity"],
      ...(["git", "terminal", "logs", "pods"] as const).map((p): [string, string, string] => [`${p}-shot-box`, `/${p}/${id}`, p === "pods" ? "Pods" : p === "git" ? "Git" : p === "logs" ? "Logs" : "Terminal"]),
      ...(["overview", "terminal", "files", "git", "logs", "proxy", "sync", "config"] as const).map((t): [string, string, string] => [`instance-${t}`, t === "overview" ? `/instances/${id}` : `/instances/${id}/${t}`, "shot-box"]),
      ...(["profile", "passkeys", "accounts", "sessions", "tokens", "service-accounts", "webhooks"] as const).map((s): [string, string, string] => [`settings-${s}`, `/settings/${s}`, "Settings"]),
      ...(["users", "sessions", "invites", "everything", "audit"] as const).map((s): [string, string, string] => [`admin-${s}`, `/manage/${s}`, "Admin"]),
      ["not-found", "/no-such-page", "Page not found"],
    ];
    const problems: string[] = [];
    const backgrounds: Record<string, string> = {};
    let shots = 0;
    for (const scheme of ["light", "dark"] as const) {
      for (const [device, viewport] of DEVICES) {
        const name = `${scheme}-${device}`;
        // The sign-in page, in a context of its own that is not signed in.
        const anon = await browser.newContext({ colorScheme: scheme, viewport });
        const a = await anon.newPage();
        await a.goto(`${origin()}/`);
        await a.getByRole("button", { name: "Sign in", exact: true }).waitFor();
        problems.push(...(await checkPage(anon, a, `${name} sign-in`)));
        await a.screenshot({ path: join(SHOTS, `${name}-sign-in.png`), fullPage: true });
        shots++;
        backgrounds[name] = await a.evaluate<string>("getComputedStyle(document.documentElement).backgroundColor");
        await anon.close();

        const { ctx, page: p } = await signedIn({ colorScheme: scheme, viewport });
        // The checks walk every page in light (they do not depend on the colours); dark is shot as well.
        const check = scheme === "light";
        for (const [file, path, heading] of pages) {
          await go(path, heading, p);
          await p.waitForLoadState("networkidle");
          if (!(await settled(p))) problems.push(`${name} ${file}: still says “Loading” after 20 s`);
          if (check) problems.push(...(await checkPage(ctx, p, `${name} ${file}`)));
          else await rest(p);
          await p.screenshot({ path: join(SHOTS, `${name}-${file}.png`), fullPage: true });
          shots++;
        }
        // The command palette, open over the Instances page.
        await go("/instances", "Instances", p);
        await p.keyboard.press("Control+k");
        await p.getByRole("dialog", { name: "Command palette" }).waitFor();
        await poll(() => p.evaluate(`document.activeElement?.getAttribute("role")`)).toBe("combobox");
        await p.keyboard.type("shot");
        await p.getByRole("dialog").getByRole("option").first().waitFor();
        await p.screenshot({ path: join(SHOTS, `${name}-palette.png`) });
        shots++;
        // The phone's drawer, open.
        if (device === "phone") {
          await p.keyboard.press("Escape");
          await p.getByRole("banner").getByRole("button", { name: "Menu", exact: true }).click();
          await p.getByRole("navigation", { name: "Main" }).waitFor();
          await p.screenshot({ path: join(SHOTS, `${name}-menu.png`) });
          shots++;
        }
        await ctx.close();
      }
    }
    expect(shots).toBe(4 * (pages.length + 2) + 2);
    // The dark pages really are dark: another background than the light ones.
    expect(backgrounds["dark-laptop"]).not.toBe(backgrounds["light-laptop"]);
    expect(backgrounds["dark-phone"]).toBe(backgrounds["dark-laptop"]);
    expect(problems).toEqual([]);
  }, 900_000);

  it("restarts the agent from the toolbar after a confirmation: the old process ends and the instance comes back online", async () => {
    await go(`/instances/${agent.instanceId}`, "shot-box");
    const toolbar = page.getByRole("toolbar", { name: "Quick actions for shot-box" });
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

/** Whether the page has stopped saying it is loading (within 20 s). */
async function settled(page: Page): Promise<boolean> {
  try {
    await expect.poll(() => page.getByRole("main").getByText(/^Loading/).count(), { timeout: 20_000 }).toBe(0);
    return true;
  } catch {
    return false;
  }
}

/** The page at rest for its picture: no focus ring left, scrolled to the top. */
async function rest(page: Page) {
  await page.evaluate("document.activeElement?.blur(); scrollTo(0, 0); document.querySelectorAll('.table-scroll').forEach((t) => (t.scrollLeft = 0))");
}

/**
 * What every page must pass, as a list of what it does not: nothing wider than the viewport (a
 * phone scrolls down, never sideways), every control with an accessible name (Chromium's own
 * accessibility tree), and a visible focus ring on every element Tab reaches.
 */
async function checkPage(ctx: BrowserContext, page: Page, what: string): Promise<string[]> {
  const problems: string[] = [];
  const width = page.viewportSize()!.width;
  const overflow = await page.evaluate<{ scroll: number; wide: string[] }>(`({
    scroll: document.scrollingElement.scrollWidth,
    // The outermost elements reaching past the right edge, to say what overflows.
    wide: [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > ${width} + 0.5 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > ${width} + 0.5))
      .map((el) => el.outerHTML.slice(0, 140)),
  })`);
  if (overflow.scroll > width) problems.push(`${what}: ${overflow.scroll} px wide in ${width}, from ${overflow.wide.join(" | ")}`);

  const cdp = await ctx.newCDPSession(page);
  const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as { nodes: { ignored: boolean; role?: { value: string }; name?: { value: string }; backendDOMNodeId?: number }[] };
  const controls = new Set(["button", "textbox", "searchbox", "combobox", "checkbox", "radio", "link", "switch", "tab", "spinbutton", "slider", "listbox"]);
  for (const n of nodes) {
    if (n.ignored || !controls.has(n.role?.value ?? "")) continue;
    if (!n.name?.value?.trim()) {
      const resolved = (await cdp.send("DOM.resolveNode", { backendNodeId: n.backendDOMNodeId! })) as { object: { objectId?: string } };
      const html = (await cdp.send("Runtime.callFunctionOn", { objectId: resolved.object.objectId!, functionDeclaration: "function () { return this.outerHTML.slice(0, 160); }", returnByValue: true })) as { result: { value?: string } };
      problems.push(`${what}: a ${n.role!.value} without an accessible name: ${html.result.value ?? "?"}`);
    }
  }
  await cdp.detach();

  await page.evaluate("document.activeElement?.blur()");
  await page.mouse.click(1, 1);
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press("Tab");
    const f = await page.evaluate<{ ring: boolean; html: string; inTerminal: boolean } | null>(`(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
      return { ring, html: el.outerHTML.slice(0, 120), inTerminal: !!el.closest(".xterm") };
    })()`);
    // Tab belongs to the shell inside a terminal (Escape, then Tab, leaves it): the walk ends there.
    if (f?.inTerminal) break;
    if (f && !f.ring) problems.push(`${what}: focused without a visible focus ring: ${f.html}`);
  }
  await rest(page);
  return problems;
}
