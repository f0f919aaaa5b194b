import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, untilOnline } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { waitForPage } from "./dashboard-shell.ts";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

/**
 * The script library end to end (issue 27): two real agents, one whose config says
 * `scripts: true` and one that says nothing (off by default). A script runs on the first (its
 * output, its arguments literal, its temp file gone) and is refused on the second; then the
 * Scripts page in Chromium: a script written, changed to version 2, version 1 viewed, run.
 */
describe("scripts on real agents", () => {
  let owner: TestUser;
  let yes: Awaited<ReturnType<typeof startAgent>>;
  let no: Awaited<ReturnType<typeof startAgent>>;

  beforeAll(async () => {
    owner = await freshUser("scripts");
    yes = await startAgent(owner.token, "name: scripts-yes\nscripts: true\n");
    no = await startAgent(owner.token, "name: scripts-no\n");
    await untilOnline(owner.token, [yes.instanceId, no.instanceId], 60_000);
  }, 120_000);
  afterAll(() => {
    yes?.run.child.kill("SIGKILL");
    no?.run.child.kill("SIGKILL");
  });

  it("runs on the agent with scripts: true (output seen, arguments literal, file removed) and is refused on the other", async () => {
    const body = 'echo "file=$0"\nfor a in "$@"; do printf "arg=[%s]\\n" "$a"; done\necho "v$((1 + 1))"\n';
    const created = await api("/api/cloud/scripts", { token: owner.token, body: { name: "hello", body, interpreter: "sh" } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const ran = await api(`/api/cloud/instance/${yes.instanceId}/script`, { token: owner.token, body: { script_id: id, args: ["$(touch /tmp/pwned-by-script)", "a b"], timeout_seconds: 30 } });
    expect(ran.status, JSON.stringify(ran.body)).toBe(200);
    expect(ran.body).toMatchObject({ command: "script hello@v1", status: "success", exit_code: 0 });
    const out = ran.body.output_tail as string;
    expect(out).toContain("arg=[$(touch /tmp/pwned-by-script)]\narg=[a b]\nv2\n");
    const file = /file=(\S+)/.exec(out)![1]!;
    expect(file).toMatch(/anchorage-script-[^/]+\/script\.sh$/);
    // The agent runs on this machine: its private folder is gone once the script has run.
    expect(existsSync(dirname(file))).toBe(false);
    expect(existsSync("/tmp/pwned-by-script")).toBe(false);
    const actions = await api(`/api/cloud/instance/${yes.instanceId}/actions`, { token: owner.token });
    expect(actions.body.actions[0]).toMatchObject({ id: ran.body.id, command: "script hello@v1", status: "success" });

    const refused = await api(`/api/cloud/instance/${no.instanceId}/script`, { token: owner.token, body: { script_id: id } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({ code: "E-AUTH-FORBID", message: "this agent does not run scripts (scripts: true in its config)" });
    expect((await api(`/api/cloud/instance/${no.instanceId}/actions`, { token: owner.token })).body.actions).toEqual([]);

    // A script past its time limit is killed (its process group), an error that says so.
    const slow = await api("/api/cloud/scripts", { token: owner.token, body: { name: "slow", body: "echo start\nsleep 30\n", interpreter: "sh" } });
    const timedOut = await api(`/api/cloud/instance/${yes.instanceId}/script`, { token: owner.token, body: { script_id: slow.body.id, timeout_seconds: 1 } });
    expect(timedOut.body).toMatchObject({ status: "error", error: "timed out" });
  }, 90_000);

  describe.runIf(hasChromium() || process.env.CI)("the Scripts page in Chromium", () => {
    const origin = `http://localhost:${inject("port")}`;
    let browser: Browser;
    let page: Page;
    const editorText = (label: string) =>
      page.evaluate(`[...document.querySelector(${JSON.stringify(`.cm-content[aria-label="${label}"]`)}).querySelectorAll(".cm-line")].map((l) => l.textContent).join("\\n")`);
    async function typeBody(label: string, lines: string[]) {
      const box = page.getByRole("textbox", { name: label });
      await box.click();
      await page.keyboard.press("Control+A");
      await page.keyboard.press("Delete");
      for (const [i, line] of lines.entries()) {
        if (i > 0) await page.keyboard.press("Enter");
        await page.keyboard.type(line);
      }
    }

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await signInContext(page.context(), origin, owner.email, owner.password);
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it("writes a script, saves version 2, shows version 1's body, and runs it on an instance", async () => {
      await page.goto(`${origin}/instances`);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Scripts", exact: true }).click();
      await waitForPage(page, "Scripts");
      expect(new URL(page.url()).pathname).toBe("/scripts");
      // The script made through the API above is listed.
      await page.getByRole("link", { name: "hello", exact: true }).waitFor();

      await page.getByLabel("Name", { exact: true }).fill("greet");
      await typeBody("Body of the new script", ["echo first-version"]);
      await page.getByRole("button", { name: "Save version 1" }).click();
      await waitForPage(page, "greet");
      expect(new URL(page.url()).pathname).toMatch(/^\/scripts\/scr_/);
      await page.getByRole("textbox", { name: "Body of greet" }).waitFor();
      expect(await editorText("Body of greet")).toBe("echo first-version");

      await typeBody("Body of greet", ['echo "second-version $1"']);
      await page.getByRole("button", { name: "Save as version 2" }).click();
      await page.getByRole("status").filter({ hasText: "Saved as version 2." }).waitFor();
      await page.getByRole("button", { name: "Save as version 3" }).waitFor();

      await page.getByRole("button", { name: "View version 1" }).click();
      await page.getByRole("heading", { name: "Version 1 (sh)" }).waitFor();
      await page.getByRole("textbox", { name: "Body of version 1" }).waitFor();
      expect(await editorText("Body of version 1")).toBe("echo first-version");
      expect(await page.getByRole("textbox", { name: "Body of version 1" }).getAttribute("aria-readonly")).toBe("true");
      // A reload keeps the script (its address), at version 2.
      await page.reload();
      await waitForPage(page, "greet");
      await page.getByRole("textbox", { name: "Body of greet" }).waitFor();
      expect(await editorText("Body of greet")).toBe('echo "second-version $1"');

      await page.getByLabel("Instance", { exact: true }).selectOption({ label: "scripts-yes (online)" });
      await page.getByLabel("Arguments (optional)").fill("from the browser");
      await page.getByRole("button", { name: "Run script" }).click();
      await page.locator("pre.output").filter({ hasText: "second-version from the browser" }).waitFor();
      await page.getByRole("status").filter({ hasText: /^Succeeded/ }).waitFor();

      await page.getByLabel("Instance", { exact: true }).selectOption({ label: "scripts-no (online)" });
      await page.getByRole("button", { name: "Run script" }).click();
      await page.getByRole("alert").filter({ hasText: "this agent does not run scripts (scripts: true in its config)" }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-scripts.png"), fullPage: true });

      // Phone width: nothing wider than the screen.
      await page.setViewportSize({ width: 375, height: 800 });
      await page.goto(page.url());
      await waitForPage(page, "greet");
      await page.getByRole("textbox", { name: "Body of greet" }).waitFor();
      expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-scripts-phone.png"), fullPage: true });
    }, 90_000);
  });
});
