import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Browser } from "playwright-core";
import { freshUser, type TestUser } from "./users.ts";
import { hasChromium, launchChromium } from "./browser.ts";
import { accountButton, openSettingsSection, openYourSettings, signOutFromMenu, waitForPage } from "./dashboard-shell.ts";
import { api } from "./http-client.ts";

/**
 * A real browser on the dashboard: the cookie session (HttpOnly, Secure on http://localhost,
 * SameSite), the same-origin check on state-changing requests, and sign-out, end to end.
 */
describe.runIf(hasChromium() || process.env.CI)("dashboard in Chromium", () => {
  let browser: Browser;
  let user: TestUser;
  beforeAll(async () => {
    user = await freshUser("dashboard");
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  it("signs in with a password, shows who is signed in and their session, and signs out", async () => {
    const page = await browser.newPage();
    await page.goto(`http://localhost:${inject("port")}/`);
    await expect.poll(() => page.getByRole("heading", { name: "Anchorage is running" }).count()).toBe(1);

    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    // Signed in, the dashboard opens on the Instances page; the header's account button names who.
    await waitForPage(page, "Instances");
    const me = await api("/auth/user", { token: user.token });
    expect(me.body.name).toBeTruthy();
    expect(await accountButton(page).textContent()).toBe(`Account: ${me.body.name}`);
    await openYourSettings(page);
    expect(await page.getByRole("main").getByText(user.email).first().isVisible()).toBe(true);

    // The session lives in cookies the page's scripts cannot read.
    const cookies = await page.context().cookies();
    const access = cookies.find((c) => c.name === "anc_access");
    expect(access).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax" });
    expect(await page.evaluate("document.cookie")).not.toContain("anc_access");

    // A reload keeps the session (and the page); the sessions list marks this one as current.
    await openSettingsSection(page, "Sessions");
    await page.reload();
    await page.getByRole("heading", { name: "Your sessions" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/settings/sessions");

    // Sign out is in the account menu.
    await signOutFromMenu(page);
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    const after = await page.context().cookies();
    expect(after.find((c) => c.name === "anc_access")).toBeUndefined();
  });

  it("shows a clear error for a wrong password", async () => {
    const page = await browser.newPage();
    await page.goto(`http://localhost:${inject("port")}/`);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill("definitely wrong");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(async () => (await page.getByRole("alert").textContent()) ?? "", { timeout: 15_000 }).toMatch(/invalid email or password/);
  });
});
