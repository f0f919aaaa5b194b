import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Browser, Page } from "playwright-core";
import { Secret, TOTP } from "otpauth";
import { freshUser, type TestUser } from "./users.ts";
import { hasChromium, launchChromium } from "./browser.ts";
import { accountButton, openSettingsSection, openYourSettings, signOutFromMenu, waitForPage } from "./dashboard-shell.ts";

const STEP_MS = 30_000;

/** The code an authenticator app with this secret shows `steps` time steps from now. */
const codeAt = (secret: string, steps = 0) => TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30, timestamp: Date.now() + steps * STEP_MS });

/** Waits out the end of a time step when less than 4 s are left, so a code typed now is still of the step the Worker sees. */
async function awayFromStepEdge() {
  const left = STEP_MS - (Date.now() % STEP_MS);
  if (left < 4000) await new Promise((r) => setTimeout(r, left + 200));
}

/** Signed in: the header's account button is back (the page is the one signed out of). */
async function signedIn(page: Page) {
  await accountButton(page).waitFor();
  expect((await page.context().cookies()).find((c) => c.name === "anc_access")).toBeDefined();
}

/** Types the email and password into the sign-in form; the second step (heading "Two-factor sign-in") must follow. */
async function passwordStep(page: Page, user: TestUser) {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { name: "Two-factor sign-in", exact: true }).waitFor();
}

/**
 * Two-factor sign-in with an authenticator app, end to end in Chromium: set up on Settings ›
 * Two-factor (the code computed here from the secret the page shows, as an app would), then sign
 * in with a code, with a recovery code, and see that recovery code refused the second time.
 */
describe.runIf(hasChromium() || process.env.CI)("two-factor sign-in (TOTP) in the dashboard", () => {
  let browser: Browser;
  let user: TestUser;
  beforeAll(async () => {
    user = await freshUser("totp");
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  it("enrols, signs in with a code, then with a recovery code, and refuses that recovery code again", async () => {
    const page = await browser.newPage();
    await page.goto(`http://localhost:${inject("port")}/`);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await waitForPage(page, "Instances");

    // Settings › Two-factor: start, read the key, confirm with the previous step's code (the current one is kept for signing in).
    await openYourSettings(page);
    await openSettingsSection(page, "Two-factor");
    const main = page.getByRole("main");
    await main.getByRole("button", { name: "Set up an authenticator app" }).click();
    await main.getByRole("heading", { name: "Add this account to your authenticator app" }).waitFor();
    const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await page.getByTestId("totp-url").textContent()).toContain(`secret=${secret}`);
    await awayFromStepEdge();
    await main.getByLabel("Code from the app").fill(codeAt(secret, -1));
    await main.getByRole("button", { name: "Turn on" }).click();

    // The ten recovery codes, once.
    const list = main.getByRole("list", { name: "Recovery codes" });
    await list.waitFor();
    const codes = (await list.getByRole("listitem").allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    await main.getByRole("button", { name: "I have saved them" }).click();
    await expect.poll(() => list.count()).toBe(0);
    await expect.poll(async () => (await main.textContent()) ?? "").toMatch(/Recovery codes left\s*10/);

    // Signed out, the password alone no longer signs in: a code from the app finishes it.
    await signOutFromMenu(page);
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    await passwordStep(page, user);
    await awayFromStepEdge();
    await page.getByRole("textbox", { name: "Code from your authenticator app" }).fill(codeAt(secret));
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await signedIn(page);

    // A recovery code does the same, once.
    await signOutFromMenu(page);
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    await passwordStep(page, user);
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByRole("textbox", { name: "Recovery code" }).fill(codes[0]!);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await signedIn(page);

    await signOutFromMenu(page);
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    await passwordStep(page, user);
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByRole("textbox", { name: "Recovery code" }).fill(codes[0]!);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expect.poll(async () => (await page.getByRole("alert").textContent()) ?? "", { timeout: 15_000 }).toMatch(/recovery code is wrong or was already used/);
    // Still on the second step, and not signed in.
    expect(await page.getByRole("heading", { name: "Two-factor sign-in", exact: true }).count()).toBe(1);
    expect((await page.context().cookies()).find((c) => c.name === "anc_access")).toBeUndefined();
  });
});
