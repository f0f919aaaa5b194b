import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { anchorage, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { openYourSettings, waitForPage } from "./dashboard-shell.ts";
import { api, base } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";

type Mail = { to: string; subject: string; text: string };

/** The newest mail for an address in the local stack's dev outbox (no RESEND_API_KEY locally). */
async function newestMail(to: string, subject: RegExp): Promise<Mail> {
  return until(async () => {
    const res = await api(`/api/dev/outbox?to=${encodeURIComponent(to)}`);
    expect(res.status).toBe(200);
    return (res.body.messages as Mail[]).find((m) => subject.test(m.subject));
  });
}

const linkIn = (mail: Mail) => /(http:\/\/localhost:\d+\/magic\?token=[A-Za-z0-9_-]{43}(&for=cli)?)/.exec(mail.text)![1]!;

/** Signed in without the form, on Settings › Sessions (where the device code is made). */
async function openSessions(page: Page, user: TestUser) {
  await signInContext(page.context(), `http://localhost:${inject("port")}`, user.email, user.password);
  await page.goto(`http://localhost:${inject("port")}/settings/sessions`);
  await page.getByRole("heading", { name: "Your sessions" }).waitFor();
}

/**
 * Sign-in without a password against `npm start`: a magic link asked for on the dashboard, read
 * from the dev outbox and opened in Chromium; and the real `anchorage` CLI signing in with a device
 * code made on the dashboard and with a magic link approved in the browser.
 */
describe.runIf(hasChromium() || process.env.CI)("magic links and device codes, end to end", () => {
  let browser: Browser;
  const homes: string[] = [];
  const home = () => {
    const dir = mkdtempSync(join(tmpdir(), "anchorage-passwordless-"));
    homes.push(dir);
    return dir;
  };

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    for (const dir of homes) rmSync(dir, { recursive: true, force: true });
  });

  it("asks for a link on the sign-in page, reads it from the dev outbox, and lands signed in; the link works once", async () => {
    const user = await freshUser("magic");
    const page = await browser.newPage();
    await page.goto(`http://localhost:${inject("port")}/`);
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await page.getByLabel("Email").fill(user.email);
    await page.getByRole("button", { name: "Email me a link" }).click();
    await page.getByText("a sign-in link is on its way").waitFor();

    const link = linkIn(await newestMail(user.email, /^Your Anchorage sign-in link$/));
    const landing = await browser.newPage();
    await landing.goto(link);
    // The token leaves the address bar before anything else happens.
    await expect.poll(() => landing.url()).toBe(`http://localhost:${inject("port")}/magic`);
    await landing.getByRole("button", { name: "Sign in to Anchorage" }).click();
    // Signed in, on the dashboard's first page; Settings names who.
    await waitForPage(landing, "Instances");
    await openYourSettings(landing);
    expect(await landing.getByRole("main").getByText(user.email).first().isVisible()).toBe(true);
    const cookies = await landing.context().cookies();
    expect(cookies.find((c) => c.name === "anc_access")).toMatchObject({ httpOnly: true });

    const again = await browser.newPage();
    await again.goto(link);
    await again.getByRole("button", { name: "Sign in to Anchorage" }).click();
    await expect.poll(async () => (await again.getByRole("alert").textContent()) ?? "").toMatch(/invalid, expired or already used/);
  });

  it("anchors with `anchorage anchor --invite` and a device code made on the dashboard", async () => {
    const user = await freshUser("invite");
    const page = await browser.newPage();
    await openSessions(page, user);
    await page.getByRole("button", { name: "Create a device code" }).click();
    const code = (await page.locator(".invite-code").textContent())!;
    expect(code).toMatch(/^\d{6}$/);
    expect(await page.getByText(`--invite ${code}`).isVisible()).toBe(true);

    const cli = anchorage(["anchor", base(), "--home", home(), "--name", "invite-box", "--invite", code]);
    expect(await cli.done, cli.output()).toBe(0);
    const instanceId = /Anchored "invite-box" as (ins_\S+)/.exec(cli.output())![1]!;
    const mine = await api("/api/cloud/instances", { token: user.token });
    expect(mine.body.instances.map((i: { id: string }) => i.id)).toContain(instanceId);

    // The code is spent: a second terminal is refused.
    const second = anchorage(["anchor", base(), "--home", home(), "--invite", code]);
    expect(await second.done).not.toBe(0);
    expect(second.output()).toMatch(/wrong, expired or already used/);
  });

  it("anchors with `anchorage anchor --email --magic-link`: the terminal waits, the link is approved in the browser, the terminal gets the session", async () => {
    const user = await freshUser("magiccli");
    const cli = anchorage(["anchor", base(), "--home", home(), "--name", "mail-box", "--email", user.email, "--magic-link"]);
    const shown = await until(() => /the code ([A-Z]{4})/.exec(cli.output())?.[1]);
    const mail = await newestMail(user.email, /^Approve a terminal sign-in/);
    expect(mail.subject).toContain(shown);
    const link = linkIn(mail);
    expect(link).toMatch(/&for=cli$/);

    const page = await browser.newPage();
    await page.goto(link);
    await page.getByRole("button", { name: "Approve the terminal sign-in" }).click();
    await page.getByText("your terminal is signing in").waitFor();
    // The browser only approved: it holds no session of its own.
    expect((await page.context().cookies()).find((c) => c.name === "anc_access")).toBeUndefined();

    expect(await cli.done, cli.output()).toBe(0);
    expect(cli.output()).toMatch(/Anchored "mail-box" as ins_/);
  });
});
