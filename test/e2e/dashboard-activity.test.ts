import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

/**
 * The Activity page in a real browser with two real agents: commands run on each instance (through
 * the API) are listed with their instance's name, who ran them and Succeeded; one run while the
 * page is open appears by itself, pending and then succeeded; the instance filter shows only that
 * instance's (and stays in the address over a reload); an item opens to show the command's output.
 */
describe.runIf(hasChromium() || process.env.CI)("dashboard Activity in Chromium", () => {
  const stamp = Date.now().toString(36);
  const nameA = `act-a-${stamp}`;
  const nameB = `act-b-${stamp}`;
  const config = (name: string) =>
    `name: ${name}\ncommands:\n  - { name: hello, argv: [echo, "hello from ${name}"] }\n  - { name: slow, argv: [sh, -c, "sleep 3; echo slow on ${name} done"] }\n`;
  let owner: TestUser;
  let a: Awaited<ReturnType<typeof startAgent>>;
  let b: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  let page: Page;
  let recent: Locator;
  const consoleErrors: string[] = [];

  const run = (instanceId: string, command: string) => api(`/api/cloud/instance/${instanceId}/command`, { token: owner.token, body: { command } });
  const item = (summary: string, instance: string) => recent.getByRole("listitem").filter({ hasText: summary }).filter({ hasText: instance });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    owner = await freshUser("dash-activity");
    a = await startAgent(owner.token, config(nameA));
    b = await startAgent(owner.token, config(nameB));
    for (const [agent, name] of [[a, nameA], [b, nameB]] as const) {
      await until(async () => {
        const r = await api(`/api/cloud/instance/${agent.instanceId}`, { token: owner.token });
        return r.body.status === "online" && r.body.name === name;
      }, 45_000).catch((e: Error) => {
        throw new Error(`${name} did not come online: ${e.message}\n${agent.run.output()}`);
      });
    }
    for (const id of [a.instanceId, b.instanceId]) {
      const r = await run(id, "hello");
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.status).toBe("success");
    }

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    await signInContext(page.context(), `http://localhost:${inject("port")}`, owner.email, owner.password);
    await page.goto(`http://localhost:${inject("port")}/activity`);
    await page.getByRole("heading", { name: "Activity", level: 1 }).waitFor();
    recent = page.getByRole("region", { name: "Recent actions" });
  });
  afterAll(async () => {
    await browser?.close();
    a?.run.child.kill("SIGKILL");
    b?.run.child.kill("SIGKILL");
  });

  it("lists a command run on each instance, with the instance's name, who and Succeeded; your audit log below", async () => {
    for (const name of [nameA, nameB]) {
      const row = item("Ran hello (exit code 0)", name);
      await row.waitFor();
      await row.getByText("Succeeded", { exact: true }).waitFor();
      await row.getByRole("link", { name, exact: true }).waitFor();
      expect(await row.textContent()).toContain("by you");
    }
    // Newest first: B's ran after A's.
    const order = await recent.getByRole("listitem").filter({ hasText: "Ran hello" }).allTextContents();
    expect(order.map((t) => (t.includes(nameB) ? "b" : "a"))).toEqual(["b", "a"]);
    await page.getByRole("region", { name: "Your activity" }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}activity-1280.png`, fullPage: true });
    // At phone width nothing on the page sticks out sideways. (The header is the shell's: a long
    // user name in its account button can, which is its own test's business.)
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${ARTIFACTS}activity-390.png`, fullPage: true });
    const wide = await page.evaluate("[...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > 390).map((e) => e.tagName + ' ' + (e.textContent || '').slice(0, 40))");
    expect(wide).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("shows a command run while the page is open by itself: pending, then succeeded", async () => {
    const running = run(a.instanceId, "slow");
    const pending = item("Ran slow (running)", nameA);
    await pending.waitFor({ timeout: 10_000 });
    await pending.getByText("Pending", { exact: true }).waitFor();
    expect((await running).body.status).toBe("success");
    const done = item("Ran slow (exit code 0)", nameA);
    await done.getByText("Succeeded", { exact: true }).waitFor({ timeout: 10_000 });
    expect(await pending.count()).toBe(0);
    await done.locator("summary").click();
    await done.getByText(`slow on ${nameA} done`).waitFor();
  });

  it("filters by instance (kept in the address over a reload), and an item opens to show its output", async () => {
    await recent.getByLabel("Instance").selectOption({ label: nameB });
    await until(() => page.url().includes(`instance=${b.instanceId}`));
    await item("Ran slow", nameA).waitFor({ state: "detached" });
    await item("Ran hello", nameB).waitFor();
    const names = await recent.getByRole("listitem").evaluateAll((rows) => rows.map((r) => r.querySelector("a")?.textContent));
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names)).toEqual(new Set([nameB]));

    await page.reload();
    await page.getByRole("heading", { name: "Activity", level: 1 }).waitFor();
    expect(await recent.getByLabel("Instance").inputValue()).toBe(b.instanceId);
    const hello = item("Ran hello (exit code 0)", nameB);
    await hello.waitFor();
    expect(await recent.getByRole("listitem").filter({ hasText: nameA }).count()).toBe(0);
    const output = hello.getByText(`hello from ${nameB}`);
    expect(await output.isVisible()).toBe(false);
    await hello.locator("summary").click();
    await output.waitFor();

    // Kind and status filters narrow it further; clearing shows both instances again.
    await recent.getByLabel("Kind").selectOption({ label: "Proxy" });
    await recent.getByText("No recent actions match these filters.").waitFor();
    await recent.getByRole("button", { name: "Clear filters" }).click();
    await item("Ran hello", nameA).waitFor();
    await item("Ran hello", nameB).waitFor();
    expect(consoleErrors).toEqual([]);
  });
});
