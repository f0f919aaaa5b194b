import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";

type Agent = Awaited<ReturnType<typeof startAgent>>;

/**
 * Runs and schedules with three real agents (docs/fleet.md): a run on a tag reaches the two
 * tagged machines and leaves the third alone; an agent killed in the middle of a run ends as
 * offline or error while the other succeeds, and the run ends; a schedule every 10 s is seen
 * running twice; the Runs page starts a run and shows each machine's result live, at a phone's width too.
 */
describe("fleet runs and schedules", () => {
  const stamp = Date.now().toString(36);
  const names = ["fa", "fb", "fc"].map((n) => `${n}-${stamp}`);
  const tag = `web-${stamp}`;
  const config = (name: string) =>
    `name: ${name}\ncommands:\n  - { name: hello, argv: [echo, "hello from ${name}"] }\n  - { name: work, argv: [sh, -c, "sleep 4; echo worked on ${name}"] }\n`;
  let owner: TestUser;
  let agents: Agent[] = [];
  let browser: Browser | undefined;

  const runDone = (id: string, ms = 60_000) =>
    until(async () => {
      const r = await api(`/api/cloud/runs/${id}`, { token: owner.token });
      return r.body.state === "done" ? r.body : null;
    }, ms);
  const byId = (run: any) => Object.fromEntries(run.results.map((r: any) => [r.instanceId, r]));

  beforeAll(async () => {
    owner = await freshUser("fleet-runs");
    agents = await Promise.all(names.map((n) => startAgent(owner.token, config(n))));
    for (const [i, a] of agents.entries()) {
      await until(async () => {
        const r = await api(`/api/cloud/instance/${a.instanceId}`, { token: owner.token });
        return r.body.status === "online" && r.body.name === names[i];
      }, 45_000).catch((e: Error) => {
        throw new Error(`${names[i]} did not come online: ${e.message}\n${a.run.output()}`);
      });
    }
    for (const a of agents.slice(0, 2)) expect((await api(`/api/cloud/instances/${a.instanceId}`, { method: "PATCH", token: owner.token, body: { tags: [tag] } })).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const a of agents) a.run.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    for (const a of agents) rmSync(a.home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  it("a run on the tag reaches the two tagged machines, and the third is untouched", { timeout: 60_000 }, async () => {
    const res = await api("/api/cloud/runs", { token: owner.token, body: { target: { tag }, command: "hello" } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const run = await runDone(res.body.runId);
    expect(run.results).toHaveLength(2);
    const results = byId(run);
    for (const [i, a] of agents.slice(0, 2).entries()) {
      expect(results[a.instanceId]).toMatchObject({ state: "success", exitCode: 0, output: `hello from ${names[i]}\n` });
    }
    expect(results[agents[2]!.instanceId]).toBeUndefined();
    const third = await api(`/api/cloud/instance/${agents[2]!.instanceId}/actions`, { token: owner.token });
    expect(third.body.actions).toEqual([]);
  });

  it("an agent killed mid-run ends as offline or error, never a hang, and the other succeeds", { timeout: 90_000 }, async () => {
    const [a, b] = agents as [Agent, Agent];
    const res = await api("/api/cloud/runs", { token: owner.token, body: { target: { tag }, command: "work", timeoutSeconds: 60 } });
    expect(res.status).toBe(201);
    const runId = res.body.runId as string;
    await until(async () => {
      const r = await api(`/api/cloud/runs/${runId}`, { token: owner.token });
      return r.body.results.every((m: any) => m.state === "running");
    });
    b.run.child.kill("SIGKILL");
    const started = Date.now();
    const run = await runDone(runId, 45_000);
    const results = byId(run);
    expect(results[a.instanceId]).toMatchObject({ state: "success", output: `worked on ${names[0]}\n` });
    expect(["offline", "error"]).toContain(results[b.instanceId].state);
    expect(results[b.instanceId].error).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(40_000);
    const listed = await api("/api/cloud/runs", { token: owner.token });
    expect(listed.body.runs[0]).toMatchObject({ id: runId, state: "done", total: 2, succeeded: 1, failed: 1 });
  });

  it("a schedule every 10 s is seen running twice", { timeout: 90_000 }, async () => {
    const [a, , c] = agents as [Agent, Agent, Agent];
    const created = await api("/api/cloud/schedules", { token: owner.token, body: { name: `every ten ${stamp}`, target: { instanceIds: [a.instanceId, c.instanceId] }, command: "hello", intervalSeconds: 10, enabled: true } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const runs = await until(async () => {
      const r = await api(`/api/cloud/schedules/${id}/runs`, { token: owner.token });
      const done = r.body.runs.filter((x: any) => x.state === "done");
      return done.length >= 2 ? done : null;
    }, 60_000);
    for (const r of runs.slice(0, 2)) expect(r).toMatchObject({ scheduleId: id, total: 2, succeeded: 2 });
    const gap = Date.parse(runs[0].created_at) - Date.parse(runs[1].created_at);
    expect(gap).toBeGreaterThanOrEqual(9_000);
    expect(gap).toBeLessThan(20_000);
    expect((await api(`/api/cloud/schedules/${id}`, { method: "DELETE", token: owner.token })).status).toBe(200);
  });

  it.runIf(hasChromium() || process.env.CI)("the Runs page starts a run on the tag and shows each machine's result live, and its address opens it", { timeout: 90_000 }, async () => {
    const [a, b] = agents as [Agent, Agent];
    browser = await launchChromium();
    const origin = `http://localhost:${inject("port")}`;
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signInContext(page.context(), origin, owner.email, owner.password);
    await page.goto(`${origin}/activity`);
    await page.getByRole("navigation", { name: "Fleet operations" }).getByRole("link", { name: "Runs" }).click();
    await page.getByRole("heading", { name: "Runs", level: 1 }).waitFor();
    const form = page.getByRole("form", { name: "Start a run" });
    await form.getByRole("radio", { name: "A tag" }).check();
    await form.getByLabel("Tag", { exact: true }).fill(tag);
    await form.getByLabel("Command", { exact: true }).fill("hello");
    await form.getByRole("button", { name: "Start run" }).click();
    await page.waitForURL(/\/activity\/runs\/run_/);
    const runUrl = page.url();
    const table = page.getByRole("table", { name: "Results" });
    // b's agent was killed above: offline at once; a succeeds.
    await table.getByRole("row").filter({ hasText: names[0]! }).getByText("Succeeded", { exact: true }).waitFor({ timeout: 30_000 });
    await table.getByRole("row").filter({ hasText: names[1]! }).getByText("Offline", { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole("status").filter({ hasText: "Done" }).waitFor();
    await table.getByRole("row").filter({ hasText: names[0]! }).getByText(`Output of ${names[0]}`).click();
    await table.getByText(`hello from ${names[0]}`).waitFor();
    // Nothing wider than the phone's screen.
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")).toBe(true);

    // The run's own address opens the same page on it.
    const other = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signInContext(other.context(), origin, owner.email, owner.password);
    await other.goto(runUrl);
    await other.getByRole("table", { name: "Results" }).getByRole("row").filter({ hasText: names[0]! }).getByText("Succeeded", { exact: true }).waitFor();
    expect(await other.getByRole("table", { name: "Results" }).getByRole("row").count()).toBe(3); // the header and two machines
    void a;
    void b;
  });
});
