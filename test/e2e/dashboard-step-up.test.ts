import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { d1Query } from "../../scripts/lib/wrangler.ts";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";

/**
 * Step-up in a real browser: once the dashboard's session proved who it is more than 5 minutes
 * ago (aged in the stack's local D1), creating a token that may run commands answers
 * E-AUTH-STEP-UP; the dashboard asks for the password in a dialog, steps up, and creates the token.
 */
describe.runIf(hasChromium() || process.env.CI)("dashboard step-up in Chromium", () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let user: TestUser;

  const ageSessions = () =>
    d1Query({ remote: false, persistTo: inject("stateDir") }, `UPDATE sessions SET stepped_up_at = '2000-01-01T00:00:00.000Z' WHERE user_id = '${user.id}'`);

  beforeAll(async () => {
    user = await freshUser("dash-step-up");
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    await signInContext(context, `http://localhost:${inject("port")}`, user.email, user.password);
    await page.goto(`http://localhost:${inject("port")}/settings/tokens`);
    await page.getByRole("heading", { name: "API tokens" }).waitFor();
  });
  afterAll(async () => browser?.close());

  async function fillCommandToken(name: string) {
    await page.getByRole("button", { name: "New token" }).click();
    const form = page.getByRole("form", { name: "New token" });
    await form.getByLabel("Name", { exact: true }).fill(name);
    await form.getByLabel("Resource").selectOption("instances");
    await form.getByLabel("Which instances").selectOption("");
    await form.getByRole("checkbox", { name: /^command\b/ }).check();
    await form.getByRole("button", { name: "Create token" }).click();
  }

  it("asks for the password when the session's proof is too old, then creates the token; a wrong password is refused in the dialog", async () => {
    ageSessions();
    await fillCommandToken("e2e runner");

    const dialog = page.getByRole("dialog", { name: "Confirm it is you" });
    await dialog.waitFor();
    // The account has a password only: no code field, no passkey button.
    expect(await dialog.getByLabel("Code from your authenticator app").count()).toBe(0);
    expect(await dialog.getByRole("button", { name: "Use a passkey" }).count()).toBe(0);
    expect((await api("/api/tokens", { token: user.token })).body.tokens).toEqual([]);

    await dialog.getByLabel("Password").fill("not the password");
    await dialog.getByRole("button", { name: "Confirm with password" }).click();
    await dialog.getByText("the password is wrong").waitFor();
    expect((await api("/api/tokens", { token: user.token })).body.tokens).toEqual([]);

    await dialog.getByLabel("Password").fill(user.password);
    await dialog.getByRole("button", { name: "Confirm with password" }).click();
    const secretBox = page.getByLabel("Your new token");
    await secretBox.waitFor();
    expect(await secretBox.inputValue()).toMatch(/^anc_/);
    expect(await dialog.isVisible()).toBe(false);
    const tokens = (await api("/api/tokens", { token: user.token })).body.tokens as { name: string; scopes: { actions: string[] }[] }[];
    expect(tokens.map((t) => t.name)).toEqual(["e2e runner"]);
    expect(tokens[0]!.scopes[0]!.actions).toContain("command");
    await page.getByRole("button", { name: "I have copied it" }).click();
  });

  it("cancelling the dialog closes it and creates nothing", async () => {
    ageSessions();
    await fillCommandToken("e2e cancelled");
    const dialog = page.getByRole("dialog", { name: "Confirm it is you" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    // Still signed in, on the same form, told why nothing was made.
    await page.getByText("Not done: this needs you to confirm it is you first.").first().waitFor();
    expect(await page.getByRole("banner").getByRole("button", { name: /^Account: / }).isVisible()).toBe(true);
    const names = ((await api("/api/tokens", { token: user.token })).body.tokens as { name: string }[]).map((t) => t.name);
    expect(names).not.toContain("e2e cancelled");
  });
});
