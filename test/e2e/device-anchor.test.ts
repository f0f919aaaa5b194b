import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { freshUser, type TestUser } from "./users.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { waitForPage } from "./dashboard-shell.ts";
import { base } from "./http-client.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const NODE = join(ROOT, "node_modules/.bin/node");
const CLI = join(ROOT, "agent/bin/anchorage.mjs");

async function signIn(page: Page, user: TestUser) {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/**
 * The README's promise, end to end: `anchorage anchor <url>` with no flags prints a URL and a
 * code; a person opens it in a browser, signs in, approves; the agent is anchored; `anchorage run`
 * and the dashboard shows the instance online, live.
 */
describe.runIf(hasChromium() || process.env.CI)("anchoring through the browser", () => {
  let browser: Browser;
  const home = mkdtempSync(join(tmpdir(), "anchorage-device-"));
  const children: ReturnType<typeof spawn>[] = [];
  let user: TestUser;
  beforeAll(async () => {
    user = await freshUser("device");
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    await browser?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("anchors with a device code approved at /device, then shows up live on the dashboard", async () => {
    const anchor = spawn(NODE, [CLI, "anchor", base(), "--home", home, "--name", "device-box"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(anchor);
    let out = "";
    anchor.stdout!.on("data", (d) => (out += d));
    anchor.stderr!.on("data", (d) => (out += d));
    const exited = new Promise<number>((r) => anchor.on("exit", (code) => r(code ?? -1)));
    const deadline = Date.now() + 15_000;
    while (!/\/device\?user_code=/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const url = /(http:\/\/\S+\/device\?user_code=\S+)/.exec(out)![1]!;
    const code = /user_code=(\S+)/.exec(url)![1]!;
    expect(url.startsWith("http://localhost:")).toBe(true); // WebAuthn-friendly origin, not an IP

    const page = await browser.newPage();
    await page.goto(url);
    await signIn(page, user);
    await expect.poll(async () => page.getByRole("textbox", { name: "Code" }).inputValue(), { timeout: 15_000 }).toBe(code);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("anchorage-agent").first().waitFor();
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await page.getByText("Done — you can return to your terminal.").waitFor();

    expect(await exited).toBe(0);
    expect(out).toMatch(/Anchored "device-box" as ins_/);

    const run = spawn(NODE, [CLI, "run", "--home", home], { stdio: "ignore" });
    children.push(run);
    // The dashboard (signed in without its form: the sign-in that matters here was the one at /device).
    const dash = await browser.newPage();
    await signInContext(dash.context(), `http://localhost:${new URL(base()).port}`, user.email, user.password);
    await dash.goto(`http://localhost:${new URL(base()).port}/`);
    await waitForPage(dash, "Instances");
    const row = dash.getByRole("main").getByRole("row").filter({ hasText: "device-box" });
    await expect.poll(async () => (await row.count()) > 0 && (await row.first().textContent())?.toLowerCase().includes("online"), { timeout: 20_000 }).toBe(true);
    run.kill("SIGTERM");
  });
});
