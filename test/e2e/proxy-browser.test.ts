import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Browser, Page } from "playwright-core";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium } from "./browser.ts";
import { accountButton, waitForPage } from "./dashboard-shell.ts";
import { startLocalApp, type LocalApp } from "./local-apps.ts";

let user: TestUser;
async function signIn(page: Page) {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/**
 * A person in a browser reaching a proxied app that needs a signed-in user: sent to sign in,
 * then back, by path (same origin) and by the app's own host (a proxy token handed over).
 */
describe.runIf(hasChromium() || process.env.CI)("proxied app in a browser", () => {
  let browser: Browser;
  let app: LocalApp;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  const origin = () => `http://localhost:${inject("port")}`;

  beforeAll(async () => {
    app = await startLocalApp();
    user = await freshUser("browser-proxy");
    const token = user.token;
    agent = await startAgent(token, `name: browser-app\nproxy: { slug: web-app, target: "http://127.0.0.1:${app.port}", access: users }\n`);
    await until(async () => (await fetch(`${origin()}/p/web-app/id?i=1`, { headers: { authorization: `Bearer ${token}` } })).status === 200, 20_000);
    browser = await launchChromium();
  });
  afterAll(async () => {
    agent?.run.child.kill("SIGKILL");
    await browser?.close();
    await app?.close();
  });

  it("by path: a browser is sent to the app's own host (PROXY_DOMAIN is set), signs in on the dashboard and comes back", async () => {
    const page = await browser.newPage();
    await page.goto(`${origin()}/p/web-app/echo-headers?from=path`);
    await signIn(page);
    await page.waitForURL(`http://web-app.localhost:${inject("port")}/echo-headers?from=path`);
    const body = JSON.parse(await page.locator("body").innerText());
    expect(body.url).toBe("/echo-headers?from=path");
    // The dashboard's own cookies never reach the app.
    expect(body.headers.cookie ?? "").not.toMatch(/anc_/);
  });

  it("by host: the app's own host gets a proxy token and keeps its own cookie", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const appUrl = `http://web-app.localhost:${inject("port")}/echo-headers?from=host`;
    await page.goto(appUrl);
    await signIn(page);
    await page.waitForURL(appUrl);
    const body = JSON.parse(await page.locator("body").innerText());
    expect(body.url).toBe("/echo-headers?from=host");
    expect(body.headers["x-forwarded-host"]).toBe(`web-app.localhost:${inject("port")}`);
    expect(body.headers.cookie ?? "").not.toMatch(/anc_/);
    const cookies = await context.cookies(`http://web-app.localhost:${inject("port")}`);
    expect(cookies.find((c) => c.name === "anc_proxy")).toMatchObject({ httpOnly: true, domain: "web-app.localhost" });
    // A second visit goes straight through.
    await page.goto(`http://web-app.localhost:${inject("port")}/id?i=42`);
    expect(await page.locator("body").innerText()).toBe("42");
    await context.close();
  });

  it("never redirects a sign-in to another site, whatever the next", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin()}/?next=//evil.example/x`);
    await signIn(page);
    // Signed in, on the dashboard (its first page), not anywhere else.
    await waitForPage(page, "Instances");
    await accountButton(page).waitFor();
    expect(new URL(page.url()).host).toBe(`localhost:${inject("port")}`);
    // Signed in now: each of these would be followed at once if the dashboard accepted it (issue 19 §5).
    for (const next of ["/%09/evil.example/", "/%0A/evil.example/", "/%0D%0A/evil.example/", "/%5Cevil.example/", "%2F%2Fevil.example/"]) {
      await page.goto(`${origin()}/?next=${next}`);
      await waitForPage(page, "Instances");
      expect(new URL(page.url()).host, next).toBe(`localhost:${inject("port")}`);
    }
    // A good next is still followed (so the loop above could fail).
    await page.goto(`${origin()}/?next=${encodeURIComponent("/healthz?from=next")}`);
    await page.waitForURL(`${origin()}/healthz?from=next`);
    await context.close();
  });
});
