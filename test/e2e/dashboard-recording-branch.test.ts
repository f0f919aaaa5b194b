import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { openInstanceTab, waitForPage } from "./dashboard-shell.ts";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "Seed", GIT_AUTHOR_EMAIL: "seed@example.test", GIT_COMMITTER_NAME: "Seed", GIT_COMMITTER_EMAIL: "seed@example.test" } });

const screenLines = (page: Page) => page.locator(".xterm-rows > div").evaluateAll((rows) => rows.map((r) => (r.textContent ?? "").trim()));

/**
 * The dashboard shows what is stored: a recorded session offers its download (of the size the
 * API reports, the bytes the file has) while it runs and after it ended, and the git panel's
 * repository picker names the branch a checkout switched to.
 */
describe.runIf(hasChromium() || process.env.CI)("dashboard recordings and the repository picker in Chromium", () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-dash-rec-")));
  const root = join(base, "root");
  const app = join(root, "app");
  let owner: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(app, { recursive: true });
    git(app, "init", "-q", "-b", "main");
    writeFileSync(join(app, "README.md"), "hello\n");
    git(app, "add", "README.md");
    git(app, "commit", "-q", "-m", "first");
    git(app, "branch", "feature");
    owner = await freshUser("dash-rec");
    agent = await startAgent(owner.token, `name: rec-box\nroots: [${JSON.stringify(root)}]\nterminal: { shell: /bin/bash, record: true }\n`);
    await until(async () => {
      const r = await api(`/api/cloud/instance/${agent.instanceId}`, { token: owner.token });
      return r.body.status === "online" && r.body.name === "rec-box";
    }, 20_000);
    browser = await launchChromium();
    page = await browser.newPage({ acceptDownloads: true });
    await signInContext(page.context(), `http://localhost:${inject("port")}`, owner.email, owner.password);
    // The instance's page, by its address.
    await page.goto(`http://localhost:${inject("port")}/instances/${agent.instanceId}`);
    await waitForPage(page, "rec-box");
  });
  afterAll(async () => {
    await browser?.close();
    agent?.run.child.kill("SIGKILL");
    rmSync(base, { recursive: true, force: true });
  });

  it("offers a recorded session's download while it runs and after it ended, of the size the API and the file agree on", async () => {
    // The Terminal tab opens a shell by itself, and lists the instance's sessions under it.
    await openInstanceTab(page, "Terminal");
    const input = page.getByRole("textbox", { name: "Terminal 1" });
    await input.waitFor();
    await page.getByText("Connected.").first().waitFor();
    await input.focus();
    await page.keyboard.type("for i in $(seq 1 200); do echo recorded-line-$i; done");
    await page.keyboard.press("Enter");
    await expect.poll(() => screenLines(page), { timeout: 15_000 }).toContain("recorded-line-200");

    const sessions = page.getByRole("region", { name: "Terminal sessions" });
    const download = sessions.getByRole("link", { name: /^Download recording/ });
    // Still running: the part stored so far is there to download.
    await download.waitFor({ timeout: 30_000 });
    const running = (await api(`/api/cloud/instance/${agent.instanceId}/terminals`, { token: owner.token })).body.sessions[0];
    expect(running.ended_at).toBeNull();
    expect(running.recording_bytes).toBeGreaterThan(0);

    await input.focus();
    await page.keyboard.type("exit 0");
    await page.keyboard.press("Enter");
    await page.getByRole("tablist", { name: "Open terminals" }).getByRole("tab", { name: "Terminal 1 (exited)" }).waitFor();
    const ended = await until(async () => {
      const s = (await api(`/api/cloud/instance/${agent.instanceId}/terminals`, { token: owner.token })).body.sessions[0];
      return s.ended_at && s;
    });
    const stored = await fetch(`http://localhost:${inject("port")}/api/cloud/terminals/${ended.id}/recording`, { headers: { authorization: `Bearer ${owner.token}` } });
    const bytes = Buffer.from(await stored.arrayBuffer());
    expect(bytes.toString("utf8")).toContain("recorded-line-200");
    expect(ended.recording_bytes).toBe(bytes.length);

    // The dashboard says the same, and its download is that file.
    await expect.poll(async () => (await sessions.textContent()) ?? "", { timeout: 15_000 }).toMatch(/Exited 0/);
    await download.waitFor();
    expect(await sessions.getByText("Not recorded.").count()).toBe(0);
    const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
    expect(readFileSync((await file.path())!).length).toBe(bytes.length);
  });

  it("names the new branch in the repository picker after a checkout", async () => {
    await openInstanceTab(page, "Git");
    const picker = page.getByLabel("Repository");
    await picker.selectOption(app);
    await expect.poll(() => picker.locator("option:checked").textContent()).toBe(`${app} (main)`);
    await page.getByRole("button", { name: "Switch to feature" }).click();
    await page.getByText("On branch feature at", { exact: false }).waitFor();
    expect(git(app, "branch", "--show-current").trim()).toBe("feature");
    await expect.poll(() => picker.locator("option:checked").textContent()).toBe(`${app} (feature)`);
  });
});
