import { describe, expect, it } from "vitest";
import { call, json, register, testEnv } from "../helpers.ts";
import { FakeAgent, until } from "./fake-agent.ts";
import { openEvents } from "./event-socket.ts";

describe("commands, logs and live events", () => {
  it("runs a command, streams its output as events to the owner, and records the action", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    const { events } = await openEvents(owner.access);
    agent.handlers["command.run"] = async (params: { name: string }, id: string) => {
      agent.send({ type: "rpc-progress", id, stream: "stdout", data: "Filesystem  Size\n" });
      agent.send({ type: "rpc-progress", id, stream: "stdout", data: "/dev/root   10G\n" });
      return { exit_code: 0, signal: null, timed_out: false, duration_ms: 12, stdout_tail: `ran ${params.name}`, stderr_tail: "" };
    };
    const res = await call(`/api/cloud/instance/${agent.instanceId}/command`, { token: owner.access, body: { command: "disk" } });
    expect(res.status).toBe(200);
    const action = await json(res);
    expect(action).toMatchObject({ command: "disk", status: "success", exit_code: 0, requested_by: owner.userId });
    expect(action.output_tail).toBe("Filesystem  Size\n/dev/root   10G\n");

    const progress = await until(() => {
      const p = events.filter((e) => e.type === "cloud:command-progress" && e.actionId === action.id);
      return p.some((e) => e.status === "success") ? p : null;
    });
    expect(progress!.filter((e) => e.data).map((e) => e.data)).toEqual(["Filesystem  Size\n", "/dev/root   10G\n"]);

    const actions = await json(await call(`/api/cloud/instance/${agent.instanceId}/actions`, { token: owner.access }));
    expect(actions.actions[0]).toMatchObject({ id: action.id, status: "success" });
  });

  it("records a failing command as an error with its exit code", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    agent.handlers["command.run"] = () => ({ exit_code: 3, signal: null, timed_out: false, duration_ms: 5, stdout_tail: "", stderr_tail: "boom" });
    const action = await json(await call(`/api/cloud/instance/${agent.instanceId}/command`, { token: owner.access, body: { command: "disk" } }));
    expect(action).toMatchObject({ status: "error", exit_code: 3 });
  });

  it("refuses a command the agent's config does not allow, and records nothing", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    await until(async () => (await testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(agent.instanceId)).live()).hello);
    const res = await call(`/api/cloud/instance/${agent.instanceId}/command`, { token: owner.access, body: { command: "rm" } });
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toMatch(/allowed: restart, update, git-pull, disk/);
    expect((await json(await call(`/api/cloud/instance/${agent.instanceId}/actions`, { token: owner.access }))).actions).toEqual([]);
  });

  it("refresh pings every visible instance and reports who answers", async () => {
    const owner = await register();
    const up = await FakeAgent.register(owner, "up");
    const down = await FakeAgent.register(owner, "down");
    await up.connect();
    const res = await json(await call("/api/cloud/instances/refresh", { method: "POST", token: owner.access }));
    const byId = Object.fromEntries(res.instances.map((i: { id: string }) => [i.id, i]));
    expect(byId[up.instanceId]).toMatchObject({ online: true });
    expect(byId[up.instanceId].rtt_ms).toBeGreaterThanOrEqual(0);
    expect(byId[down.instanceId]).toMatchObject({ online: false, rtt_ms: null });
  });

  it("fails fast with 503 when the instance is offline", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const res = await call(`/api/cloud/instance/${agent.instanceId}/command`, { token: owner.access, body: { command: "disk" } });
    expect(res.status).toBe(503);
    expect((await json(res)).error.code).toBe("E-INSTANCE-OFFLINE");
    expect((await call(`/api/cloud/instance/${agent.instanceId}/info`, { token: owner.access })).status).toBe(503);
  });

  it("keeps a ring of log lines and pushes them live", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    const { events } = await openEvents(owner.access);
    agent.send({ type: "logs", lines: [{ at: new Date().toISOString(), source: "/var/log/app.log", line: "started" }, { at: new Date().toISOString(), source: "/var/log/app.log", line: "listening on 3000" }] });
    const live = await until(() => events.find((e) => e.type === "cloud:log-lines"));
    expect(live.lines.map((l: { line: string }) => l.line)).toEqual(["started", "listening on 3000"]);
    const page = await json(await call(`/api/cloud/instance/${agent.instanceId}/logs`, { token: owner.access }));
    expect(page.lines.map((l: { line: string }) => l.line)).toEqual(["started", "listening on 3000"]);
    const after = await json(await call(`/api/cloud/instance/${agent.instanceId}/logs?since=${page.lines[0].seq}`, { token: owner.access }));
    expect(after.lines.map((l: { line: string }) => l.line)).toEqual(["listening on 3000"]);
  });

  it("shows health history and the agent's config", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    agent.heartbeat(10);
    agent.heartbeat(30);
    const stub = testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(agent.instanceId));
    await until(async () => (await stub.health(0)).some((p) => p.samples === 2));
    const health = await json(await call(`/api/cloud/instance/${agent.instanceId}/health?hours=1`, { token: owner.access }));
    expect(health.points.at(-1)).toMatchObject({ cpu: 20, samples: 2, mem_total: 4 });
    const config = await json(await call(`/api/cloud/instance/${agent.instanceId}/config`, { token: owner.access }));
    expect(config.config.commands[0].name).toBe("disk");
  });

  it("sends an instance's events to exactly the users who may see it, and stops at once when a share is revoked", async () => {
    const owner = await register();
    const sharee = await register();
    const stranger = await register();
    const agent = await FakeAgent.register(owner);
    const s = await json(await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] } }));
    const [o, sh, st] = [await openEvents(owner.access), await openEvents(sharee.access), await openEvents(stranger.access)];
    await agent.connect();
    agent.heartbeat(1);
    await until(() => sh.events.some((e) => e.type === "cloud:instance-update" && e.stats?.cpu === 1));
    await until(() => o.events.some((e) => e.type === "cloud:instance-update" && e.stats?.cpu === 1));

    await call("/api/cloud/shares/delete", { token: owner.access, body: { id: s.id } });
    agent.heartbeat(2);
    await until(() => o.events.some((e) => e.type === "cloud:instance-update" && e.stats?.cpu === 2));
    expect(sh.events.some((e) => e.stats?.cpu === 2)).toBe(false);
    expect(st.events.filter((e) => e.type !== "hello")).toEqual([]);
  });

  it("refuses the event socket to a stranger and a cross-site cookie", async () => {
    expect((await call("/api/events", { headers: { upgrade: "websocket" } })).status).toBe(401);
  });

  it("deleting an instance stops its agent for good and its credential stops working", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { method: "DELETE", token: owner.access })).status).toBe(200);
    await until(() => agent.closed);
    expect(agent.closed!.code).toBe(4004);
    expect((await call("/agent/challenge", { body: { instance_id: agent.instanceId } })).status).toBe(404);
  });

  it("disconnect tells the agent to stop and marks it offline", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    agent.heartbeat();
    const res = await json(await call(`/api/cloud/instance/${agent.instanceId}/disconnect`, { method: "POST", token: owner.access }));
    expect(res.was_online).toBe(true);
    await until(() => agent.closed);
    expect(agent.closed!.code).toBe(4005);
    await until(async () => (await json(await call(`/api/cloud/instance/${agent.instanceId}`, { token: owner.access }))).status === "offline");
  });
});

describe("event sockets end with their session", () => {
  it("closes a session's event socket at logout, and leaves the user's other sessions' sockets open", async () => {
    const a = await register();
    const { login } = await import("../helpers.ts");
    const b = await login(a.email);
    const res1 = await call("/api/events", { token: a.access, headers: { upgrade: "websocket" } });
    const res2 = await call("/api/events", { token: b.access, headers: { upgrade: "websocket" } });
    const [ws1, ws2] = [res1.webSocket!, res2.webSocket!];
    ws1.accept();
    ws2.accept();
    let closed1: number | null = null;
    let closed2: number | null = null;
    ws1.addEventListener("close", (e) => (closed1 = e.code));
    ws2.addEventListener("close", (e) => (closed2 = e.code));
    await call("/auth/logout", { method: "POST", token: a.access });
    await until(() => closed1 !== null);
    expect(closed1).toBe(4401);
    expect(closed2).toBeNull();
  });
});
