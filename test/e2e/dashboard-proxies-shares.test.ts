import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { openFromNav, waitForPage } from "./dashboard-shell.ts";
import { startLocalApp, type LocalApp } from "./local-apps.ts";
import { openTerminal } from "./terminal-client.ts";

/**
 * The dashboard's proxies, shares, terminal sessions and activity screens in a real browser, on a
 * real agent publishing a real local app: a proxy paused in the page answers visitors 503 with the
 * reason typed there, and resumed it answers again; an instance shared in the page reaches the
 * other person (with what was ticked, then edited), and revoked there stops reaching them; a
 * terminal session's recording is downloaded from the page; one's own audit entries are listed.
 */
describe.runIf(hasChromium() || process.env.CI)("dashboard proxies, shares and activity in Chromium", () => {
  const slug = `px-${Date.now().toString(36)}`;
  const origin = () => `http://localhost:${inject("port")}`;
  let app: LocalApp;
  let owner: TestUser;
  let friend: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const visit = (path: string) => fetch(`${origin()}/p/${slug}${path}`, { headers: { authorization: `Bearer ${owner.token}` } });
  const friendsInstances = async () => (await api("/api/cloud/instances", { token: friend.token })).body.instances as { id: string; permissions: string[] }[];
  /** The list item of the proxy list that holds the pause/resume button for our proxy. */
  const proxyRow = (proxies: Locator) => proxies.locator(".proxy-list > li").filter({ hasText: slug });

  beforeAll(async () => {
    app = await startLocalApp();
    owner = await freshUser("dash-px");
    friend = await freshUser("dash-px-friend");
    agent = await startAgent(
      owner.token,
      `name: px-box\nproxy: { slug: ${slug}, target: "http://127.0.0.1:${app.port}", access: users }\nterminal: { shell: /bin/sh, record: true }\n`,
    );
    await until(async () => (await visit("/id?i=1")).status === 200, 20_000);

    browser = await launchChromium();
    // The Copy buttons write to the clipboard; the test reads it back.
    context = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"], acceptDownloads: true });
    page = await context.newPage();
    await signInContext(context, origin(), owner.email, owner.password);
    await page.goto(`${origin()}/proxies`);
    await waitForPage(page, "Proxies");
  });
  afterAll(async () => {
    agent?.run.child.kill("SIGKILL");
    await browser?.close();
    await app?.close();
  });

  it("lists the proxy with its addresses, pauses it with a reason (visitors get 503 saying why) and resumes it", async () => {
    const proxies = page.getByRole("region", { name: "Proxies" });
    const row = proxyRow(proxies);
    await row.getByText("Live").waitFor();

    // With a proxy domain (locally localhost:<port>), only the host form, with Copy and Open:
    // there the app works as if direct; the path form is not offered (issue 20.5).
    const hostUrl = `http://${slug}.localhost:${inject("port")}/`;
    expect(await row.getByText(hostUrl, { exact: true }).count()).toBe(1);
    expect(await row.getByText(`${origin()}/p/${slug}/`, { exact: true }).count()).toBe(0);
    expect(await row.getByRole("link", { name: `Open ${slug} by path (new tab)` }).count()).toBe(0);
    expect(await row.getByRole("link", { name: `Open ${slug} by its own host (new tab)` }).getAttribute("href")).toBe(hostUrl);
    await row.getByRole("button", { name: `Copy address of ${slug} by its own host` }).click();
    await row.getByText("Copied.").waitFor();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(hostUrl);

    // Pause with a reason, by keyboard from the button on.
    await row.getByRole("button", { name: `Pause proxy ${slug}` }).click();
    const form = page.getByRole("form", { name: `Pause “${slug}”` });
    await expect.poll(() => page.evaluate("document.activeElement.id")).toMatch(/-pause-reason$/);
    await page.keyboard.type("upgrading the database");
    await form.getByRole("button", { name: "Pause proxy" }).click();
    await proxies.getByText(`Proxy “${slug}” paused.`).waitFor();
    await row.getByText("Visitors get 503: upgrading the database").waitFor();
    // Focus lands on the button that now resumes it.
    await expect.poll(() => page.evaluate("document.activeElement.textContent")).toBe(`Resume proxy ${slug}`);

    const paused = await visit("/id?i=2");
    expect(paused.status).toBe(503);
    expect(((await paused.json()) as { error: { message: string } }).error.message).toContain("upgrading the database");

    await row.getByRole("button", { name: `Resume proxy ${slug}` }).click();
    await proxies.getByText(`Proxy “${slug}” resumed.`).waitFor();
    await row.getByText("Live").waitFor();
    const resumed = await visit("/id?i=3");
    expect(resumed.status).toBe(200);
    expect(await resumed.text()).toBe("3");
    expect((await api("/api/cloud/proxies", { token: owner.token })).body.proxies).toEqual([expect.objectContaining({ slug, inactive: false, reason: null })]);
  });

  it("shares the instance with another person, edits what they may do, and revokes it after a confirmation", async () => {
    await openFromNav(page, "Shares");
    const shares = page.getByRole("region", { name: "Shares" });
    await shares.getByRole("button", { name: "Share an instance" }).click();
    const form = page.getByRole("form", { name: "Share an instance" });

    // Nobody by that address: the same answer as for anyone (issue 19: no enumeration), a pending
    // share that grants nothing until that address signs up, listed like the others.
    const nobody = `nobody-${slug}@e2e.test`;
    await form.getByLabel("Their email").fill(nobody);
    await form.getByRole("button", { name: "Share" }).click();
    await shares.getByText(`Shared instance “px-box” with ${nobody}.`).waitFor();
    await shares.getByRole("list", { name: "Shared by you" }).getByRole("listitem").filter({ hasText: nobody }).waitFor();
    await shares.getByRole("button", { name: "Share an instance" }).click();

    await form.getByLabel("Their email").fill(friend.email);
    expect(await form.getByLabel("Instance").inputValue()).toBe(agent.instanceId);
    // Ticking Terminal ticks “See it” too.
    await form.getByRole("checkbox", { name: /^Terminal/ }).check();
    expect(await form.getByRole("checkbox", { name: /^See it/ }).isChecked()).toBe(true);
    await form.getByRole("button", { name: "Share" }).click();
    await shares.getByText(`Shared instance “px-box” with ${friend.email}.`).waitFor();

    // They see it, with exactly those permissions.
    const shared = (await friendsInstances()).find((i) => i.id === agent.instanceId);
    expect(shared?.permissions.sort()).toEqual(["read:cloud_instance", "terminal:cloud_instance"]);

    // Edit: take the terminal away, give the proxy.
    const given = shares.getByRole("list", { name: "Shared by you" }).getByRole("listitem").filter({ hasText: friend.email });
    await given.getByText("Instance “px-box”: See it, Terminal").waitFor();
    await given.getByRole("button", { name: `Edit share with ${friend.email}` }).click();
    const edit = page.getByRole("form", { name: `Edit share with ${friend.email}, instance “px-box”` });
    await edit.getByRole("checkbox", { name: /^Terminal/ }).uncheck();
    await edit.getByRole("checkbox", { name: /^Proxy/ }).check();
    await edit.getByRole("button", { name: "Save changes" }).click();
    await shares.getByText("Share saved.").waitFor();
    await given.getByText("Instance “px-box”: See it, Proxy").waitFor();
    expect((await friendsInstances()).find((i) => i.id === agent.instanceId)?.permissions.sort()).toEqual(["proxy:cloud_instance", "read:cloud_instance"]);

    // Revoke: Escape keeps it, confirming ends it at once.
    await given.getByRole("button", { name: `Revoke share with ${friend.email}` }).click();
    await page.keyboard.press("Escape");
    expect((await friendsInstances()).some((i) => i.id === agent.instanceId)).toBe(true);
    await given.getByRole("button", { name: `Revoke share with ${friend.email}` }).click();
    await given.getByRole("button", { name: `Yes, revoke share with ${friend.email}` }).click();
    await shares.getByText(`Share with ${friend.email} revoked.`).waitFor();
    expect((await friendsInstances()).some((i) => i.id === agent.instanceId)).toBe(false);
  });

  it("lists a terminal session with how it ended, and downloads its recording", async () => {
    const t = await openTerminal(agent.instanceId, owner.token);
    expect(t.opened).toEqual({ ok: true });
    await t.session();
    t.type("echo rec-$((6*7))\nexit 3\n");
    await t.waitFor(/rec-42/);
    await until(() => t.closed());

    // The instance's Pods page (what runs on it) hears the session end on its event socket and lists it.
    await openFromNav(page, "Pods");
    await page.waitForURL(`**/pods/${agent.instanceId}`);
    const sessions = page.getByRole("region", { name: "Terminal sessions" });
    const item = sessions.getByRole("listitem").first();
    await item.getByText("Exited 3").waitFor();
    expect(await item.textContent()).toContain("You");
    const link = item.getByRole("link", { name: /^Download recording/ });
    await expect.poll(async () => (await link.count()) === 1, { timeout: 10_000 }).toBe(true);
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^tty_.+\.cast$/);
    const cast = readFileSync((await download.path())!, "utf8");
    expect(JSON.parse(cast.split("\n")[0]!)).toMatchObject({ version: 2 });
    expect(cast).toContain("rec-42");
  });

  it("shows the person's own activity, filtered by action", async () => {
    await openFromNav(page, "Activity");
    const activity = page.getByRole("region", { name: "Your activity" });
    await activity.getByRole("button", { name: "Clear" }).click();
    const list = activity.getByRole("list", { name: "Your activity" });
    await list.getByText("You paused a proxy").waitFor();
    const pausedEntry = list.getByRole("listitem").filter({ hasText: "You paused a proxy" });
    expect(await pausedEntry.textContent()).toMatch(/instance “px-box”.*reason: upgrading the database/);
    expect(await list.getByText("You revoked a share").count()).toBe(1);

    await activity.getByLabel("Action").fill("cloud.share");
    await activity.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => list.getByText("You paused a proxy").count()).toBe(0);
    expect(await list.getByText("You revoked a share").count()).toBe(1);
    expect(await list.getByText(/You shared an instance/).count()).toBe(3); // the pending one, created, then edited

    // A filter the server would refuse is said beside it.
    await activity.getByLabel("Action").fill("cloud.%");
    await activity.getByRole("button", { name: "Apply filters" }).click();
    await activity.getByText(/Letters, digits, dots/).waitFor();
  });

  it("shows the proxy's instance going offline when its agent dies, without a reload", async () => {
    await openFromNav(page, "Proxies");
    const row = proxyRow(page.getByRole("region", { name: "Proxies" }));
    await row.getByText("Live").waitFor();
    agent.run.child.kill("SIGKILL");
    await row.getByText("Instance offline").waitFor({ timeout: 30_000 });
    expect((await visit("/id?i=4")).status).toBe(503);
  });
});
