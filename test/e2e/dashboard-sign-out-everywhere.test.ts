import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";

/**
 * Issue 19 §6: the session list shows what else is signed in as you (MCP clients, API tokens),
 * each revocable, and "sign out everywhere" can take the tokens with it — in Chromium.
 */
describe.runIf(hasChromium() || process.env.CI)("everything signed in as you, on the dashboard", () => {
  let browser: Browser;
  let user: TestUser;
  const mint = async (name: string) => {
    const r = await api("/api/tokens", { token: user.token, body: { name, scopes: [{ scope: `cloud.${user.id}`, actions: ["read"] }] } });
    expect(r.status).toBe(201);
    return r.body as { id: string; token: string };
  };
  beforeAll(async () => {
    user = await freshUser("everywhere");
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  async function signIn(page: Page) {
    await signInContext(page.context(), `http://localhost:${inject("port")}`, user.email, user.password);
    // Everything signed in as you is under Settings › Sessions.
    await page.goto(`http://localhost:${inject("port")}/settings/sessions`);
    await page.getByRole("heading", { name: "Your sessions" }).waitFor();
  }

  it("lists API tokens beside the sessions, revokes one there, and signs out everywhere with the rest", async () => {
    const kept = await mint("ci-script");
    const revoked = await mint("old-laptop");
    const page = await (await browser.newContext()).newPage();
    await signIn(page);
    const section = page.locator("section", { has: page.getByRole("heading", { name: "Your sessions" }) });
    await section.getByRole("heading", { name: "MCP clients" }).waitFor();
    expect(await section.getByText("No MCP client has access.").isVisible()).toBe(true);
    await section.getByText("ci-script", { exact: true }).waitFor();

    await section.getByRole("button", { name: "Revoke API token old-laptop" }).click();
    await section.getByText("Token old-laptop revoked.").waitFor();
    expect((await api("/api/cloud/instances", { token: revoked.token })).status).toBe(401);
    expect((await api("/api/cloud/instances", { token: kept.token })).status).toBe(200);

    // Sign out everywhere, API tokens included: this browser, the other session and the token all end.
    await section.getByLabel("Also revoke every API token of mine").check();
    await section.getByRole("button", { name: "End every session" }).click();
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    expect((await api("/api/cloud/instances", { token: kept.token })).status).toBe(401);
    expect((await api("/auth/user", { token: user.token })).status).toBe(401);
    await page.close();
  });

  it("without the box, API tokens keep working after signing out everywhere", async () => {
    user = await freshUser("everywhere-keep");
    const kept = await mint("cron");
    const page = await (await browser.newContext()).newPage();
    await signIn(page);
    await page.getByRole("button", { name: "End every session" }).click();
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    expect((await api("/auth/user", { token: user.token })).status).toBe(401);
    expect((await api("/api/cloud/instances", { token: kept.token })).status).toBe(200);
    await page.close();
  });
});
