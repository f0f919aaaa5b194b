import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { OAuth2Server } from "oauth2-mock-server";
import type { Browser, Page } from "playwright-core";
import { OIDC } from "./global-setup.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { accountButton, openSettingsSection, openYourSettings, signOutFromMenu, waitForPage } from "./dashboard-shell.ts";
import { freshUser } from "./users.ts";

/**
 * Signing in through an OpenID Connect provider, end to end: `npm start` is configured with
 * OIDC_ISSUER pointing at oauth2-mock-server on loopback (global-setup.ts), a real OpenID provider
 * with discovery, a JWKS, PKCE checks and nonces; Chromium clicks the dashboard's button, passes
 * through the provider (which approves at once) and lands back signed in.
 */
describe.runIf(hasChromium() || process.env.CI)("OpenID Connect sign-in in Chromium", () => {
  let server: OAuth2Server;
  let browser: Browser;
  /** Who the provider says signs in next. */
  let person = { sub: "", email: "", name: "" };
  /** What the provider was asked for at /authorize. */
  const authorizeQueries: URLSearchParams[] = [];
  const dashboard = () => `http://localhost:${inject("port")}/`;

  beforeAll(async () => {
    server = new OAuth2Server();
    await server.issuer.keys.generate("RS256");
    // The issuer the stack was configured with, exactly: the ID token's iss must match it.
    server.issuer.url = OIDC.issuer;
    server.service.on("beforeAuthorizeRedirect", (_redirect: unknown, req: { url?: string }) => {
      authorizeQueries.push(new URL(req.url ?? "/", OIDC.issuer).searchParams);
    });
    server.service.on("beforeTokenSigning", (token: { payload: Record<string, unknown> }) => {
      Object.assign(token.payload, { sub: person.sub, email: person.email, email_verified: true, name: person.name });
    });
    await server.start(OIDC.port, "127.0.0.1");
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  function nextPerson(label: string) {
    const id = `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    person = { sub: `sub-${id}`, email: `${id}@sso.e2e.test`, name: `SSO ${label}` };
    return person;
  }

  /** Signs in with the provider's button; back on the dashboard, the header's account button says who. */
  async function clickProvider(page: Page) {
    await page.getByRole("button", { name: `Sign in with ${OIDC.name}` }).click();
    await accountButton(page).waitFor();
  }

  it("lists the provider in /auth/config", async () => {
    const config = (await (await fetch(`${inject("baseUrl")}/auth/config`)).json()) as { providers: string[]; provider_names: Record<string, string> };
    expect(config.providers).toEqual(["oidc"]);
    expect(config.provider_names).toEqual({ oidc: OIDC.name });
  });

  it("signs a new person in through the provider's button and lands on the dashboard, signed in", async () => {
    const me = nextPerson("new");
    const page = await browser.newPage();
    await page.goto(dashboard());
    await clickProvider(page);
    // Back at the page it started from (/), which is the dashboard's Instances page.
    await waitForPage(page, "Instances");
    expect(new URL(page.url()).pathname).toBe("/instances");
    expect(await accountButton(page).textContent()).toBe(`Account: ${me.name}`);

    // The stack asked with S256 PKCE and a nonce (the mock checked the verifier and put the nonce in the ID token).
    const asked = authorizeQueries.at(-1)!;
    expect(asked.get("code_challenge_method")).toBe("S256");
    expect(asked.get("nonce")).toBeTruthy();
    expect(asked.get("redirect_uri")).toBe(`http://localhost:${inject("port")}/auth/oidc/callback`);

    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === "anc_access")).toMatchObject({ httpOnly: true });
    expect(cookies.find((c) => c.name === "anc_oauth")).toBeUndefined(); // the flow cookie is spent
    await openYourSettings(page);
    expect(await page.getByRole("main").getByText(me.email).first().isVisible()).toBe(true);
    await openSettingsSection(page, "Connected accounts");
    await page.getByRole("heading", { name: "Linked sign-in providers" }).waitFor();
    await expect.poll(() => page.getByText(`Linked as ${me.email}`).count()).toBe(1);

    // Signing out and in again finds the same account by the provider's id.
    const first = (await (await page.request.get(`${dashboard()}auth/user`)).json()) as { id: string };
    await signOutFromMenu(page);
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    await clickProvider(page);
    const again = (await (await page.request.get(`${dashboard()}auth/user`)).json()) as { id: string };
    expect(again.id).toBe(first.id);
    await page.close();
  });

  it("refuses the callback when it is replayed, and says so on the sign-in screen", async () => {
    nextPerson("replay");
    const context = await browser.newContext();
    const page = await context.newPage();
    const callbacks: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/auth/oidc/callback")) callbacks.push(r.url());
    });
    await page.goto(dashboard());
    await clickProvider(page);
    // Signed out, the same callback URL (state and code) is opened again.
    await signOutFromMenu(page);
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    await page.goto(callbacks[0]!);
    await expect.poll(async () => (await page.getByRole("alert").textContent()) ?? "").toMatch(/expired, was already used/);
    expect(new URL(page.url()).search).toBe(""); // the reason is taken out of the address bar
    expect((await context.cookies()).find((c) => c.name === "anc_access")).toBeUndefined();
    await context.close();
  });

  it("links the provider to a password account from Settings › Connected accounts, then unlinks it", async () => {
    const user = await freshUser("link");
    nextPerson("link");
    const page = await browser.newPage();
    await signInContext(page.context(), dashboard(), user.email, user.password);
    // Settings › Connected accounts; the provider sends the browser back to it.
    await page.goto(`${dashboard()}settings/accounts`);
    await page.getByRole("heading", { name: "Linked sign-in providers" }).waitFor();
    await page.getByRole("button", { name: `Link ${OIDC.name}` }).click();
    // A round trip through the provider, then back here.
    await expect.poll(() => page.getByText(`Linked as ${person.email}`).count(), { timeout: 15_000 }).toBe(1);
    expect(new URL(page.url()).pathname).toBe("/settings/accounts");
    // Still the same account.
    expect(((await (await page.request.get(`${dashboard()}auth/user`)).json()) as { id: string }).id).toBe(user.id);
    await openYourSettings(page);
    expect(await page.getByRole("main").getByText(user.email).first().isVisible()).toBe(true);
    await openSettingsSection(page, "Connected accounts");

    await page.getByRole("button", { name: `Unlink ${OIDC.name}` }).click();
    await page.getByText(`${OIDC.name} unlinked.`).waitFor();
    await page.getByRole("button", { name: `Link ${OIDC.name}` }).waitFor();
    await page.close();
  });
});
