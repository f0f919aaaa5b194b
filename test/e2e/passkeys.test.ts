import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { d1Query } from "../../scripts/lib/wrangler.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { accountButton, openSettingsSection, openYourSettings, signOutFromMenu } from "./dashboard-shell.ts";
import { freshUser, type TestUser } from "./users.ts";

/**
 * Passkeys in a real browser: Debian's Chromium with a CDP virtual authenticator (a CTAP2
 * platform authenticator that holds discoverable credentials and verifies its user) against
 * `npm start`, at http://localhost (WebAuthn refuses IP-address origins).
 */
describe.runIf(hasChromium() || process.env.CI)("passkeys in Chromium", () => {
  let browser: Browser;
  const url = () => `http://localhost:${inject("port")}/`;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  /** A fresh browser profile with one virtual authenticator. */
  async function browserWithAuthenticator(o: { isUserVerified?: boolean } = {}) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    return { context, page, cdp, authenticatorId: await addAuthenticator(cdp, o) };
  }

  /** A CTAP2 platform authenticator that holds discoverable credentials and verifies its user. */
  async function addAuthenticator(cdp: CDPSession, o: { isUserVerified?: boolean } = {}) {
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: o.isUserVerified ?? true,
        automaticPresenceSimulation: true,
      },
    });
    return authenticatorId;
  }

  async function passwordSignIn(page: Page, user: TestUser) {
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  async function signOut(page: Page) {
    await signOutFromMenu(page);
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
  }

  /** Signed in without the form (the form's own steps are not what a test is about there), on Settings › Passkeys. */
  async function openPasskeys(page: Page, user: TestUser) {
    await signInContext(page.context(), url(), user.email, user.password);
    await page.goto(`${url()}settings/passkeys`);
    await page.getByRole("heading", { name: "Passkeys" }).waitFor();
  }

  /** Who is signed in (Settings' first page names them), and how this session was made (Settings › Sessions). */
  async function expectSignedIn(page: Page, user: TestUser, via: RegExp) {
    await accountButton(page).waitFor();
    await openYourSettings(page);
    expect(await page.getByRole("main").getByText(user.email).first().isVisible()).toBe(true);
    await openSettingsSection(page, "Sessions");
    await page.getByRole("heading", { name: "Your sessions" }).waitFor();
    await expect.poll(() => currentSessionLine(page)).toMatch(via);
  }

  const credentials = async (cdp: CDPSession, authenticatorId: string) =>
    (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;

  const hasSessionCookie = async (context: BrowserContext) => (await context.cookies()).some((c) => c.name === "anc_access");

  const currentSessionLine = (page: Page) => page.locator(".sessions li", { hasText: "This session" }).innerText();

  it("adds a passkey on Settings › Passkeys, signs in with it alone, and then a password sign-in needs it", async () => {
    const user = await freshUser("passkey");
    const { context, page, cdp, authenticatorId } = await browserWithAuthenticator();
    await openPasskeys(page, user);
    await page.getByText("No passkeys yet.").waitFor();

    await page.getByLabel("Name for a new passkey").fill("E2E laptop");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByRole("status").filter({ hasText: "Passkey “E2E laptop” added." }).waitFor();
    await page.getByRole("list", { name: "Your passkeys" }).getByText("E2E laptop", { exact: true }).waitFor();
    // The browser made a discoverable credential for our RP ID, holding our user id as its handle.
    const [made] = await credentials(cdp, authenticatorId);
    expect(made).toMatchObject({ isResidentCredential: true, rpId: "localhost" });
    expect(Buffer.from(made!.userHandle!, "base64").toString()).toBe(user.id);

    // Usernameless: no email typed, the browser offers the passkey it holds.
    await signOut(page);
    expect(await hasSessionCookie(context)).toBe(false);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expectSignedIn(page, user, /via passkey/);

    // The password alone no longer makes a session: the passkey step comes first.
    await signOut(page);
    await passwordSignIn(page, user);
    await page.getByRole("heading", { name: "Confirm with your passkey" }).waitFor();
    expect(await hasSessionCookie(context)).toBe(false);
    await page.getByRole("button", { name: "Use your passkey" }).click();
    await expectSignedIn(page, user, /via password\+passkey/);
    // Each assertion moved the authenticator's counter on (the server checks it only moves forward).
    expect((await credentials(cdp, authenticatorId))[0]!.signCount).toBeGreaterThanOrEqual(2);
    await context.close();
  });

  it("renames and deletes a passkey, and shows the refusal to delete the last way to sign in", async () => {
    const user = await freshUser("passkey-keys");
    const { context, page, cdp, authenticatorId } = await browserWithAuthenticator();
    await openPasskeys(page, user);
    const addKey = async (name: string) => {
      await page.getByLabel("Name for a new passkey").fill(name);
      await page.getByRole("button", { name: "Add a passkey" }).click();
    };
    await addKey("First key");
    await page.getByRole("status").filter({ hasText: "Passkey “First key” added." }).waitFor();
    // The same authenticator again is excluded by the server's options, and the page says why.
    await addKey("Again");
    await expect.poll(async () => (await page.getByRole("alert").textContent()) ?? "").toMatch(/already holds a passkey/);
    // A second device.
    await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
    await addAuthenticator(cdp);
    await addKey("Second key");
    await page.getByRole("status").filter({ hasText: "Passkey “Second key” added." }).waitFor();

    await page.getByRole("button", { name: "Rename passkey First key" }).click();
    await page.getByLabel("New name for First key").fill("Work laptop");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Passkey renamed to “Work laptop”." }).waitFor();

    await page.getByRole("button", { name: "Delete passkey Second key" }).click();
    await page.getByRole("button", { name: "Delete passkey Second key" }).click(); // the confirmation, in place
    await page.getByRole("status").filter({ hasText: "Passkey “Second key” deleted." }).waitFor();
    const list = page.getByRole("list", { name: "Your passkeys" });
    await expect.poll(() => list.innerText()).not.toContain("Second key");
    expect(await list.innerText()).toContain("Work laptop");

    // Make it a passkey-only account (no password, no linked account): its last passkey stays.
    d1Query({ remote: false, persistTo: inject("stateDir") }, `UPDATE users SET password_hash = NULL WHERE id = '${user.id}'`);
    await page.reload();
    await page.getByText("This passkey is your only way to sign in").waitFor();
    await page.getByRole("button", { name: "Delete passkey Work laptop" }).click();
    await page.getByRole("button", { name: "Delete passkey Work laptop" }).click();
    await expect.poll(async () => (await page.getByRole("alert").textContent()) ?? "").toMatch(/last way to sign in/);
    expect(await list.innerText()).toContain("Work laptop");
    await context.close();
  });

  it("says so when the authenticator cannot verify the person, and keeps them signed out", async () => {
    const user = await freshUser("passkey-uv");
    const first = await browserWithAuthenticator();
    await openPasskeys(first.page, user);
    await first.page.getByRole("button", { name: "Add a passkey" }).click();
    await first.page.getByRole("status").filter({ hasText: "added" }).waitFor();
    const [credential] = await credentials(first.cdp, first.authenticatorId);
    await first.context.close();

    // The same passkey on an authenticator whose user check fails (a wrong PIN, a finger not recognised).
    const { context, page, cdp, authenticatorId } = await browserWithAuthenticator({ isUserVerified: false });
    await cdp.send("WebAuthn.addCredential", { authenticatorId, credential: credential! });
    await page.goto(url());
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect.poll(async () => (await page.getByRole("alert").textContent()) ?? "", { timeout: 20_000 }).toMatch(/passkey prompt was closed|verif/i);
    expect(await hasSessionCookie(context)).toBe(false);
    expect(await page.getByRole("heading", { name: "Sign in", exact: true }).isVisible()).toBe(true);
    await context.close();
  });
});
