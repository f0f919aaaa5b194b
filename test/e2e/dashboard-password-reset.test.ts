import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { waitForPage } from "./dashboard-shell.ts";
import { api } from "./http-client.ts";
import { freshUser } from "./users.ts";

type Mail = { to: string; subject: string; text: string };

/** The newest mail with that subject for an address, from the local stack's dev outbox (no RESEND_API_KEY locally). */
async function newestMail(to: string, subject: RegExp): Promise<Mail> {
  return until(async () => {
    const res = await api(`/api/dev/outbox?to=${encodeURIComponent(to)}`);
    expect(res.status).toBe(200);
    return (res.body.messages as Mail[]).find((m) => subject.test(m.subject));
  });
}

const NEW_PASSWORD = "a fresh passphrase after forgetting 7";

/**
 * The forgotten-password flow against `npm start` in Chromium: the sign-in page's link, the mail
 * read from the dev outbox, the reset page, then signing in with the new password (the old one
 * refused), while a session held elsewhere before the reset has ended.
 */
describe.runIf(hasChromium() || process.env.CI)("forgotten password, end to end", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  it("walks forgot → mail → reset page → sign in with the new password; the old one is refused and the link works once", async () => {
    const origin = `http://localhost:${inject("port")}`;
    const user = await freshUser("forgot");
    // A browser signed in before the reset: its session must end with it.
    const elsewhere = await browser.newContext();
    await signInContext(elsewhere, origin, user.email, user.password);
    const before = await elsewhere.newPage();
    await before.goto(`${origin}/instances`);
    await waitForPage(before, "Instances");
    expect((await api("/auth/user", { token: user.token })).status).toBe(200);

    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.getByRole("heading", { name: "Forgot your password?" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/password/forgot");
    await page.getByLabel("Email").fill(user.email);
    await page.getByRole("button", { name: "Email me a reset link" }).click();
    await expect.poll(async () => (await page.getByRole("status").textContent()) ?? "").toMatch(/If an account exists for this email, we've sent a link/);

    const mail = await newestMail(user.email, /^Reset your Anchorage password$/);
    const link = /(http:\/\/localhost:\d+\/password\/reset#token=[A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
    const landing = await browser.newPage();
    await landing.goto(link);
    await landing.getByRole("heading", { name: "Choose a new password" }).waitFor();
    // The token leaves the address bar (and so history) at once.
    await expect.poll(() => landing.url()).toBe(`${origin}/password/reset`);

    // The policy is the server's: a short password is refused and the link stays good.
    await landing.getByLabel("New password", { exact: true }).fill("too short");
    await landing.getByLabel("Repeat the new password").fill("too short");
    // The page's own minlength (from /auth/config's policy, shown in the hint) would stop it first;
    // the server's check is the one under test.
    await landing.getByText("12 to 128 characters").waitFor();
    await landing.evaluate(`document.querySelectorAll("input").forEach((i) => i.removeAttribute("minlength"))`);
    await landing.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(async () => (await landing.getByRole("main").textContent()) ?? "", { timeout: 15_000 }).toMatch(/at least 12 characters/);

    await landing.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await landing.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
    await landing.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(async () => (await landing.getByRole("main").textContent()) ?? "", { timeout: 20_000 }).toMatch(/Your password was changed/);

    // Every session ended: the token from before is refused on its next request, and the other browser is signed out.
    expect((await api("/auth/user", { token: user.token })).status).toBe(401);
    await before.reload();
    await before.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    await elsewhere.close();
    const notice = await newestMail(user.email, /^Your Anchorage password was changed$/);
    expect(notice.text).toMatch(/your password was changed/i);

    // The reset signed nobody in; the page sends the person to sign in.
    await landing.getByRole("link", { name: "Sign in with your new password" }).click();
    await landing.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    await landing.getByLabel("Email").fill(user.email);
    await landing.getByLabel("Password").fill(user.password);
    await landing.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(async () => (await landing.getByRole("alert").textContent()) ?? "", { timeout: 15_000 }).toMatch(/invalid email or password/);
    await landing.getByLabel("Password").fill(NEW_PASSWORD);
    await landing.getByRole("button", { name: "Sign in", exact: true }).click();
    await waitForPage(landing, "Instances");

    // The link works once.
    const again = await browser.newPage();
    await again.goto(link);
    await again.getByLabel("New password", { exact: true }).fill("another passphrase entirely 9");
    await again.getByLabel("Repeat the new password").fill("another passphrase entirely 9");
    await again.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(async () => (await again.getByRole("alert").textContent()) ?? "", { timeout: 15_000 }).toMatch(/invalid, expired or already used/);
    expect((await api("/auth/login", { body: { email: user.email, password: NEW_PASSWORD }, headers: { "cf-connecting-ip": "198.51.100.251" } })).status).toBe(200);
  });
});
