import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";

/** The lines xterm's DOM renderer shows, trimmed (it pads rows with spaces). */
const screenLines = (page: Page) => page.locator(".xterm-rows > div").evaluateAll((rows) => rows.map((r) => (r.textContent ?? "").trim()));

/**
 * The terminal's key bar on a phone (390×844, touch), with a real agent and a real shell: Ctrl
 * tapped on the bar then c typed on the keyboard interrupts `sleep 100`, the bar's keys type what a
 * phone keyboard hides, a tap never takes focus from the terminal (the phone keyboard stays up),
 * and at desktop width there is no bar.
 */
describe.runIf(hasChromium() || process.env.CI)("the dashboard terminal's phone key bar in Chromium", () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-dash-keys-")));
  let owner: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(join(base, "root"), { recursive: true });
    owner = await freshUser("dash-keys");
    agent = await startAgent(owner.token, `name: keys-box\nroots: [${JSON.stringify(join(base, "root"))}]\nterminal: { shell: /bin/bash }\n`);
    await until(async () => (await api(`/api/cloud/instance/${agent.instanceId}`, { token: owner.token })).body.status === "online", 20_000);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    await signInContext(context, `http://localhost:${inject("port")}`, owner.email, owner.password);
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    agent?.run.child.kill("SIGKILL");
    rmSync(base, { recursive: true, force: true });
  });

  it("interrupts sleep 100 with Ctrl tapped then c typed, types the hidden keys, keeps the terminal focused, and is gone at desktop width", async () => {
    await page.goto(`http://localhost:${inject("port")}/instances/${agent.instanceId}/terminal`);
    const input = page.getByRole("textbox", { name: "Terminal 1" });
    await input.waitFor();
    await page.getByText("Connected.").waitFor();
    const bar = page.getByRole("toolbar", { name: "Terminal keys" });
    await bar.waitFor();
    const key = (name: string) => bar.getByRole("button", { name, exact: true });
    for (const name of ["Esc", "Tab", "Ctrl", "Alt", "Left", "Up", "Down", "Right", "|", "~", "/"]) expect(await key(name).isVisible(), name).toBe(true);
    const focused = () => input.evaluate((el) => el === el.ownerDocument.activeElement);

    await input.focus();
    await page.keyboard.type("sleep 100");
    await page.keyboard.press("Enter");
    await expect.poll(async () => (await screenLines(page)).some((l) => l.endsWith("sleep 100")), { timeout: 15_000 }).toBe(true);

    // Ctrl waits for the next key, and says so; the tap leaves focus (and so the phone's keyboard) on the terminal.
    await key("Ctrl").tap();
    expect(await key("Ctrl").getAttribute("aria-pressed")).toBe("true");
    expect(await focused()).toBe(true);
    await page.keyboard.type("c");
    await expect.poll(() => key("Ctrl").getAttribute("aria-pressed")).toBe("false");

    // The shell is back at its prompt (sleep would hold this line for 100 s).
    await page.keyboard.type("echo done-$((2+3))");
    await page.keyboard.press("Enter");
    await expect.poll(() => screenLines(page), { timeout: 15_000 }).toContain("done-5");
    expect((await screenLines(page)).some((l) => l.endsWith("^C"))).toBe(true);

    // The bar's arrows recall history, and its | reaches the shell.
    await key("Up").tap();
    for (let i = 0; i < 3; i++) await page.keyboard.press("Backspace");
    await page.keyboard.type("7))");
    await page.keyboard.press("Enter");
    await expect.poll(() => screenLines(page), { timeout: 15_000 }).toContain("done-9");
    await page.keyboard.type("echo ab ");
    await key("|").tap();
    await page.keyboard.type(" tr a x");
    await page.keyboard.press("Enter");
    await expect.poll(() => screenLines(page), { timeout: 15_000 }).toContain("xb");
    expect(await focused()).toBe(true);

    // Ctrl tapped twice lets go.
    await key("Ctrl").tap();
    await key("Ctrl").tap();
    expect(await key("Ctrl").getAttribute("aria-pressed")).toBe("false");

    // At desktop width there is no bar.
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(() => bar.count()).toBe(0);
    expect(await page.getByRole("button", { name: "Ctrl", exact: true }).count()).toBe(0);
    await page.setViewportSize({ width: 390, height: 844 });
    await bar.waitFor();
  });
});
