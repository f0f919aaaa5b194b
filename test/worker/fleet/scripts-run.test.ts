import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent, until } from "../cloud/fake-agent.ts";
import { openEvents } from "../cloud/event-socket.ts";

const stub = (id: string) => testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(id));
const run = (s: Session, instanceId: string, body: unknown) => call(`/api/cloud/instance/${instanceId}/script`, { token: s.access, body });
const done = { exit_code: 0, signal: null, timed_out: false, duration_ms: 7, stdout_tail: "", stderr_tail: "" };

/** An agent connected with `scripts` as its hello says, its hello seen by the object. */
async function agentWith(owner: Session, scripts: boolean | undefined, name = "box"): Promise<FakeAgent> {
  const agent = await FakeAgent.register(owner, name);
  await agent.connect({ hello: false });
  const hello = agent.helloMessage();
  agent.send({ ...hello, config: { ...hello.config, ...(scripts === undefined ? {} : { scripts }) } });
  await until(async () => (await stub(agent.instanceId).live()).hello);
  return agent;
}

async function script(owner: Session, body = "echo v1\n", interpreter = "sh") {
  const res = await call("/api/cloud/scripts", { token: owner.access, body: { name: `s-${Math.random().toString(36).slice(2, 8)}`, body, interpreter } });
  expect(res.status).toBe(201);
  return json(res);
}

describe("running a script on an agent", () => {
  it("sends the chosen version to an agent with scripts: true, streams its output and records it as an action", async () => {
    const owner = await register();
    const agent = await agentWith(owner, true);
    const s = await script(owner);
    await call(`/api/cloud/scripts/${s.id}`, { method: "PUT", token: owner.access, body: { body: "print('v2')\n", interpreter: "python3" } });
    const seen: unknown[] = [];
    agent.handlers["script.run"] = async (params: unknown, id: string) => {
      seen.push(params);
      agent.send({ type: "rpc-progress", id, stream: "stdout", data: "hello from the script\n" });
      return { ...done, stdout_tail: "hello from the script\n" };
    };
    const { events } = await openEvents(owner.access);

    const res = await run(owner, agent.instanceId, { script_id: s.id, version: 1, args: ["a b", "$(id)"], timeout_seconds: 30 });
    expect(res.status, await res.clone().text()).toBe(200);
    const action = await json(res);
    expect(action).toMatchObject({ command: `script ${s.name}@v1`, status: "success", exit_code: 0, requested_by: owner.userId, output_tail: "hello from the script\n" });
    expect(seen).toEqual([{ interpreter: "sh", body: "echo v1\n", args: ["a b", "$(id)"], timeout_seconds: 30 }]);
    const progress = await until(() => {
      const p = events.filter((e) => e.type === "cloud:command-progress" && e.actionId === action.id);
      return p.some((e) => e.status === "success") ? p : null;
    });
    expect(progress.filter((e) => e.data).map((e) => e.data)).toEqual(["hello from the script\n"]);
    expect((await json(await call(`/api/cloud/instance/${agent.instanceId}/actions`, { token: owner.access }))).actions[0]).toMatchObject({ id: action.id, command: `script ${s.name}@v1` });

    // Without a version: the newest one.
    const latest = await json(await run(owner, agent.instanceId, { script_id: s.id }));
    expect(latest.command).toBe(`script ${s.name}@v2`);
    expect(seen[1]).toEqual({ interpreter: "python3", body: "print('v2')\n", args: [], timeout_seconds: 120 });

    // Audited as a command, naming the script and version.
    const audit = await json(await call("/api/audit?action=cloud.command", { token: owner.access }));
    const entries = audit.entries as { detail: Record<string, unknown> }[];
    expect(entries.some((e) => e.detail?.script_id === s.id && e.detail?.version === 1)).toBe(true);
  });

  it("refuses at once when the agent's hello says scripts: false (or says nothing), and sends the agent nothing", async () => {
    const owner = await register();
    const s = await script(owner);
    for (const scripts of [false, undefined]) {
      const agent = await agentWith(owner, scripts);
      agent.handlers["script.run"] = () => done;
      const res = await run(owner, agent.instanceId, { script_id: s.id });
      expect(res.status).toBe(403);
      expect(errorOf(await json(res))).toMatchObject({ code: "E-AUTH-FORBID", message: "this agent does not run scripts (scripts: true in its config)" });
      expect(agent.received.filter((m) => m.type === "rpc" && m.method === "script.run")).toEqual([]);
      expect((await json(await call(`/api/cloud/instance/${agent.instanceId}/actions`, { token: owner.access }))).actions).toEqual([]);
      // The object refuses by itself too (what a fleet run calls).
      const direct = await stub(agent.instanceId).runScript({ scriptId: s.id, version: 1, interpreter: "sh", body: "echo", requestedBy: owner.userId, timeoutSeconds: 5 });
      expect(direct).toMatchObject({ ok: false, code: "E-AUTH-FORBID" });
    }
  });

  it("passes on the agent's own refusal when its hello was out of date", async () => {
    const owner = await register();
    const agent = await agentWith(owner, true);
    const s = await script(owner);
    agent.handlers["script.run"] = () => Promise.reject(Object.assign(new Error("this agent does not run scripts (scripts: true in its config)"), { code: "E-AUTH-FORBID" }));
    const res = await run(owner, agent.instanceId, { script_id: s.id });
    expect(res.status).toBe(403);
    expect(errorOf(await json(res)).code).toBe("E-AUTH-FORBID");
  });

  it("needs command on the instance and a script of the caller's own", async () => {
    const owner = await register();
    const sharee = await register();
    const stranger = await register();
    const agent = await agentWith(owner, true);
    agent.handlers["script.run"] = () => done;
    const mine = await script(owner);
    await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] } });
    expect((await run(sharee, agent.instanceId, { script_id: mine.id })).status).toBe(403);
    expect((await run(stranger, agent.instanceId, { script_id: mine.id })).status).toBe(404);
    // With command, a sharee runs their own scripts, never the owner's.
    await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance", "command:cloud_instance"] } });
    const notTheirs = await run(sharee, agent.instanceId, { script_id: mine.id });
    expect(notTheirs.status).toBe(404);
    expect(errorOf(await json(notTheirs)).message).toBe("script not found");
    const theirs = await script(sharee, "echo sharee\n");
    expect((await json(await run(sharee, agent.instanceId, { script_id: theirs.id }))).requested_by).toBe(sharee.userId);
    // Bad input names the field; nothing was sent for any refusal above.
    for (const [body, field] of [[{ script_id: mine.id, args: "x" }, "args"], [{ script_id: mine.id, timeout_seconds: 0 }, "timeout_seconds"], [{ script_id: mine.id, version: 0 }, "version"], [{}, "script_id"]] as const) {
      const res = await run(owner, agent.instanceId, body);
      expect(res.status).toBe(400);
      expect(errorOf(await json(res)).fields?.[0]?.path).toBe(field);
    }
    expect((await run(owner, agent.instanceId, { script_id: mine.id, version: 5 })).status).toBe(404);
    expect(agent.received.filter((m) => m.type === "rpc" && m.method === "script.run")).toHaveLength(1);
  });

  it("fails fast with 503 when the instance is offline", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const s = await script(owner);
    const res = await run(owner, agent.instanceId, { script_id: s.id });
    expect(res.status).toBe(503);
    expect(errorOf(await json(res)).code).toBe("E-INSTANCE-OFFLINE");
  });
});
