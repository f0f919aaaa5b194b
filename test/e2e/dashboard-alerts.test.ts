import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, untilOnline } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { openFromNav, waitForPage } from "./dashboard-shell.ts";

/**
 * The Alerts page in a real browser with a real agent: a target matching nothing is refused beside
 * its field; an offline alert on a tag is created (its webhook secret shown once), fires for the
 * machine when its agent is killed, and is disabled and deleted (after a confirmation); at phone
 * width the page fits the screen.
 */
describe.runIf(hasChromium() || process.env.CI)("dashboard Alerts in Chromium", () => {
  const stamp = Date.now().toString(36);
  const name = `alert-ui-${stamp}`;
  let owner: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  let page: Page;
  let server: Server;
  let hookUrl: string;
  const got: string[] = [];
  const consoleErrors: string[] = [];
  const main = () => page.getByRole("main");
  const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

  beforeAll(async () => {
    owner = await freshUser("dash-alerts");
    agent = await startAgent(owner.token, `name: ${name}\ntags: [ui-${stamp}]\n`);
    await untilOnline(owner.token, [agent.instanceId], 45_000);
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => (got.push(body), res.writeHead(204).end()));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (m) => void (m.type() === "error" && consoleErrors.push(m.text())));
    await signInContext(page.context(), `http://localhost:${inject("port")}`, owner.email, owner.password);
    await page.goto(`http://localhost:${inject("port")}/instances`);
    await waitForPage(page, "Instances");
  });
  afterAll(async () => {
    await browser?.close();
    agent?.run.child.kill("SIGKILL");
    server?.close();
  });

  it("creates an alert on a tag, shows it firing per machine, disables and deletes it", async () => {
    await openFromNav(page, "Alerts");
    expect(page.url()).toMatch(/\/alerts$/);
    await main().getByText("No alerts yet.").waitFor();

    const form = main().getByRole("form", { name: "New alert" });
    await form.getByRole("textbox", { name: "Name", exact: true }).fill("UI box down");
    await form.getByRole("textbox", { name: "Tag", exact: true }).fill("no-such-tag");
    await form.getByLabel("For at least (seconds)").fill("2");
    await form.getByRole("textbox", { name: "Webhook address (optional)", exact: true }).fill(hookUrl);
    await form.getByRole("button", { name: "Create alert" }).click();
    // Refused beside the field it is about.
    const tag = form.getByRole("textbox", { name: "Tag", exact: true });
    await expect.poll(() => tag.getAttribute("aria-invalid")).toBe("true");
    expect(await form.getByText("matches no instance").count()).toBeGreaterThan(0);

    await tag.fill(`ui-${stamp}`);
    await form.getByRole("button", { name: "Create alert" }).click();
    await main().getByRole("heading", { name: "Alert created" }).waitFor();
    expect(await main().getByLabel("Webhook signing secret").inputValue()).toMatch(/^whsec_/);
    await main().getByRole("button", { name: "I have copied it" }).click();
    const link = main().getByRole("link", { name: "UI box down" });
    await link.waitFor();
    expect(await main().getByRole("listitem").filter({ hasText: "UI box down" }).textContent()).toContain("firing on 0 of 1 machine");

    await link.click();
    await waitForPage(page, "UI box down");
    expect(page.url()).toMatch(/\/alerts\/alr_/);
    const machines = main().getByRole("table");
    await machines.getByRole("row", { name: new RegExp(name) }).getByText("ok", { exact: true }).waitFor();

    // The machine goes down: after the InstanceDO's grace and the alert's 2 s it fires.
    agent.run.child.kill("SIGKILL");
    await expect.poll(async () => {
      await main().getByRole("button", { name: "Refresh alert UI box down" }).click();
      return machines.getByRole("row", { name: new RegExp(name) }).textContent();
    }, { timeout: 30_000, interval: 1000 }).toContain("firing");
    await main().getByRole("heading", { level: 1 }).locator("..").getByText("firing", { exact: true }).waitFor();
    await main().getByRole("button", { name: "Refresh history" }).click();
    await main().getByRole("region", { name: "History" }).getByText("firing", { exact: true }).first().waitFor();
    expect(got.map((b) => JSON.parse(b).type)).toContain("alert.firing");

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}alerts-one-firing.png`, fullPage: true });
    await main().getByRole("button", { name: "Disable alert UI box down" }).click();
    await main().getByRole("status").filter({ hasText: "Alert disabled" }).waitFor();
    await main().getByText("Disabled: no machine is watched.").waitFor();

    await main().getByRole("button", { name: "Delete alert UI box down" }).click();
    await main().getByText("Delete this alert and its history?").waitFor();
    await main().getByRole("button", { name: "Delete alert UI box down" }).click();
    await waitForPage(page, "Alerts");
    await main().getByText("No alerts yet.").waitFor();
    expect((await api("/api/alerts", { token: owner.token })).body.alerts).toEqual([]);
  }, 120_000);

  it("fits a phone's width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`http://localhost:${inject("port")}/alerts`);
    await waitForPage(page, "Alerts");
    const { scroll, client } = await page.evaluate<{ scroll: number; client: number }>("({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })");
    expect(scroll).toBeLessThanOrEqual(client);
    await page.screenshot({ path: `${ARTIFACTS}alerts-phone.png`, fullPage: true });
    await main().getByRole("button", { name: "Create alert" }).scrollIntoViewIfNeeded();
    expect(await main().getByRole("button", { name: "Create alert" }).isVisible()).toBe(true);
    expect(consoleErrors.filter((e) => !/Failed to load resource.*(400|404)/.test(e))).toEqual([]);
  });
});
