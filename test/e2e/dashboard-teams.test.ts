import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { openTerminal } from "./terminal-client.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { openFromNav, openSettingsSection, openYourSettings, waitForPage } from "./dashboard-shell.ts";

const line = (text: string) => new RegExp(`(?:^|[\r\n])${text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\r\n`);

/**
 * Teams end to end: the owner makes a team on Settings › Teams in Chromium and adds a member by
 * email; a share to the team (a real agent, a real shell) reaches the member, who opens a
 * terminal; removing them on the page ends their access on their next request and closes that
 * open terminal at once.
 */
describe.runIf(hasChromium() || process.env.CI)("teams in the dashboard", () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-teams-")));
  let owner: TestUser;
  let member: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;

  beforeAll(async () => {
    owner = await freshUser("team-owner");
    member = await freshUser("team-member");
    agent = await startAgent(owner.token, `name: team-box\nroots: [${JSON.stringify(root)}]\nterminal: { shell: /bin/bash }\n`);
    await until(async () => (await api(`/api/cloud/instance/${agent.instanceId}`, { token: owner.token })).body.status === "online", 20_000);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    agent?.run.child.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  });

  it("makes a team, adds a member who then reaches the team's share, and removes them: their terminal closes at once", async () => {
    const page = await browser.newPage();
    await signInContext(page.context(), `http://localhost:${inject("port")}`, owner.email, owner.password);
    await page.goto(`http://localhost:${inject("port")}/instances`);
    await waitForPage(page, "Instances");
    await openYourSettings(page);
    await openSettingsSection(page, "Teams");
    const main = page.getByRole("main");
    await main.getByLabel("New team's name").fill("night shift");
    await main.getByRole("button", { name: "Create team" }).click();
    await main.getByRole("heading", { name: /night shift/ }).waitFor();

    // An email without an account is said so beside the field, and nobody is added.
    const add = main.getByRole("form", { name: "Add a member to night shift" });
    await add.getByLabel("Member's email").fill("nobody-at-all@example.com");
    await add.getByRole("button", { name: "Add member" }).click();
    await main.getByText("no account has this email").first().waitFor();
    await add.getByLabel("Member's email").fill(member.email);
    await add.getByRole("button", { name: "Add member" }).click();
    await main.getByRole("button", { name: `Remove ${member.email}` }).waitFor(); // their row, with what an owner may do

    const team = (await api("/api/teams", { token: owner.token })).body.teams.find((t: any) => t.name === "night shift");
    expect(team.members.map((m: any) => m.email).sort()).toEqual([owner.email, member.email].sort());

    // The Shares page offers the team in place of an email.
    await openFromNav(page, "Shares");
    const shares = page.getByRole("region", { name: "Shares" });
    await shares.getByRole("button", { name: "Share an instance" }).click();
    const form = page.getByRole("form", { name: "Share an instance" });
    await form.getByLabel("Share with").selectOption({ label: "The team “night shift” (2 members)" });
    expect(await form.getByLabel("Their email").count()).toBe(0);
    await form.getByRole("checkbox", { name: /^Terminal/ }).check();
    await form.getByRole("button", { name: "Share" }).click();
    await shares.getByText("Shared instance “team-box” with the team “night shift”.").waitFor();
    const given = (await api("/api/cloud/shares/list", { token: owner.token })).body.given;
    expect(given).toEqual([expect.objectContaining({ team_id: team.id, team_name: "night shift", instance_id: agent.instanceId, permissions: ["read:cloud_instance", "terminal:cloud_instance"] })]);

    // The member sees it and works in a shell on it.
    expect((await api(`/api/cloud/instance/${agent.instanceId}`, { token: member.token })).status).toBe(200);
    const t = await openTerminal(agent.instanceId, member.token);
    expect(t.opened).toEqual({ ok: true });
    t.type("echo team-shell\r");
    await t.waitFor(line("team-shell"));

    // Removed on the page: the open terminal closes, and the next request is refused.
    await openYourSettings(page);
    await openSettingsSection(page, "Teams");
    await main.getByRole("button", { name: `Remove ${member.email}` }).click();
    await main.getByText(`${member.email} is no longer in night shift.`).waitFor({ timeout: 60_000 });
    await until(() => t.closed(), 5_000);
    expect(t.closed()!.code).toBe(4403);
    expect((await api(`/api/cloud/instance/${agent.instanceId}`, { token: member.token })).status).toBe(404);
    expect((await openTerminal(agent.instanceId, member.token)).opened).toMatchObject({ ok: false, status: 404 });
  });
});
