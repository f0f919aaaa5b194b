import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, untilOnline } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { waitForPage } from "./dashboard-shell.ts";

/**
 * Tags in Chromium with two real agents, one declaring `tags: [edge]` in its config: the owner
 * adds tags on the instance's page (a bad one is refused beside the field), a tag links to the
 * Instances page filtered by it at its own address, the config's tag cannot be removed there,
 * and removing one of the owner's tags takes the instance out of that filter.
 */
describe.runIf(hasChromium() || process.env.CI)("instance tags in the dashboard", () => {
  let owner: TestUser;
  let a: Awaited<ReturnType<typeof startAgent>>;
  let b: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  const origin = () => `http://localhost:${inject("port")}`;

  beforeAll(async () => {
    owner = await freshUser("tags-owner");
    a = await startAgent(owner.token, "name: tag-a\n");
    b = await startAgent(owner.token, "name: tag-b\ntags: [edge]\n");
    await untilOnline(owner.token, [a.instanceId, b.instanceId]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    for (const x of [a, b]) x?.run.child.kill("SIGKILL");
  });

  it("adds tags on the instance's page, filters Instances by a tag's link, and keeps the config's tag", async () => {
    const page = await browser.newPage();
    await signInContext(page.context(), origin(), owner.email, owner.password);
    await page.goto(`${origin()}/instances/${a.instanceId}`);
    await waitForPage(page, "tag-a");
    const tags = page.getByRole("main").getByRole("region", { name: "Tags" }).or(page.getByRole("main").locator("section[aria-labelledby=tags-title]"));
    await tags.getByLabel("Add tags").fill("bad_tag!");
    await tags.getByRole("button", { name: "Add" }).click();
    await tags.getByRole("alert").filter({ hasText: "lowercase letters" }).waitFor();
    await tags.getByLabel("Add tags").fill("web, eu");
    await tags.getByRole("button", { name: "Add" }).click();
    await tags.getByRole("link", { name: "web" }).waitFor();
    expect((await api(`/api/cloud/instance/${a.instanceId}`, { token: owner.token })).body.tags).toEqual(["eu", "web"]);

    // The tag's link: the Instances page filtered by it, at an address that opens the same for anyone.
    await tags.getByRole("link", { name: "web" }).click();
    await waitForPage(page, "Instances");
    expect(new URL(page.url()).search).toBe("?tag=web");
    const own = page.getByRole("region", { name: "Your instances" });
    await own.getByRole("link", { name: "tag-a", exact: true }).waitFor();
    await expect(own.getByRole("link", { name: "tag-b", exact: true }).count()).resolves.toBe(0);
    await page.getByLabel("Tag", { exact: true }).selectOption("edge");
    await own.getByRole("link", { name: "tag-b", exact: true }).waitFor();
    expect(new URL(page.url()).search).toBe("?tag=edge");
    await expect(own.getByRole("link", { name: "tag-a", exact: true }).count()).resolves.toBe(0);

    // b's tag comes from its config: shown as such, no remove button.
    await page.goto(`${origin()}/instances/${b.instanceId}`);
    await waitForPage(page, "tag-b");
    const bTags = page.getByRole("main").locator("section[aria-labelledby=tags-title]");
    await bTags.getByRole("link", { name: "edge" }).waitFor();
    await expect(bTags.getByRole("button", { name: "Remove tag edge" }).count()).resolves.toBe(0);

    // Removing the owner's tag takes a out of the filter.
    await page.goto(`${origin()}/instances/${a.instanceId}`);
    await waitForPage(page, "tag-a");
    await tags.getByRole("button", { name: "Remove tag web" }).click();
    await expect.poll(async () => (await api(`/api/cloud/instance/${a.instanceId}`, { token: owner.token })).body.tags, { timeout: 10_000 }).toEqual(["eu"]);
    await page.goto(`${origin()}/instances?tag=web`);
    await waitForPage(page, "Instances");
    await page.getByText("None of your instances matches the filter.").waitFor();
  });
});
