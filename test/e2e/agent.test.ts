import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, base } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { anchorage, until } from "./agent-process.ts";

import { NODE } from "./agent-process.ts";

/** The dashboard's live event socket, opened the way a script would (Bearer). */
function openEvents(token: string) {
  const events: any[] = [];
  const ws = new WebSocket(base().replace("http", "ws") + "/api/events", { headers: { authorization: `Bearer ${token}` } } as unknown as string[]);
  ws.addEventListener("message", (e) => events.push(JSON.parse(String(e.data))));
  return { ws, events, ready: until(() => events.find((e) => e.type === "hello")) };
}

describe("a real agent process anchored to `npm start`", () => {
  const home = mkdtempSync(join(tmpdir(), "anchorage-agent-"));
  const appLog = join(home, "app.log");
  let token = "";
  let owner: TestUser;
  let instanceId = "";
  let agent: ReturnType<typeof anchorage> | undefined;

  beforeAll(async () => {
    owner = await freshUser("agent-owner");
    token = owner.token;
  });
  afterAll(() => {
    agent?.child.kill("SIGKILL");
    rmSync(home, { recursive: true, force: true });
  });

  it("anchors with email and password, writing a private credential", async () => {
    const a = anchorage(["anchor", base(), "--home", home, "--name", "e2e-box", "--email", owner.email], { ANCHORAGE_PASSWORD: owner.password });
    expect(await a.done).toBe(0);
    instanceId = /as (ins_\S+)/.exec(a.output())![1]!;
    writeFileSync(appLog, "old line that must not be replayed\n");
    writeFileSync(
      join(home, "config.yaml"),
      [
        "name: e2e-box",
        "commands:",
        `  - { name: count, argv: [${JSON.stringify(NODE)}, -e, "console.log('one'); setTimeout(() => console.log('two'), 400)"] }`,
        `logs: [${JSON.stringify(appLog)}]`,
      ].join("\n"),
    );
    // Anchoring twice is refused: the same machine stays the same instance.
    const again = anchorage(["anchor", base(), "--home", home, "--email", owner.email], { ANCHORAGE_PASSWORD: owner.password });
    expect(await again.done).toBe(1);
    expect(again.output()).toMatch(/already anchored/);
  });

  it("refuses a broken config at start-up with the line and the reason", async () => {
    const badHome = mkdtempSync(join(tmpdir(), "anchorage-bad-"));
    const a = anchorage(["anchor", base(), "--home", badHome, "--email", owner.email], { ANCHORAGE_PASSWORD: owner.password });
    expect(await a.done).toBe(0);
    writeFileSync(join(badHome, "config.yaml"), "name: bad\nlogz: [/tmp/x]\n");
    const run = anchorage(["run", "--home", badHome]);
    expect(await run.done).toBe(2);
    expect(run.output()).toMatch(/config\.yaml:2:1: .*logz/);
    rmSync(badHome, { recursive: true, force: true });
  });

  it("comes online, streams a command's output as events, and tails its logs", async () => {
    const events = openEvents(token);
    await events.ready;
    agent = anchorage(["run", "--home", home]);
    await until(() => events.events.find((e) => e.type === "cloud:instance-update" && e.instanceId === instanceId && e.status === "online"));
    expect((await api(`/api/cloud/instance/${instanceId}`, { token })).body.status).toBe("online");

    const res = await api(`/api/cloud/instance/${instanceId}/command`, { token, body: { command: "count" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "success", exit_code: 0 });
    const chunks = events.events.filter((e) => e.type === "cloud:command-progress" && e.actionId === res.body.id && e.data).map((e) => e.data);
    expect(chunks.join("")).toBe("one\ntwo\n");
    // "one" arrived as its own event, before the command finished.
    expect(chunks[0]).toBe("one\n");

    appendFileSync(appLog, "fresh line\n");
    const live = await until(() => events.events.find((e) => e.type === "cloud:log-lines" && e.lines.some((l: { line: string }) => l.line === "fresh line")));
    expect(live.instanceId).toBe(instanceId);
    const page = await api(`/api/cloud/instance/${instanceId}/logs`, { token });
    expect(page.body.lines.map((l: { line: string }) => l.line)).toContain("fresh line");
    expect(page.body.lines.map((l: { line: string }) => l.line)).not.toContain("old line that must not be replayed");

    const info = await api(`/api/cloud/instance/${instanceId}/info`, { token });
    expect(info.body).toMatchObject({ agent_version: "0.1.0", node: expect.stringMatching(/^v22/) });
    const health = await until(async () => (await api(`/api/cloud/instance/${instanceId}/health?hours=1`, { token })).body.points.length > 0);
    expect(health).toBe(true);
    events.ws.close();
  });

  it("is marked offline within seconds of being killed, and comes back as the same instance", async () => {
    const events = openEvents(token);
    await events.ready;
    const killedAt = Date.now();
    agent!.child.kill("SIGKILL");
    await until(() => events.events.find((e) => e.type === "cloud:instance-update" && e.instanceId === instanceId && e.status === "offline"), 15_000);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect((await api(`/api/cloud/instance/${instanceId}`, { token })).body.status).toBe("offline");

    agent = anchorage(["run", "--home", home]);
    await until(() => events.events.find((e) => e.type === "cloud:instance-update" && e.instanceId === instanceId && e.status === "online" && e.at > new Date(killedAt).toISOString()));
    const mine = (await api("/api/cloud/instances", { token })).body.instances.filter((i: { name: string }) => i.name === "e2e-box");
    expect(mine.map((i: { id: string }) => i.id)).toEqual([instanceId]);
    events.ws.close();
  });

  it("can be shared and unshared", async () => {
    const { email, token: sharee } = await freshUser("sharee");
    expect((await api(`/api/cloud/instance/${instanceId}`, { token: sharee })).status).toBe(404);
    const s = await api("/api/cloud/shares/save", { token, body: { grantee_email: email, instance_id: instanceId, permissions: ["read:cloud_instance", "command:cloud_instance"] } });
    expect(s.status).toBe(200);
    expect((await api(`/api/cloud/instance/${instanceId}/command`, { token: sharee, body: { command: "count" } })).body.status).toBe("success");
    await api("/api/cloud/shares/delete", { token, body: { id: s.body.id } });
    expect((await api(`/api/cloud/instance/${instanceId}`, { token: sharee })).status).toBe(404);
  });

  it("shuts down cleanly on SIGTERM", async () => {
    agent!.child.kill("SIGTERM");
    expect(await agent!.done).toBe(0);
    expect(agent!.output()).toMatch(/SIGTERM: shutting down/);
  });
});
