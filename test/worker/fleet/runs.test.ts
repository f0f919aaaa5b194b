import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent, until } from "../cloud/fake-agent.ts";
import { openEvents } from "../cloud/event-socket.ts";

const ok = { exit_code: 0, signal: null, timed_out: false, duration_ms: 3, stdout_tail: "", stderr_tail: "" };
const startRun = (s: Session, body: unknown) => call("/api/cloud/runs", { token: s.access, body });
const getRun = async (s: Session, id: string) => json(await call(`/api/cloud/runs/${id}`, { token: s.access }));
const doneRun = (s: Session, id: string, ms = 8000) => until(async () => { const r = await getRun(s, id); return r.state === "done" ? r : null; }, ms);

/** A connected fake agent that answers `disk` with `out` (after `delayMs`), tagged `tag`. */
async function agentFor(owner: Session, name: string, tag: string | null, out = `hi from ${name}\n`, delayMs = 0) {
  const a = await FakeAgent.register(owner, name);
  await a.connect();
  a.handlers["command.run"] = async (_p: unknown, id: string) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    a.send({ type: "rpc-progress", id, stream: "stdout", data: out });
    return { ...ok, stdout_tail: out };
  };
  await until(async () => (await testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(a.instanceId)).live()).hello);
  if (tag) expect((await call(`/api/cloud/instances/${a.instanceId}`, { method: "PATCH", token: owner.access, body: { tags: [tag] } })).status).toBe(200);
  return a;
}

describe("runs", () => {
  it("runs a command on every tagged instance, leaves the others alone, and streams progress to the owner", async () => {
    const owner = await register();
    const a = await agentFor(owner, "a", "web");
    const b = await agentFor(owner, "b", "web");
    const c = await agentFor(owner, "c", null);
    let cRan = false;
    c.handlers["command.run"] = () => ((cRan = true), ok);
    const { events } = await openEvents(owner.access);
    const res = await startRun(owner, { target: { tag: "web" }, command: "disk" });
    expect(res.status).toBe(201);
    const { runId } = await json(res);
    const run = await doneRun(owner, runId);
    expect(run.results.map((r: any) => r.instanceId).sort()).toEqual([a.instanceId, b.instanceId].sort());
    const nameOf: Record<string, string> = { [a.instanceId]: "a", [b.instanceId]: "b" };
    for (const r of run.results) {
      expect(r).toMatchObject({ state: "success", exitCode: 0 });
      expect(r.output).toBe(`hi from ${nameOf[r.instanceId]}\n`);
      expect(r.started_at).toBeTruthy();
      expect(r.ended_at).toBeTruthy();
    }
    expect(cRan).toBe(false);
    const last = await until(() => events.find((e) => e.type === "cloud:run-progress" && e.runId === runId && e.state === "done"));
    expect(last.counts.success).toBe(2);
    const listed = await json(await call("/api/cloud/runs", { token: owner.access }));
    expect(listed.runs[0]).toMatchObject({ id: runId, state: "done", total: 2, succeeded: 2, failed: 0, command: "disk" });
  });

  it("an offline member is offline at once, a failing one is an error with its exit code, a timed-out one is timeout", async () => {
    const owner = await register();
    const up = await agentFor(owner, "up", "t");
    const failing = await agentFor(owner, "failing", "t");
    failing.handlers["command.run"] = () => ({ ...ok, exit_code: 2, stderr_tail: "nope" });
    const slow = await agentFor(owner, "slow", "t");
    slow.handlers["command.run"] = () => ({ ...ok, exit_code: null, signal: "SIGTERM", timed_out: true });
    const down = await FakeAgent.register(owner, "down");
    await call(`/api/cloud/instances/${down.instanceId}`, { method: "PATCH", token: owner.access, body: { tags: ["t"] } });
    const { runId } = await json(await startRun(owner, { target: { tag: "t" }, command: "disk" }));
    const run = await doneRun(owner, runId);
    const by = Object.fromEntries(run.results.map((r: any) => [r.instanceId, r]));
    expect(by[up.instanceId].state).toBe("success");
    expect(by[failing.instanceId]).toMatchObject({ state: "error", exitCode: 2 });
    expect(by[slow.instanceId]).toMatchObject({ state: "timeout", error: "timed out" });
    expect(by[down.instanceId]).toMatchObject({ state: "offline", exitCode: null });
  });

  it("an agent that goes away mid-run gives error for it, never a hang, and the others succeed", async () => {
    const owner = await register();
    const fine = await agentFor(owner, "fine", "k");
    const doomed = await agentFor(owner, "doomed", "k");
    doomed.handlers["command.run"] = () => new Promise(() => {}); // never answers
    const { runId } = await json(await startRun(owner, { target: { tag: "k" }, command: "disk" }));
    await until(async () => (await getRun(owner, runId)).results.find((r: any) => r.instanceId === doomed.instanceId).state === "running");
    // "running" is written before the call leaves the run's object: wait until the agent has the command.
    await until(() => doomed.received.some((m) => m.type === "rpc" && m.method === "command.run"));
    doomed.ws!.close(1001, "killed");
    const run = await doneRun(owner, runId);
    const by = Object.fromEntries(run.results.map((r: any) => [r.instanceId, r]));
    expect(by[fine.instanceId].state).toBe("success");
    expect(["offline", "error"]).toContain(by[doomed.instanceId].state);
    expect(by[doomed.instanceId].error).toMatch(/disconnected/);
  });

  it("a sharee without command: sees the member refused in the results, never run; one with it runs", async () => {
    const owner = await register();
    const sharee = await register();
    const readOnly = await agentFor(owner, "ro", null);
    const commandable = await agentFor(owner, "cmd", null);
    let roRan = false;
    readOnly.handlers["command.run"] = () => ((roRan = true), ok);
    for (const [id, permissions] of [[readOnly.instanceId, ["read:cloud_instance"]], [commandable.instanceId, ["read:cloud_instance", "command:cloud_instance"]]] as const) {
      expect((await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: id, permissions } })).status).toBe(200);
    }
    const { runId } = await json(await startRun(sharee, { target: { instanceIds: [readOnly.instanceId, commandable.instanceId] }, command: "disk" }));
    const run = await doneRun(sharee, runId);
    const by = Object.fromEntries(run.results.map((r: any) => [r.instanceId, r]));
    expect(by[readOnly.instanceId]).toMatchObject({ state: "error", started_at: null });
    expect(by[readOnly.instanceId].error).toMatch(/not allowed to command/);
    expect(by[commandable.instanceId].state).toBe("success");
    expect(roRan).toBe(false);
    // The run is the sharee's: the owner does not see it.
    expect((await call(`/api/cloud/runs/${runId}`, { token: owner.access })).status).toBe(404);
  });

  it("another tenant's instances and runs are not found", async () => {
    const owner = await register();
    const stranger = await register();
    const a = await agentFor(owner, "a", "mine");
    let ran = false;
    a.handlers["command.run"] = () => ((ran = true), ok);
    const { runId } = await json(await startRun(owner, { target: { tag: "mine" }, command: "disk" }));
    await doneRun(owner, runId);
    expect((await call(`/api/cloud/runs/${runId}`, { token: stranger.access })).status).toBe(404);
    expect((await call(`/api/cloud/runs/${runId}/cancel`, { method: "POST", token: stranger.access })).status).toBe(404);
    expect((await json(await call("/api/cloud/runs", { token: stranger.access }))).runs).toEqual([]);
    // A tag only the owner's instances carry matches nothing for the stranger: a 400.
    const byTag = await startRun(stranger, { target: { tag: "mine" }, command: "disk" });
    expect(byTag.status).toBe(400);
    expect(errorOf(await json(byTag)).fields?.[0]?.path).toBe("target.tag");
    ran = false;
    const byId = await json(await startRun(stranger, { target: { instanceIds: [a.instanceId] }, command: "disk" }));
    const run = await doneRun(stranger, byId.runId);
    expect(run.results).toEqual([expect.objectContaining({ instanceId: a.instanceId, name: null, state: "error", error: "instance not found" })]);
    expect(ran).toBe(false);
  });

  it("refuses bad bodies with a 400 naming the field, args, and another's or a missing script (404), and starts nothing", async () => {
    const owner = await register();
    await agentFor(owner, "a", "v");
    const cases: [unknown, string][] = [
      [{ target: { tag: "v" } }, "command"],
      [{ target: { tag: "v" }, command: "disk", script: "scr_1" }, "command"],
      [{ target: { tag: "Bad!" }, command: "disk" }, "target"],
      [{ target: { instanceIds: [] }, command: "disk" }, "target"],
      [{ target: { tag: "v" }, command: "disk", concurrency: 0 }, "concurrency"],
      [{ target: { tag: "v" }, command: "disk", concurrency: 10_000 }, "concurrency"],
      [{ target: { tag: "v" }, command: "disk", timeoutSeconds: 0 }, "timeoutSeconds"],
      [{ target: { tag: "v" }, command: "disk", extra: 1 }, "(body)"],
      [{ target: { tag: "v" }, command: "disk", args: ["-h"] }, "args"],
      [{ target: { tag: "nothing-here" }, command: "disk" }, "target.tag"],
    ];
    for (const [body, field] of cases) {
      const res = await startRun(owner, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = errorOf(await json(res));
      expect(err.code).toBe("E-VALIDATION");
      expect(err.fields?.map((f) => f.path).join(" "), JSON.stringify(body)).toContain(field);
    }
    const missing = await startRun(owner, { target: { tag: "v" }, script: "scr_nope" });
    expect(missing.status).toBe(404);
    expect(errorOf(await json(missing)).code).toBe("E-NOT-FOUND");
    // Another user's script is not found either: a run takes scripts from its starter's own library.
    const other = await register();
    const theirs = await json(await call("/api/cloud/scripts", { token: other.access, body: { name: "theirs", body: "echo no\n", interpreter: "sh" } }));
    expect((await startRun(owner, { target: { tag: "v" }, script: theirs.id })).status).toBe(404);
    expect((await json(await call("/api/cloud/runs", { token: owner.access }))).runs).toEqual([]);
    // An empty args list is the same as none.
    expect((await startRun(owner, { target: { tag: "v" }, command: "disk", args: [] })).status).toBe(201);
  });

  it("keeps to the concurrency limit, and cancel ends the queued members as error 'cancelled' while the running one finishes", async () => {
    const owner = await register();
    const agents = [];
    let running = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    for (let i = 0; i < 4; i++) {
      const a = await agentFor(owner, `q${i}`, "q");
      a.handlers["command.run"] = async () => {
        peak = Math.max(peak, ++running);
        await new Promise<void>((r) => release.push(r));
        running--;
        return ok;
      };
      agents.push(a);
    }
    const { runId } = await json(await startRun(owner, { target: { tag: "q" }, command: "disk", concurrency: 1 }));
    await until(() => release.length === 1);
    const cancelled = await json(await call(`/api/cloud/runs/${runId}/cancel`, { method: "POST", token: owner.access }));
    expect(cancelled.cancelled).toBe(true);
    expect(cancelled.state).toBe("running");
    expect(cancelled.results.filter((r: any) => r.state === "error").map((r: any) => r.error)).toEqual(["cancelled", "cancelled", "cancelled"]);
    release.shift()!();
    const run = await doneRun(owner, runId);
    expect(run.counts).toMatchObject({ success: 1, error: 3, queued: 0, running: 0 });
    expect(peak).toBe(1);
  });

  it("runs a script from the starter's library on every member: the agent with scripts: true runs the chosen version, the one without is refused", async () => {
    const owner = await register();
    const yes = await FakeAgent.register(owner, "yes");
    const no = await FakeAgent.register(owner, "no");
    for (const [a, scripts] of [[yes, true], [no, false]] as const) {
      await a.connect({ hello: false });
      const hello = a.helloMessage();
      a.send({ ...hello, config: { ...hello.config, scripts } });
      await until(async () => (await testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(a.instanceId)).live()).hello);
      expect((await call(`/api/cloud/instances/${a.instanceId}`, { method: "PATCH", token: owner.access, body: { tags: ["scripted"] } })).status).toBe(200);
    }
    const s = await json(await call("/api/cloud/scripts", { token: owner.access, body: { name: "hello", body: "echo v1\n", interpreter: "sh" } }));
    await call(`/api/cloud/scripts/${s.id}`, { method: "PUT", token: owner.access, body: { body: "echo v2\n" } });
    const seen: any[] = [];
    yes.handlers["script.run"] = async (params: unknown, id: string) => {
      seen.push(params);
      yes.send({ type: "rpc-progress", id, stream: "stdout", data: "v1 ran\n" });
      return { ...ok, stdout_tail: "v1 ran\n" };
    };
    no.handlers["script.run"] = () => {
      throw new Error("must not be sent");
    };
    const res = await startRun(owner, { target: { tag: "scripted" }, script: s.id, version: 1 });
    expect(res.status, await res.clone().text()).toBe(201);
    const run = await doneRun(owner, (await json(res)).runId);
    const by = Object.fromEntries(run.results.map((r: any) => [r.instanceId, r]));
    expect(by[yes.instanceId]).toMatchObject({ state: "success", exitCode: 0, output: "v1 ran\n" });
    expect(by[no.instanceId]).toMatchObject({ state: "error", error: "this agent does not run scripts (scripts: true in its config)" });
    expect(seen.map((p) => p.body)).toEqual(["echo v1\n"]);
    expect(no.received.filter((m) => m.type === "rpc" && m.method === "script.run")).toEqual([]);
  });
});
