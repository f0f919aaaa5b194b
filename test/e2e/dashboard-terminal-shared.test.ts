import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { openInstanceTab, waitForPage } from "./dashboard-shell.ts";

/** The lines xterm's DOM renderer shows, trimmed (it pads rows with spaces). */
const screenLines = (page: Page) => page.locator(".xterm-rows > div").evaluateAll((rows) => rows.map((r) => (r.textContent ?? "").trim()));

/**
 * A shared terminal in two browsers: the owner shares their open shell from its Share button with
 * someone who has terminal access; that person's Terminal tab shows the invite live, Join opens the
 * session, they see `echo hi` typed by the owner and their own keys are refused; the owner sees
 * who is watching.
 */
describe.runIf(hasChromium() || process.env.CI)("a shared terminal in two browsers", () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-dash-shared-")));
  let owner: TestUser;
  let watcher: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;

  beforeAll(async () => {
    owner = await freshUser("dash-host");
    watcher = await freshUser("dash-watcher");
    agent = await startAgent(owner.token, `name: pair-box\nroots: [${JSON.stringify(root)}]\nterminal: { shell: /bin/bash }\n`);
    await until(async () => (await api(`/api/cloud/instance/${agent.instanceId}`, { token: owner.token })).body.status === "online", 20_000);
    const share = await api("/api/cloud/shares/save", { token: owner.token, body: { grantee_email: watcher.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance", "terminal:cloud_instance"] } });
    expect(share.status).toBe(200);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    agent?.run.child.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  });

  async function terminalPage(user: TestUser) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInContext(context, `http://localhost:${inject("port")}`, user.email, user.password);
    await page.goto(`http://localhost:${inject("port")}/instances/${agent.instanceId}`);
    await waitForPage(page, "pair-box");
    await openInstanceTab(page, "Terminal");
    return page;
  }

  it("shares an open shell from its Share button; the other person joins from the invite, watches, and cannot type", async () => {
    const host = await terminalPage(owner);
    await host.getByText("Connected.").waitFor();
    const guest = await terminalPage(watcher);
    await guest.getByText("Connected.").waitFor(); // their own first shell, opened by the tab

    await host.getByRole("button", { name: "Share Terminal 1" }).click();
    const form = host.getByRole("form", { name: "Share Terminal 1" });
    await form.getByLabel("Their email").fill(watcher.email);
    await form.getByRole("button", { name: "Invite" }).click();
    await form.getByText(`Invited ${watcher.email} to watch.`).waitFor();

    // Heard live on the other dashboard: Join opens the owner's session in a tab of its own.
    const join = guest.getByRole("button", { name: /^Join .*'s terminal$/ });
    await join.waitFor();
    await join.click();
    await host.getByText(/In this session: .* watching/).waitFor();

    const input = host.getByRole("textbox", { name: "Terminal 1" });
    await input.focus();
    await host.keyboard.type("echo hi-$((40+2))");
    await host.keyboard.press("Enter");
    await expect.poll(() => screenLines(guest), { timeout: 15_000 }).toContain("hi-42");

    // The watcher's keys are refused, and never reach the owner's shell.
    const guestInput = guest.getByRole("textbox", { name: /'s terminal$/ });
    await guestInput.focus();
    await guest.keyboard.type("echo from-guest");
    await guest.getByText("You are watching: your keys do not reach this shell.").waitFor();
    expect((await screenLines(host)).some((l) => l.includes("from-guest"))).toBe(false);
  });
});
