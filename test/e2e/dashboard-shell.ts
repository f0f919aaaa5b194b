import type { Page } from "playwright-core";

/**
 * The dashboard's shell as a person meets it (frontend/src/shell): the header's account button
 * (the user's name; its menu holds "Sign out") and each page's one <h1>. Locators are scoped to
 * the header or the page's <main>, because the navigation's links (Instances, Proxies, File sync,
 * Git, Terminal, Logs, Shares, Pods, Activity, Settings, Admin) share words with what pages show.
 */

/** The header's account button: its name is "Account: <the user's name>". */
export const accountButton = (page: Page) => page.getByRole("banner").getByRole("button", { name: /^Account: / });

/** Signs out the way a person does: the account button, then "Sign out" in its menu. */
export async function signOutFromMenu(page: Page): Promise<void> {
  await accountButton(page).click();
  await page.getByRole("banner").getByRole("button", { name: "Sign out", exact: true }).click();
}

/** Waits for the page whose <h1> is `name` (the shell shows one page at a time). */
export async function waitForPage(page: Page, name: string): Promise<void> {
  await page.getByRole("main").getByRole("heading", { level: 1, name, exact: true }).waitFor();
}

/** Opens a page from the main navigation (a link, so the page changes in place: no reload) and waits for its <h1>. */
export async function openFromNav(page: Page, label: string, heading = label): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: label, exact: true }).click();
  await waitForPage(page, heading);
}

/** On an instance's page: opens one of its tabs (Overview, Terminal, Files, Git, Logs, Metrics, Proxy, Sync, Config), each a link to its own address. */
export async function openInstanceTab(page: Page, label: string): Promise<void> {
  await page.getByRole("main").getByRole("tab", { name: label, exact: true }).click();
  await page.getByRole("main").getByRole("tab", { name: label, exact: true, selected: true }).waitFor();
}

/** Settings from the account menu ("Your settings": Profile and password, with who is signed in). */
export async function openYourSettings(page: Page): Promise<void> {
  await accountButton(page).click();
  await page.getByRole("banner").getByRole("link", { name: "Your settings", exact: true }).click();
  await page.getByRole("main").getByRole("heading", { name: "Signed in", exact: true }).waitFor();
}

/** On a Settings page: another of its sub-pages (Passkeys, Sessions, API tokens…) by its link. */
export async function openSettingsSection(page: Page, label: string): Promise<void> {
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: label, exact: true }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: label, exact: true }).and(page.locator('[aria-current="page"]')).waitFor();
}
