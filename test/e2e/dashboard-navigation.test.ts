import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until, untilOnline } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";

/**
 * The dashboard as an application (issue 21), in Chromium, with two real agents owned by one
 * person (an admin) and a second person holding a share of one of them: every navigation link by
 * click and by address (its <h1>, the tab title, aria-current, reload, Back), an instance's tabs at
 * their own addresses (click, reload, Back/Forward, arrow keys), the per-instance pages' picker in
 * the address, Settings and Admin sub-pages, the in-app not-found page beside the Worker's own
 * paths, the command palette, focus and Tab, Shared with me, an offline instance's pages with no
 * console errors, the phone drawer and no page wider than a phone.
 */

/** The navigation the issue asks for, in its order, with the page's <h1> and where its link lands. */
const NAV: { label: string; lands: RegExp }[] = [
  { label: "Instances", lands: /^\/instances$/ },
  { label: "Proxies", lands: /^\/proxies$/ },
  { label: "File sync", lands: /^\/sync$/ },
  // The per-instance pages keep the instance last opened (`/git/<id>`), or show the picker.
  { label: "Git", lands: /^\/git(\/ins_[^/]+)?$/ },
  { label: "Terminal", lands: /^\/terminal(\/ins_[^/]+)?$/ },
  { label: "Logs", lands: /^\/logs(\/ins_[^/]+)?$/ },
  { label: "Shares", lands: /^\/shares$/ },
  { label: "Pods", lands: /^\/pods(\/ins_[^/]+)?$/ },
  { label: "Scripts", lands: /^\/scripts$/ },
  { label: "Activity", lands: /^\/activity$/ },
  { label: "Alerts", lands: /^\/alerts$/ },
  // Settings and Admin open their first sub-page (`/admin` is the admin API, so Admin is /manage).
  { label: "Settings", lands: /^\/settings\/profile$/ },
  { label: "Admin", lands: /^\/manage\/users$/ },
];
const TABS = [
  ["overview", "Overview"],
  ["terminal", "Terminal"],
  ["files", "Files"],
  ["git", "Git"],
  ["logs", "Logs"],
  ["metrics", "Metrics"],
  ["proxy", "Proxy"],
  ["sync", "Sync"],
  ["config", "Config"],
] as const;
/** Sub-pages: the last segment of the address, the link's name, and a heading the sub-page shows. */
const SETTINGS = [
  ["profile", "Profile and password", "Profile and password"],
  ["passkeys", "Passkeys", "Passkeys"],
  ["two-factor", "Two-factor", "Two-factor sign-in"],
  ["accounts", "Connected accounts", "Linked sign-in providers"],
  ["sessions", "Sessions", "Your sessions"],
  ["tokens", "API tokens", "API tokens"],
  ["service-accounts", "Service accounts", "Service accounts"],
  ["webhooks", "Webhooks", "Webhooks"],
  ["teams", "Teams", "Teams"],
] as const;
const ADMIN = [
  ["users", "Users", "Users"],
  ["sessions", "Sessions", "Everyone's sessions"],
  ["invites", "Invites", "Invites"],
  ["everything", "Everything", "All instances"],
  ["audit", "Audit", "Audit log"],
] as const;
const PER_INSTANCE = [
  ["git", "Git"],
  ["terminal", "Terminal"],
  ["logs", "Logs"],
  ["pods", "Pods"],
] as const;

const path = (page: Page) => new URL(page.url()).pathname;
/** expect.poll with room for a busy machine (its default gives up after a second). */
const poll = <T>(read: () => T | Promise<T>, message?: string) => expect.poll(read, { timeout: 20_000, message });
const mainNav = (page: Page) => page.getByRole("navigation", { name: "Main" });
const navLink = (page: Page, label: string) => mainNav(page).getByRole("link", { name: label, exact: true });
const h1 = (page: Page) => page.getByRole("main").getByRole("heading", { level: 1 });
const tabTitle = (...parts: string[]) => [...parts, "Anchorage"].join(" · ");

/** Waits for the page whose one <h1> says `name`, at an address matching `at`. */
async function expectPage(page: Page, at: string | RegExp, name: string) {
  await poll(() => path(page)).toMatch(typeof at === "string" ? new RegExp(`^${at.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) : at);
  await poll(() => h1(page).allTextContents()).toEqual([name]);
}

/** Opens the command palette with Ctrl+K and waits for its search box to have focus (keys typed before would go to the page). */
async function openPalette(page: Page) {
  await page.keyboard.press("Control+k");
  await page.getByRole("dialog", { name: "Command palette" }).waitFor();
  await poll(() => page.evaluate(`document.activeElement?.getAttribute("role")`)).toBe("combobox");
}

/** Which main-navigation links are marked as the current page. */
const currentLinks = (page: Page) => mainNav(page).locator('a[aria-current="page"]').allTextContents();

/** Whether keyboard focus is on the page's <h1>. */
const focusOnH1 = (page: Page) => page.evaluate<boolean>(`document.activeElement?.tagName === "H1" && document.activeElement.closest("main") !== null`);
/** The text of the element that has keyboard focus. */
const focusedText = (page: Page) => page.evaluate<string | undefined>("document.activeElement?.textContent");

/** Every console error and uncaught exception of a page, with where it was. */
function watchConsole(page: Page, into: string[]) {
  page.on("console", (m) => {
    if (m.type() === "error") into.push(`${path(page)}: ${m.text()} ${m.location().url ?? ""}`);
  });
  page.on("pageerror", (e) => into.push(`${path(page)}: uncaught ${e.message}`));
}

describe.runIf(hasChromium() || process.env.CI)("dashboard navigation, addresses and keyboard in Chromium", () => {
  const tag = Date.now().toString(36);
  const origin = () => `http://localhost:${inject("port")}`;
  const admin = () => inject("adminToken");
  /** The owner of both instances, an admin (so the Admin link shows). */
  const owner = { email: `nav-owner-${tag}@e2e.test`, password: "nav owner password 12345", name: "Nav Owner", token: "", id: "" };
  let friend: TestUser;
  let web: Awaited<ReturnType<typeof startAgent>>;
  let db: Awaited<ReturnType<typeof startAgent>>;
  const webName = `nav-web-${tag}`;
  const dbName = `nav-db-${tag}`;
  const shareEnds = new Date(Date.now() + 30 * 86_400_000);
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Console errors of the owner's pages, from sign-in on; each test empties it and checks it is still empty at its end. */
  const errors: string[] = [];
  const go = (p: string) => page.goto(origin() + p);

  /** A signed-in context of its own (the cookie set before its first page, so no request of it is ever signed out). */
  async function signedIn(who: { email: string; password: string }, options: Parameters<Browser["newContext"]>[0] = {}) {
    const ctx = await browser.newContext(options);
    await signInContext(ctx, origin(), who.email, who.password);
    const p = await ctx.newPage();
    p.setDefaultTimeout(20_000);
    p.setDefaultNavigationTimeout(60_000);
    return { ctx, page: p };
  }

  beforeAll(async () => {
    const created = await api("/admin/users", { token: admin(), body: { email: owner.email, password: owner.password, name: owner.name, roles: ["user", "admin"] } });
    expect(created.status).toBe(201);
    owner.id = created.body.id;
    const login = await api("/auth/login", { body: { email: owner.email, password: owner.password }, headers: { "cf-connecting-ip": "198.51.100.241" } });
    owner.token = login.body.tokens.access_token;
    friend = await freshUser("nav-friend");

    web = await startAgent(owner.token, `name: ${webName}\nterminal: { shell: /bin/sh }\n`);
    db = await startAgent(owner.token, `name: ${dbName}\nterminal: { shell: /bin/sh }\n`);
    await untilOnline(owner.token, [web.instanceId, db.instanceId], 30_000);
    const shared = await api("/api/cloud/shares/save", {
      token: owner.token,
      body: { grantee_email: friend.email, instance_id: web.instanceId, permissions: ["read:cloud_instance", "terminal:cloud_instance"], expires_at: shareEnds.toISOString() },
    });
    expect(shared.status).toBe(200);

    browser = await launchChromium();
    ({ ctx: context, page } = await signedIn(owner, { viewport: { width: 1280, height: 800 } }));
    watchConsole(page, errors);
  });

  afterAll(async () => {
    // Deleting the instances tells their agents to stop for good.
    for (const a of [web, db]) if (a) await api(`/api/cloud/instance/${a.instanceId}`, { method: "DELETE", token: admin() });
    web?.run.child.kill("SIGKILL");
    db?.run.child.kill("SIGKILL");
    await browser?.close();
  });

  it("reaches every navigation link by a click and by its address: its <h1>, the tab's title, aria-current; a reload keeps it and Back returns", async () => {
    errors.length = 0;
    await go("/activity");
    await expectPage(page, "/activity", "Activity");
    // Exactly the links, in its order (Admin: this person is an admin).
    expect(await mainNav(page).getByRole("link").allTextContents()).toEqual(NAV.map((n) => n.label));

    // By click, each from the one before: no reload (the page's own scripts live on), focus on the new <h1>.
    let before = { at: "/activity", name: "Activity" };
    for (const { label, lands } of NAV) {
      await page.evaluate("window.stayed = true");
      await navLink(page, label).click();
      await expectPage(page, lands, label);
      expect(await page.evaluate("window.stayed")).toBe(true);
      await poll(() => focusOnH1(page), `focus on the <h1> after clicking ${label}`).toBe(true);
      const at = path(page);
      await poll(() => page.title()).toMatch(new RegExp(`(^| · )${label} · `));
      const title = await page.title();
      // The tab names the page: "<page> · Anchorage", after the sub-page ("API tokens · Settings") or the instance picked ("Git · web").
      expect(title.split(" · "), `title of ${at}: ${title}`).toContain(label);
      expect(title.endsWith(" · Anchorage")).toBe(true);
      if (label === "Settings" || label === "Admin") expect(title).toBe(tabTitle(label === "Settings" ? "Profile and password" : "Users", label));
      else expect(title.startsWith(`${label} · `), title).toBe(true);
      expect(await currentLinks(page)).toEqual([label]);
      expect(await navLink(page, label).getAttribute("aria-current")).toBe("page");

      await page.reload();
      await expectPage(page, at, label);
      expect(await page.title()).toBe(title);
      expect(await currentLinks(page)).toEqual([label]);

      await page.goBack();
      await expectPage(page, before.at, before.name);
      await page.goForward();
      await expectPage(page, at, label);
      before = { at, name: label };
    }

    // By typing each link's address: the same page, title and mark.
    for (const { label, lands } of NAV) {
      const href = (await navLink(page, label).getAttribute("href"))!;
      await go(href);
      await expectPage(page, lands, label);
      expect((await page.title()).split(" · ")).toContain(label);
      expect(await currentLinks(page)).toEqual([label]);
    }
    expect(errors).toEqual([]);
  }, 300_000);

  it("after a navigation focus is on the new page's <h1>, and Tab from the top of a page reaches every navigation link in order", async () => {
    errors.length = 0;
    await go("/instances");
    await expectPage(page, "/instances", "Instances");
    // Opened by address, the page leaves focus where the browser put it (at the top).
    expect(await focusOnH1(page)).toBe(false);
    await page.getByRole("main").getByRole("link", { name: webName, exact: true }).click();
    await expectPage(page, `/instances/${web.instanceId}`, webName);
    await poll(() => focusOnH1(page)).toBe(true);
    // Tab continues from the heading into the page, not from the top.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(`document.activeElement?.closest("main") !== null`)).toBe(true);

    await go("/shares");
    await expectPage(page, "/shares", "Shares");
    const reached: string[] = [];
    const hrefs = await mainNav(page).getByRole("link").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    for (let i = 0; i < 25 && reached.length < hrefs.length; i++) {
      await page.keyboard.press("Tab");
      const f = await page.evaluate<{ href: string | null; ring: boolean } | null>(`(() => {
        const el = document.activeElement;
        if (!el?.closest('nav[aria-label="Main"]')) return null;
        const s = getComputedStyle(el);
        return { href: el.getAttribute("href"), ring: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 };
      })()`);
      if (!f) continue;
      reached.push(f.href!);
      expect(f.ring, `focus ring on ${f.href}`).toBe(true);
    }
    expect(reached).toEqual(hrefs);
    // Enter on a focused link follows it.
    await page.keyboard.press("Enter");
    await expectPage(page, /^\/manage\/users$/, "Admin");
    await poll(() => focusOnH1(page)).toBe(true);
    expect(errors).toEqual([]);
  }, 120_000);

  it("gives each instance tab its own address: selected after a click and a reload; Back and Forward, and arrow keys, move between tabs", async () => {
    errors.length = 0;
    await go(`/instances/${web.instanceId}`);
    await expectPage(page, `/instances/${web.instanceId}`, webName);
    const tablist = page.getByRole("tablist", { name: webName });
    const tab = (label: string) => tablist.getByRole("tab", { name: label, exact: true });
    const selected = () => tablist.locator('[role="tab"][aria-selected="true"]').allTextContents();
    expect(await tablist.getByRole("tab").allTextContents()).toEqual(TABS.map(([, l]) => l));
    const address = (id: string) => (id === "overview" ? `/instances/${web.instanceId}` : `/instances/${web.instanceId}/${id}`);

    for (const [id, label] of TABS) {
      await tab(label).click();
      await poll(() => path(page)).toBe(address(id));
      await poll(selected).toEqual([label]);
      await poll(() => page.title()).toBe(id === "overview" ? tabTitle(webName) : tabTitle(label, webName));
      expect(await page.getByRole("tabpanel").getAttribute("aria-labelledby")).toBe(await tab(label).getAttribute("id"));
      await page.reload();
      await expectPage(page, address(id), webName);
      await poll(selected).toEqual([label]);
    }
    // Back and Forward step through the tabs visited (Config, Sync, Proxy…), as pages.
    for (const [id, label] of [...TABS].reverse().slice(1, 4)) {
      await page.goBack();
      await poll(() => path(page)).toBe(address(id));
      await poll(selected).toEqual([label]);
    }
    await page.goForward();
    await poll(() => path(page)).toBe(address("proxy"));
    await poll(selected).toEqual(["Proxy"]);

    // Typed, each tab's address opens it.
    await go(`/instances/${web.instanceId}/logs`);
    await poll(selected).toEqual(["Logs"]);

    // Arrow keys move between the tabs (and the address with them), Home and End to the ends; focus follows.
    await go(address("files"));
    await poll(selected).toEqual(["Files"]);
    await tab("Files").focus();
    for (const [key, label] of [["ArrowRight", "Git"], ["ArrowRight", "Logs"], ["ArrowLeft", "Git"], ["End", "Config"], ["ArrowRight", "Overview"], ["ArrowLeft", "Config"], ["Home", "Overview"]] as const) {
      await page.keyboard.press(key);
      await poll(selected).toEqual([label]);
      await poll(() => focusedText(page)).toBe(label);
      expect(path(page)).toBe(address(TABS.find(([, l]) => l === label)![0]));
    }
    // Into the Terminal tab by the keyboard too: it is selected there.
    await page.keyboard.press("ArrowRight");
    await poll(selected).toEqual(["Terminal"]);
    expect(path(page)).toBe(address("terminal"));
    // An instance tab that does not exist is the not-found page.
    await go(`/instances/${web.instanceId}/nope`);
    await expectPage(page, `/instances/${web.instanceId}/nope`, "Page not found");
    expect(errors).toEqual([]);
  }, 240_000);

  it("Git, Terminal, Logs and Pods act on the instance picked, which the address keeps through a reload", async () => {
    errors.length = 0;
    for (const [seg, label] of PER_INSTANCE) {
      await go(`/${seg}`);
      await expectPage(page, `/${seg}`, label);
      const picker = page.getByRole("main").getByLabel("Instance", { exact: true });
      // Both instances are offered, none picked yet (with two, none is picked for you).
      await poll(async () => (await picker.locator("option").allTextContents()).sort()).toEqual(["Choose an instance", `${dbName} (online)`, `${webName} (online)`]);
      expect(await picker.inputValue()).toBe("");
      await picker.selectOption(db.instanceId);
      await expectPage(page, `/${seg}/${db.instanceId}`, label);
      await poll(() => page.title()).toBe(tabTitle(label, dbName));
      // The page acts on it: its quick actions are there.
      await page.getByRole("toolbar", { name: `Quick actions for ${dbName}` }).waitFor();
      await page.reload();
      await expectPage(page, `/${seg}/${db.instanceId}`, label);
      await poll(() => picker.inputValue()).toBe(db.instanceId);
      await page.getByRole("toolbar", { name: `Quick actions for ${dbName}` }).waitFor();
      // Another pick moves the address; Back returns to the first.
      await picker.selectOption(web.instanceId);
      await expectPage(page, `/${seg}/${web.instanceId}`, label);
      await page.getByRole("toolbar", { name: `Quick actions for ${webName}` }).waitFor();
      await page.goBack();
      await expectPage(page, `/${seg}/${db.instanceId}`, label);
      await poll(() => picker.inputValue()).toBe(db.instanceId);
    }
    // The navigation's per-instance links now keep the instance last picked.
    expect(await navLink(page, "Git").getAttribute("href")).toBe(`/git/${db.instanceId}`);
    expect(errors).toEqual([]);
  }, 180_000);

  it("opens each Settings and Admin sub-page by its address and by its sub-navigation", async () => {
    errors.length = 0;
    for (const [section, base, pages] of [["Settings", "/settings", SETTINGS], ["Admin", "/manage", ADMIN]] as const) {
      const sub = page.getByRole("navigation", { name: section });
      const check = async (id: string, label: string, heading: string) => {
        await expectPage(page, `${base}/${id}`, section);
        await page.getByRole("main").getByRole("heading", { level: 2, name: heading, exact: true }).first().waitFor();
        expect(await page.title()).toBe(tabTitle(label, section));
        expect(await sub.locator('a[aria-current="page"]').allTextContents()).toEqual([label]);
        expect(await currentLinks(page)).toEqual([section]);
      };
      for (const [id, label, heading] of pages) {
        await go(`${base}/${id}`);
        await check(id, label, heading);
      }
      expect(await sub.getByRole("link").allTextContents()).toEqual(pages.map(([, l]) => l));
      // From the last one (where the addresses left it) back to the first.
      for (const [id, label, heading] of [...pages].reverse().slice(1)) {
        await sub.getByRole("link", { name: label, exact: true }).click();
        await check(id, label, heading);
      }
      await page.goBack();
      await poll(() => path(page)).toBe(`${base}/${pages[1][0]}`);
    }
    // The account menu's "Your settings" is Profile and password.
    await page.getByRole("banner").getByRole("button", { name: /^Account: / }).click();
    await page.getByRole("banner").getByRole("link", { name: "Your settings", exact: true }).click();
    await expectPage(page, "/settings/profile", "Settings");
    expect(errors).toEqual([]);
  }, 180_000);

  it("shows unknown addresses as the in-app not-found page, and leaves the Worker's own paths (API, docs, health) to the Worker", async () => {
    errors.length = 0;
    for (const [at, heading, says] of [
      ["/no-such-page", "Page not found", "There is no page at /no-such-page."],
      ["/settings/nope", "Page not found", "There is no page at /settings/nope."],
      ["/manage/nope", "Page not found", "There is no page at /manage/nope."],
      ["/instances/ins_missing", "Instance not found", "No instance ins_missing is visible to you"],
      ["/git/ins_missing", "Git", "No instance ins_missing is visible to you."],
    ] as const) {
      const res = await go(at);
      // Served by the single-page fallback (200), the not-found is the app's own page.
      expect(res!.status()).toBe(200);
      await expectPage(page, at, heading);
      await page.getByRole("main").getByText(says, { exact: false }).waitFor();
      expect(await page.title()).toBe(heading === "Git" ? tabTitle("Git") : tabTitle(heading));
      // The navigation is still there, every link of it.
      expect(await mainNav(page).getByRole("link").allTextContents()).toEqual(NAV.map((n) => n.label));
    }
    await page.getByRole("main").getByRole("link", { name: "Choose another" }).click();
    await expectPage(page, "/git", "Git");
    await go("/no-such-page");
    await page.getByRole("main").getByRole("link", { name: "Go to your instances" }).click();
    await expectPage(page, "/instances", "Instances");

    // The Worker's paths, opened in the browser as a navigation (Sec-Fetch-Mode: navigate): not the app.
    const apiMiss = await go("/api/nope");
    expect(apiMiss!.status()).toBe(404);
    expect(apiMiss!.headers()["content-type"]).toMatch(/^application\/json/);
    expect(await apiMiss!.json()).toEqual({ error: { code: "E-NOT-FOUND", message: expect.stringContaining("/api/nope") } });
    expect(await page.locator("#app").count()).toBe(0);

    const docs = await go("/docs");
    expect(docs!.status()).toBe(200);
    expect(await page.locator("#app").count()).toBe(0);
    expect(await mainNav(page).count()).toBe(0);
    expect(await page.title()).toBe("Anchorage API");

    const health = await go("/healthz");
    expect(health!.status()).toBe(200);
    expect(health!.headers()["content-type"]).toMatch(/^application\/json/);
    expect(await health!.json()).toMatchObject({ status: "ok" });
    const openapi = await go("/openapi.json");
    expect(openapi!.headers()["content-type"]).toMatch(/^application\/json/);
    expect((await openapi!.json()).openapi).toMatch(/^3\./);
    // The 404 of /api/nope is the one error a page showed here: the browser logs a failed navigation.
    expect(errors.filter((e) => !e.startsWith("/api/nope:"))).toEqual([]);
  }, 120_000);

  it("opens the command palette with Ctrl+K: an instance by its name, a settings page by a word, Enter goes and Esc closes with focus back", async () => {
    errors.length = 0;
    await go("/proxies");
    await expectPage(page, "/proxies", "Proxies");
    const dialog = page.getByRole("dialog", { name: "Command palette" });
    const box = dialog.getByRole("combobox");

    await openPalette(page);
    expect(await box.getAttribute("aria-label")).toBe("Search pages, instances and actions");
    await page.keyboard.type(webName);
    // The instance first (its tabs after it), marked as the active option.
    await poll(() => dialog.getByRole("option").first().textContent()).toBe(`${webName}Instance`);
    expect(await dialog.getByRole("option", { selected: true }).textContent()).toBe(`${webName}Instance`);
    await page.keyboard.press("Enter");
    await expectPage(page, `/instances/${web.instanceId}`, webName);
    expect(await dialog.count()).toBe(0);
    // Where it went, focus is on the page's <h1> (not back on what opened the palette).
    await poll(() => focusOnH1(page)).toBe(true);

    await openPalette(page);
    await page.keyboard.type("tokens");
    await page.keyboard.press("Enter");
    await expectPage(page, "/settings/tokens", "Settings");
    await page.getByRole("main").getByRole("heading", { name: "API tokens", exact: true }).waitFor();

    // Arrow keys choose among the results.
    await openPalette(page);
    await page.keyboard.type(dbName);
    await poll(() => dialog.getByRole("option").first().textContent()).toBe(`${dbName}Instance`);
    await page.keyboard.press("ArrowDown");
    expect(await dialog.getByRole("option", { selected: true }).textContent()).toBe(`${dbName} › TerminalInstance`);
    await page.keyboard.press("Enter");
    await expectPage(page, `/instances/${db.instanceId}/terminal`, dbName);

    // Esc closes it, and focus is back where it was; nothing moved.
    await go("/shares");
    await expectPage(page, "/shares", "Shares");
    await navLink(page, "Pods").focus();
    await openPalette(page);
    await page.keyboard.type("nothing-is-called-this");
    await dialog.getByText("Nothing matches “nothing-is-called-this”.").waitFor();
    await page.keyboard.press("Escape");
    await poll(() => dialog.count()).toBe(0);
    expect(await focusedText(page)).toBe("Pods");
    expect(path(page)).toBe("/shares");
    // The header's button opens it as well.
    await page.getByRole("banner").getByRole("button", { name: /^Search and go/ }).click();
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await poll(async () => (await focusedText(page))?.startsWith("Search and go")).toBe(true);
    expect(errors).toEqual([]);
  }, 120_000);

  it("fits the Instances page with two instances in at most two screen heights at 1280×800", async () => {
    errors.length = 0;
    await go("/instances");
    await expectPage(page, "/instances", "Instances");
    const rows = page.getByRole("region", { name: "Your instances" }).getByRole("row");
    await poll(() => rows.count()).toBe(3); // the head and two instances
    await page.getByRole("img", { name: new RegExp(`^CPU of ${webName}`) }).waitFor();
    expect(page.viewportSize()).toEqual({ width: 1280, height: 800 });
    const size = await page.evaluate<{ height: number; width: number }>("({ height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth })");
    expect(size.height).toBeLessThanOrEqual(1600);
    expect(size.width).toBeLessThanOrEqual(1280);
    expect(errors).toEqual([]);
  }, 60_000);

  it("shows the second person the shared instance under Shared with me, who shared it and until when, and nothing else of the owner's", async () => {
    const friendErrors: string[] = [];
    const { ctx, page: p } = await signedIn(friend, { viewport: { width: 1280, height: 800 } });
    watchConsole(p, friendErrors);
    try {
      await p.goto(`${origin()}/instances`);
      await expectPage(p, "/instances", "Instances");
      const shared = p.getByRole("region", { name: "Shared with me" });
      const row = shared.getByRole("row").filter({ has: p.getByRole("link", { name: webName, exact: true }) });
      await row.waitFor();
      // Who shared it, what they may do, until when.
      await poll(() => row.innerText()).toContain(owner.email);
      expect(await row.innerText()).toContain("read, terminal");
      expect(Date.parse((await row.locator("time").getAttribute("datetime"))!)).toBe(shareEnds.getTime());
      // They own none: no table of their own, the way to anchor one instead.
      await p.getByRole("region", { name: "Your instances" }).getByText("No instances yet.", { exact: false }).waitFor();
      expect(await p.getByRole("region", { name: "Your instances" }).getByRole("row").count()).toBe(0);
      expect(await p.getByRole("main").innerText()).not.toContain(dbName);
      // No Admin for them.
      expect(await mainNav(p).getByRole("link").allTextContents()).toEqual(NAV.filter((n) => n.label !== "Admin").map((n) => n.label));

      // It opens, with the tabs the share allows.
      await row.getByRole("link", { name: webName, exact: true }).click();
      await expectPage(p, `/instances/${web.instanceId}`, webName);
      expect(await p.getByRole("tablist", { name: webName }).getByRole("tab").allTextContents()).toEqual(["Overview", "Terminal", "Files", "Logs", "Metrics", "Proxy", "Config"]);

      // The other instance nowhere: not in a page, not in a picker, not in the palette.
      for (const at of ["/proxies", "/sync", "/git", "/terminal", "/logs", "/pods", "/shares", "/activity", "/settings/tokens"]) {
        await p.goto(origin() + at);
        await poll(() => h1(p).count()).toBe(1);
        await p.waitForLoadState("networkidle");
        const text = `${await p.getByRole("main").innerText()} ${(await p.locator("option").evaluateAll((os) => os.map((o) => o.getAttribute("value")))).join(" ")}`;
        expect(text, at).not.toContain(dbName);
        expect(text, at).not.toContain(db.instanceId);
      }
      await openPalette(p);
      await p.keyboard.type(dbName);
      await p.getByRole("dialog").getByText(`Nothing matches “${dbName}”.`).waitFor();
      await p.keyboard.press("Escape");

      // Its address: the instance page's own not-found, and Admin is not there for them either.
      await p.goto(`${origin()}/instances/${db.instanceId}`);
      await expectPage(p, `/instances/${db.instanceId}`, "Instance not found");
      await p.getByRole("main").getByText(`No instance ${db.instanceId} is visible to you`, { exact: false }).waitFor();
      await p.goto(`${origin()}/manage/users`);
      await expectPage(p, "/manage/users", "Page not found");
      expect((await api("/api/cloud/instances", { token: friend.token })).body.instances.map((i: { id: string }) => i.id)).toEqual([web.instanceId]);
      expect(friendErrors).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 180_000);

  it("at phone width (390×844) hides the navigation behind the Menu button, and no page is wider than the phone", async () => {
    const phoneErrors: string[] = [];
    const { ctx, page: p } = await signedIn(owner, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    watchConsole(p, phoneErrors);
    try {
      await p.goto(`${origin()}/instances`);
      await expectPage(p, "/instances", "Instances");
      const menu = p.getByRole("banner").getByRole("button", { name: "Menu", exact: true });
      expect(await menu.getAttribute("aria-expanded")).toBe("false");
      expect(await mainNav(p).isVisible()).toBe(false);
      await menu.click();
      expect(await menu.getAttribute("aria-expanded")).toBe("true");
      await mainNav(p).waitFor();
      expect(await navLink(p, "Shares").isVisible()).toBe(true);
      await navLink(p, "Shares").click();
      await expectPage(p, "/shares", "Shares");
      await poll(() => menu.getAttribute("aria-expanded")).toBe("false");
      expect(await mainNav(p).isVisible()).toBe(false);
      // Esc closes it too, focus staying on the button.
      await menu.click();
      await mainNav(p).waitFor();
      await p.keyboard.press("Escape");
      await poll(() => mainNav(p).isVisible()).toBe(false);

      const pages: [string, string][] = [
        ["/instances", "Instances"],
        ["/proxies", "Proxies"],
        ["/sync", "File sync"],
        ["/git", "Git"],
        ["/terminal", "Terminal"],
        ["/logs", "Logs"],
        ["/shares", "Shares"],
        ["/pods", "Pods"],
        ["/activity", "Activity"],
        ...PER_INSTANCE.map(([seg, label]): [string, string] => [`/${seg}/${web.instanceId}`, label]),
        ...TABS.map(([id]): [string, string] => [id === "overview" ? `/instances/${web.instanceId}` : `/instances/${web.instanceId}/${id}`, webName]),
        ...SETTINGS.map(([id]): [string, string] => [`/settings/${id}`, "Settings"]),
        ...ADMIN.map(([id]): [string, string] => [`/manage/${id}`, "Admin"]),
        ["/no-such-page", "Page not found"],
      ];
      const wide: string[] = [];
      for (const [at, name] of pages) {
        await p.goto(origin() + at);
        await expectPage(p, at, name);
        await p.waitForLoadState("networkidle");
        const w = await p.evaluate<{ scroll: number; culprits: string[] }>(`({
          scroll: document.documentElement.scrollWidth,
          // The outermost elements reaching past the right edge, to say what overflows.
          culprits: [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > 390.5 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > 390.5))
            .map((el) => el.outerHTML.slice(0, 120)),
        })`);
        if (w.scroll > 390) wide.push(`${at}: ${w.scroll} px, from ${w.culprits.join(" | ")}`);
      }
      expect(wide).toEqual([]);
      expect(phoneErrors).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 240_000);

  it("says on each page of an offline instance that it is offline, makes no failing request and logs no console error", async () => {
    errors.length = 0;
    await go("/instances");
    await expectPage(page, "/instances", "Instances");
    const row = page.getByRole("region", { name: "Your instances" }).getByRole("row").filter({ has: page.getByRole("link", { name: dbName, exact: true }) });
    await poll(() => row.innerText()).toContain("Online");
    const failed: string[] = [];
    page.on("response", (r) => r.status() >= 500 && failed.push(`${r.status()} ${new URL(r.url()).pathname}`));

    db.run.child.kill("SIGKILL");
    // The page hears it on its event socket: no reload.
    await expect.poll(() => row.innerText(), { timeout: 30_000 }).toContain("Offline");

    const toolbarSays = () => page.getByRole("toolbar", { name: `Quick actions for ${dbName}` }).getByText("Offline: actions wait for the agent.").waitFor();
    /** Where the agent is needed, the page says so in these words. */
    const needsAgent: Record<string, string> = {
      terminal: "The instance is offline: a new terminal can open once it is back.",
      files: `${dbName} is offline, so you cannot browse its files right now.`,
      git: `${dbName} is offline, so you cannot use git on it right now.`,
      sync: `${dbName} is offline, so its folders cannot be listed right now.`,
    };
    // Each tab, from the Overview by its links (in the page), then each by its address (a fresh load).
    await row.getByRole("link", { name: dbName, exact: true }).click();
    await expectPage(page, `/instances/${db.instanceId}`, dbName);
    for (const load of ["click", "address"] as const) {
      for (const [id, label] of TABS) {
        const at = id === "overview" ? `/instances/${db.instanceId}` : `/instances/${db.instanceId}/${id}`;
        if (load === "click") await page.getByRole("tablist", { name: dbName }).getByRole("tab", { name: label, exact: true }).click();
        else await go(at);
        await expectPage(page, at, dbName);
        await toolbarSays();
        expect(await page.getByRole("main").locator(".page-head").innerText()).toContain("Offline");
        if (needsAgent[id]) await page.getByRole("main").getByText(needsAgent[id]!, { exact: false }).waitFor();
        await page.waitForLoadState("networkidle");
      }
    }
    for (const [seg, label] of PER_INSTANCE) {
      await go(`/${seg}/${db.instanceId}`);
      await expectPage(page, `/${seg}/${db.instanceId}`, label);
      await toolbarSays();
      expect(await page.getByRole("main").getByLabel("Instance", { exact: true }).locator("option:checked").textContent()).toBe(`${dbName} (offline)`);
      if (needsAgent[seg]) await page.getByRole("main").getByText(needsAgent[seg]!, { exact: false }).waitFor();
      await page.waitForLoadState("networkidle");
    }
    // And the pages across instances, with one of them offline.
    for (const [at, name] of [["/instances", "Instances"], ["/sync", "File sync"], ["/proxies", "Proxies"], ["/activity", "Activity"], ["/manage/everything", "Admin"]] as const) {
      await go(at);
      await expectPage(page, at, name);
      await page.waitForLoadState("networkidle");
    }
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  }, 180_000);
});
