import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";

/**
 * The dashboard's API token and service account screens in a real browser: a token made with
 * the scope builder works as a Bearer token for exactly what it was given, its secret is shown
 * once and copied from the page, and revoking it in the page ends it on the next request.
 */
describe.runIf(hasChromium() || process.env.CI)("dashboard API tokens in Chromium", () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let user: TestUser;

  beforeAll(async () => {
    user = await freshUser("dash-tokens");
    browser = await launchChromium();
    // The page's Copy button writes to the clipboard; the test reads it back.
    context = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
    page = await context.newPage();
    await signInContext(context, `http://localhost:${inject("port")}`, user.email, user.password);
    // API tokens and service accounts are two pages under Settings.
    await page.goto(`http://localhost:${inject("port")}/settings/tokens`);
    await page.getByRole("heading", { name: "API tokens" }).waitFor();
  });
  afterAll(async () => browser?.close());

  it("creates a token that reads instances and nothing more, shows its secret once, and revokes it", async () => {
    await page.getByRole("button", { name: "New token" }).click();
    const form = page.getByRole("form", { name: "New token" });
    await form.getByLabel("Name", { exact: true }).fill("e2e reader");
    await form.getByLabel("Expires after").selectOption("30");
    await form.getByLabel("Resource").selectOption("instances");
    await form.getByLabel("Which instances").selectOption("");

    // Sent with nothing ticked, the form says so beside the scope and sends nothing.
    await form.getByRole("button", { name: "Create token" }).click();
    await expect.poll(() => form.getByText("Tick at least one action.").count()).toBe(1);
    expect((await api("/api/tokens", { token: user.token })).body.tokens).toEqual([]);

    await form.getByRole("checkbox", { name: /^read\b/ }).check();
    await form.getByRole("button", { name: "Create token" }).click();

    const secretBox = page.getByLabel("Your new token");
    await secretBox.waitFor();
    const shown = await secretBox.inputValue();
    expect(shown).toMatch(/^anc_/);
    expect(await page.getByText("you will not see this token again").count()).toBe(1);
    await page.getByRole("button", { name: "Copy token" }).click();
    await page.getByText("Copied to the clipboard.").waitFor();
    const secret = (await page.evaluate("navigator.clipboard.readText()")) as string;
    expect(secret).toBe(shown);

    // It reads instances, and cannot mint a token (only a session manages tokens).
    expect((await api("/api/cloud/instances", { token: secret })).status).toBe(200);
    const mint = await api("/api/tokens", { token: secret, body: { name: "minted", scopes: [{ scope: `cloud.${user.id}`, actions: ["read"] }] } });
    expect(mint.status).toBe(403);

    // Once dismissed, the secret is nowhere on the page; the list shows the token and its scope in words.
    await page.getByRole("button", { name: "I have copied it" }).click();
    expect(await page.content()).not.toContain(secret);
    const row = page.getByRole("listitem").filter({ hasText: "e2e reader" });
    await expect.poll(() => row.getByText("All your instances").count()).toBe(1);
    expect(await row.textContent()).toMatch(/Expires .*Never used/);

    await row.getByRole("button", { name: "Revoke token e2e reader" }).click();
    await row.getByRole("button", { name: "Yes, revoke token e2e reader" }).click();
    await page.getByText("Token “e2e reader” revoked.").waitFor();
    expect((await api("/api/cloud/instances", { token: secret })).status).toBe(401);
  });

  it("manages a service account: a refused scope shown beside it, scopes edited (version up), a token made and revoked, then deleted", async () => {
    const stranger = await freshUser("dash-tokens-stranger");
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Service accounts", exact: true }).click();
    expect(new URL(page.url()).pathname).toBe("/settings/service-accounts");
    const section = page.getByRole("region", { name: "Service accounts" });
    await section.getByRole("button", { name: "New service account" }).click();
    const form = page.getByRole("form", { name: "New service account" });
    await form.getByLabel("Name", { exact: true }).fill("deploy bot");
    await form.getByLabel("Description").fill("pushes releases");

    // Someone else's instances: the server refuses, and says so beside that scope.
    await form.getByLabel("Resource").selectOption("advanced");
    const typed = form.getByLabel("Scope", { exact: true });
    await typed.fill(`auth.${user.id}`);
    await expect.poll(() => form.getByText(/never granted to a token/).count()).toBe(1);
    await typed.fill(`cloud.${stranger.id}.instances`);
    await form.getByRole("checkbox", { name: /^read\b/ }).check();
    await form.getByRole("button", { name: "Create service account" }).click();
    await expect.poll(() => form.locator(".scope-row .field-error").textContent()).toMatch(/only their instances can be shared|shares from/);

    await typed.fill(`cloud.${user.id}.instances`);
    await form.getByRole("button", { name: "Create service account" }).click();
    const details = page.getByRole("region", { name: "Service account “deploy bot”" });
    await details.waitFor();
    await expect.poll(() => details.getByText("All your instances").count()).toBe(1);

    // Add a scope: the version goes up.
    await details.getByRole("button", { name: "Edit scopes" }).click();
    await details.getByRole("button", { name: "Add another scope" }).click();
    await details.getByRole("group", { name: "Scope 2" }).getByLabel("Resource").selectOption("data");
    await details.getByRole("group", { name: "Scope 2" }).getByLabel("Which data").selectOption("public");
    await details.getByRole("group", { name: "Scope 2" }).getByRole("checkbox", { name: /^write\b/ }).check();
    await details.getByRole("button", { name: "Save scopes" }).click();
    await details.getByText("Scopes saved (version 2).", { exact: false }).waitFor();
    await expect.poll(() => details.getByText("Your public data").count()).toBe(1);
    const [account] = (await api("/api/service-accounts", { token: user.token })).body.service_accounts;
    expect(account).toMatchObject({ name: "deploy bot", version: 2, scopes: [{ scope: `cloud.${user.id}.instances`, actions: ["read"] }, { scope: `storage.${user.id}.data.public`, actions: ["write"] }] });

    // A token of it: shown once, works, revoked in the page.
    await details.getByRole("button", { name: "New token for deploy bot" }).click();
    await details.getByLabel("Name", { exact: true }).fill("ci");
    await details.getByLabel("Expires after").selectOption("never");
    await details.getByRole("button", { name: "Create token" }).click();
    const secret = await details.getByLabel("Your new token").inputValue();
    expect((await api("/api/cloud/instances", { token: secret })).status).toBe(200);
    await details.getByRole("button", { name: "I have copied it" }).click();
    await details.getByRole("button", { name: "Revoke token ci" }).click();
    await details.getByRole("button", { name: "Yes, revoke token ci" }).click();
    await details.getByText("Token “ci” revoked.").waitFor();
    expect((await api("/api/cloud/instances", { token: secret })).status).toBe(401);

    // Cancel leaves it; confirming deletes it.
    await details.getByRole("button", { name: "Delete service account deploy bot" }).click();
    await details.getByText("Delete “deploy bot”? Anything using them stops working at once.").waitFor();
    await page.keyboard.press("Escape");
    // Focus is back on the button that asked.
    await expect.poll(() => page.evaluate("document.activeElement.textContent")).toBe("Delete service account deploy bot");
    await details.getByRole("button", { name: "Delete service account deploy bot" }).click();
    await details.getByRole("button", { name: "Yes, delete deploy bot" }).click();
    await section.getByText("Service account “deploy bot” and its tokens deleted.").waitFor();
    expect((await api("/api/service-accounts", { token: user.token })).body.service_accounts).toEqual([]);
  });
});
