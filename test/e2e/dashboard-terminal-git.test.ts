import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { openFromNav, openInstanceTab, waitForPage } from "./dashboard-shell.ts";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "Seed", GIT_AUTHOR_EMAIL: "seed@example.test", GIT_COMMITTER_NAME: "Seed", GIT_COMMITTER_EMAIL: "seed@example.test" } });

/** Runs in the page before its scripts: every terminal socket it opens is kept in `window.terminalSockets`. */
const TRACK_TERMINAL_SOCKETS = `(() => {
  const Native = window.WebSocket;
  window.terminalSockets = [];
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      if (String(url).includes("/terminal?")) window.terminalSockets.push(this);
    }
  };
})()`;

/** The lines xterm's DOM renderer shows, trimmed (it pads rows with spaces). */
const screenLines = (page: Page) => page.locator(".xterm-rows > div").evaluateAll((rows) => rows.map((r) => (r.textContent ?? "").trim()));

/**
 * The dashboard's terminal and git panels in a real browser, on a real agent with a real shell
 * and a real repository: type into xterm and read the answer, survive a dropped socket without
 * losing or repeating output, end the shell by closing its tab, then stage, commit and find the commit.
 */
describe.runIf(hasChromium() || process.env.CI)("dashboard terminal and git in Chromium", () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-dash-tty-git-")));
  const root = join(base, "root");
  const app = join(root, "app");
  let owner: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  let page: Page;
  let instanceName = "";

  beforeAll(async () => {
    mkdirSync(app, { recursive: true });
    git(app, "init", "-q", "-b", "main");
    writeFileSync(join(app, "README.md"), "hello\n");
    git(app, "add", "README.md");
    git(app, "commit", "-q", "-m", "first");
    writeFileSync(join(app, "notes.txt"), "written before the dashboard opened\n");
    owner = await freshUser("dash-tty-git");
    agent = await startAgent(owner.token, `name: dash-box\nroots: [${JSON.stringify(root)}]\nterminal: { shell: /bin/bash }\n`);
    const instance = await until(async () => {
      const r = await api(`/api/cloud/instance/${agent.instanceId}`, { token: owner.token });
      // Online, and its name taken from config.yaml (applied when the agent says hello).
      return r.body.status === "online" && r.body.name === "dash-box" && r.body;
    }, 20_000);
    instanceName = instance.name;

    browser = await launchChromium();
    page = await browser.newPage();
    // Keep a handle on the terminal sockets the page opens, so a test can cut one like a network drop would.
    await page.addInitScript(TRACK_TERMINAL_SOCKETS);
    await signInContext(page.context(), `http://localhost:${inject("port")}`, owner.email, owner.password);
    await page.goto(`http://localhost:${inject("port")}/instances`);
    // The instance's name in the list is the link to its page.
    await page.getByRole("main").getByRole("link", { name: instanceName, exact: true }).click();
    await waitForPage(page, instanceName);
    expect(new URL(page.url()).pathname).toBe(`/instances/${agent.instanceId}`);
  });
  afterAll(async () => {
    await browser?.close();
    agent?.run.child.kill("SIGKILL");
    rmSync(base, { recursive: true, force: true });
  });

  it("opens a shell, runs a command typed into xterm, reattaches after a drop, ends the shell when its tab closes, and shows an exit code", async () => {
    // The instance's Terminal tab opens the first shell by itself.
    await openInstanceTab(page, "Terminal");
    expect(new URL(page.url()).pathname).toBe(`/instances/${agent.instanceId}/terminal`);
    const terminals = page.getByRole("tablist", { name: "Open terminals" });
    const input = page.getByRole("textbox", { name: "Terminal 1" });
    await input.waitFor();
    await page.getByText("Connected.").waitFor();
    await input.focus();
    await page.keyboard.type("echo $((6*7))");
    await page.keyboard.press("Enter");
    await expect.poll(() => screenLines(page), { timeout: 15_000 }).toContain("42");

    // A dropped socket (as a network cut would close it): the tab reattaches with what it has, nothing repeated.
    const session = await until(async () => {
      const r = await api(`/api/cloud/instance/${agent.instanceId}/terminals`, { token: owner.token });
      return r.body.sessions?.find((s: any) => !s.ended_at);
    });
    await page.evaluate("window.terminalSockets.at(-1).close()");
    await expect.poll(() => page.evaluate<number>("window.terminalSockets.length")).toBe(2);
    await page.getByText("Connected.").waitFor();
    const reattach = await page.evaluate<string>("window.terminalSockets[1].url");
    expect(reattach).toContain(`session=${session.id}`);
    expect(reattach).toMatch(/since=[1-9]\d*/);
    await input.focus();
    await page.keyboard.type("echo after-$((1+1))");
    await page.keyboard.press("Enter");
    await expect.poll(() => screenLines(page), { timeout: 15_000 }).toContain("after-2");
    expect((await screenLines(page)).filter((l) => l === "42")).toHaveLength(1);

    // A quick command is typed into the shell, Enter included: `pwd` prints the shell's folder, the first root.
    await page.getByRole("button", { name: "Where am I: types pwd && ls -la" }).click();
    await expect.poll(() => screenLines(page), { timeout: 15_000 }).toContain(root);
    // `ls -la` may reach the screen in a later frame than `pwd`'s line, so wait for it as well.
    await expect.poll(async () => (await screenLines(page)).some((l) => l.endsWith(" app")), { timeout: 15_000 }).toBe(true);

    // Closing the tab ends the shell on the instance, not just the socket.
    await page.getByRole("button", { name: "Close Terminal 1" }).click();
    await expect.poll(() => terminals.getByRole("tab").count()).toBe(0);
    const ended = await until(async () => {
      const r = await api(`/api/cloud/instance/${agent.instanceId}/terminals`, { token: owner.token });
      return r.body.sessions?.find((s: any) => s.id === session.id && s.ended_at);
    });
    expect(ended.end_reason).toBe("closed");

    // A shell that exits says how, in the tab and in words.
    await page.getByRole("button", { name: "New terminal" }).click();
    const second = page.getByRole("textbox", { name: "Terminal 2" });
    await second.waitFor();
    await page.getByText("Connected.").waitFor();
    await second.focus();
    await page.keyboard.type("exit 3");
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "The shell exited with code 3." }).waitFor();
    await terminals.getByRole("tab", { name: "Terminal 2 (exited)" }).waitFor();

    // Tab goes to the shell (completion); Escape, then Tab, leaves the terminal, so it is no keyboard trap.
    await second.focus();
    await page.keyboard.press("Tab");
    expect(await second.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    expect(await second.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(false);
  });

  it("attaches the shells left open when the page is left and come back to, and after a reload; a closed one is not", async () => {
    const live = async () => {
      const r = await api(`/api/cloud/instance/${agent.instanceId}/terminals`, { token: owner.token });
      return (r.body.sessions as any[]).filter((s) => !s.ended_at).map((s) => s.id as string).sort();
    };
    await openInstanceTab(page, "Overview");
    await openInstanceTab(page, "Terminal");
    const input = page.getByRole("textbox", { name: "Terminal 1" });
    await input.waitFor();
    await page.getByText("Connected.").waitFor();
    await input.focus();
    await page.keyboard.type("export KEPT=shell-$((40+2))");
    await page.keyboard.press("Enter");
    const before: string[] = await until(async () => {
      const ids = await live();
      return ids.length === 1 ? ids : null;
    });

    // Away and back: the same shell (its variable is set), its output replayed, and no new shell.
    await openInstanceTab(page, "Overview");
    await expect.poll(() => page.getByRole("textbox", { name: "Terminal 1" }).count()).toBe(0);
    await openInstanceTab(page, "Terminal");
    await input.waitFor();
    await page.getByText("Connected.").waitFor();
    await input.focus();
    await page.keyboard.type('echo "kept:$KEPT"');
    await page.keyboard.press("Enter");
    await expect.poll(() => screenLines(page), { timeout: 15_000 }).toContain("kept:shell-42");
    expect(await live()).toEqual(before);
    const attached = await page.evaluate<string>("window.terminalSockets.at(-1).url");
    expect(attached).toContain(`session=${before[0]}`);

    // A reload finds it too (this browser tab remembers it; the server still runs it).
    await page.reload();
    await input.waitFor();
    await page.getByText("Connected.").waitFor();
    await input.focus();
    await page.keyboard.type('echo "again:$KEPT"');
    await page.keyboard.press("Enter");
    await expect.poll(() => screenLines(page), { timeout: 15_000 }).toContain("again:shell-42");
    expect(await live()).toEqual(before);

    // Closed, it is forgotten: the next visit starts a fresh shell.
    await page.getByRole("button", { name: "Close Terminal 1" }).click();
    await expect.poll(live, { timeout: 15_000 }).toEqual([]);
    await openInstanceTab(page, "Overview");
    await openInstanceTab(page, "Terminal");
    await input.waitFor();
    await page.getByText("Connected.").waitFor();
    await input.focus();
    await page.keyboard.type('echo "fresh:${KEPT:-unset}"');
    await page.keyboard.press("Enter");
    await expect.poll(() => screenLines(page), { timeout: 15_000 }).toContain("fresh:unset");
    const now = await live();
    expect(now).toHaveLength(1);
    expect(now).not.toEqual(before);
    await page.getByRole("button", { name: "Close Terminal 1" }).click();
    await expect.poll(live, { timeout: 15_000 }).toEqual([]);
  });

  it("shows the agent's config as it reported it, and the command that anchors another machine with this address", async () => {
    // The Config tab shows it at once (no longer a collapsed part of a long page).
    await openInstanceTab(page, "Config");
    expect(new URL(page.url()).pathname).toBe(`/instances/${agent.instanceId}/config`);
    const config = page.getByRole("region", { name: `${instanceName}'s config` }).or(page.getByLabel(`${instanceName}'s config`));
    await config.waitFor();
    const text = (await config.textContent()) ?? "";
    expect(JSON.parse(text)).toMatchObject({ name: "dash-box", roots: [root], terminal: { shell: "/bin/bash" } });
    const origin = `http://localhost:${inject("port")}`;
    const command = `curl -fsSL ${origin}/install.sh | sh\nanchorage anchor ${origin} && anchorage run`;
    // The command is on the Instances page, under the list (folded away once you have an instance).
    await openFromNav(page, "Instances");
    await page.getByRole("main").getByText("Anchor a machine", { exact: true }).click();
    expect(await page.locator("#anchor-command-text").textContent()).toBe(command);
    // The first line's address serves the installer, for this very address.
    const installer = await fetch(`${origin}/install.sh`);
    expect(installer.status).toBe(200);
    expect(await installer.text()).toContain(`SERVER='${origin}'\n`);
  });

  it("stages an untracked file, commits it, and shows the commit in the history", async () => {
    await page.getByRole("main").getByRole("link", { name: instanceName, exact: true }).click();
    await waitForPage(page, instanceName);
    await openInstanceTab(page, "Git");
    expect(new URL(page.url()).pathname).toBe(`/instances/${agent.instanceId}/git`);
    await page.getByLabel("Repository").selectOption(app);
    const untracked = page.getByRole("region", { name: /^Not staged/ }).getByRole("listitem").filter({ hasText: "notes.txt" });
    await expect.poll(async () => (await untracked.textContent()) ?? "").toContain("untracked");
    await page.getByRole("button", { name: "Stage notes.txt" }).click();
    await page.getByRole("button", { name: "Unstage notes.txt" }).waitFor();

    await page.getByLabel("Commit message").fill("Notes, committed from the dashboard");
    await page.getByRole("button", { name: "Commit", exact: true }).click();
    const history = page.getByRole("list", { name: "History" });
    await expect.poll(async () => (await history.textContent()) ?? "", { timeout: 15_000 }).toContain("Notes, committed from the dashboard");
    await expect.poll(async () => (await page.getByRole("status").allTextContents()).join(" ")).toMatch(/Committed [0-9a-f]{7}: Notes, committed from the dashboard/);

    // The commit is real, in the signed-in user's name, and the working tree is clean again.
    expect(git(app, "log", "-1", "--format=%ae|%s").trim()).toBe(`${owner.email}|Notes, committed from the dashboard`);
    await page.getByText("Nothing to commit: the working tree is clean.").waitFor();

    // A commit opens its diff, the added lines marked as such.
    await history.getByRole("button", { name: "Notes, committed from the dashboard" }).click();
    await page.getByRole("heading", { name: /^Commit [0-9a-f]{7}: Notes, committed from the dashboard$/ }).waitFor();
    await expect.poll(() => page.locator(".diff-add").allTextContents()).toContain("+written before the dashboard opened");
  });
});
